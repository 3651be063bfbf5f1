"""`regions_attention`: several regions measured in one pass give what each measured from the spans
and Gaussians directly would (the definition in regions.py, token by token, query by query)."""
import numpy as np
import pytest
import torch
from helpers import make_model, tiny_ltm

from infformer.tracing.record import span_mass
from infformer.tracing.regions import region_attention, regions_attention
from infformer.tracing.run import trace_text


def by_definition(trace, region, queries) -> tuple[float, float]:
    """(attention fraction, memory share) of the region, one query and one layer at a time."""
    region = set(int(t) for t in region)
    mass = np.zeros(2)
    width = np.zeros(2)
    for layer in range(trace.num_layers):
        for q in queries:
            update = trace.memory_seen_by(trace.segment_of(int(q)))
            if update < 0:
                continue
            spans, tokens = trace.spans_after(update, layer)
            traced = tokens - trace.token_offset
            keep = (tokens >= 0) & (traced >= 0) & (traced < trace.num_tokens)
            spans, traced = spans[keep], traced[keep]
            inside = np.array([t in region for t in traced])
            m = span_mass(spans, trace.mu[layer, q], trace.sigma_sq[layer, q]).sum(0)   # over the heads
            w = (spans[:, 1] - spans[:, 0]) * trace.mu.shape[2]                           # as many as the heads
            mass += [m[inside].sum(), m.sum()]
            width += [w[inside].sum(), w.sum()]
    return mass[0] / mass[1], width[0] / width[1]


@pytest.mark.parametrize("sticky", [False, True])
def test_several_regions_at_once_are_each_region_by_definition(tiny_tokenizer, sticky):
    model = make_model("ltm", vocab_size=tiny_tokenizer.vocab_size, ltm=tiny_ltm(tau=0.75, sticky=sticky)).eval()
    text = "The hero finds a dog. The villain steals the dog. " * 8 + "Did the hero get the dog back?"
    with torch.no_grad():
        _, _, trace = trace_text(model, tiny_tokenizer, text)
    queries = np.arange(trace.num_tokens - 12, trace.num_tokens)
    assert trace.memory_seen_by(trace.segment_of(int(queries[0]))) >= 1   # read after several updates
    regions = [np.arange(0, 10), np.arange(5, 40), np.array([], dtype=np.int64), np.arange(trace.num_tokens)]
    got = regions_attention(trace, regions, queries)
    assert len(got) == len(regions)
    for region, g in zip(regions, got, strict=True):
        fraction, share = by_definition(trace, region, queries)
        assert g["attention_fraction"] == pytest.approx(fraction, rel=1e-9, abs=1e-12)
        assert g["memory_share"] == pytest.approx(share, rel=1e-9, abs=1e-12)
        assert g["queries"] == len(queries)
        assert g == pytest.approx(region_attention(trace, region, queries), nan_ok=True)
    assert got[2]["ratio"] != got[2]["ratio"]               # an empty region: no share, ratio NaN
    assert got[3]["attention_fraction"] == pytest.approx(1.0)   # the whole text: all of the memory
    assert 0 < got[0]["memory_share"] < got[1]["memory_share"] < 1
