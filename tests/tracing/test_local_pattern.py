"""The local attention's weights over its window, kept by the trace for the query's tokens (issue 26:
"the local attention's weights over the short-term window beside the memory's Gaussian"): equal to
transformers' own attention weights where the window is the whole text, causal and normalised over a
window that crosses segments, and mapped to the right tokens."""
import numpy as np
import pytest
import torch
from helpers import make_model

from infformer.tracing.run import pattern_rows, run_with_trace

pytest.importorskip("transformers")
from llama_fixture import architecture, hf_weights, tiny_llama  # noqa: E402

from infformer.core.model import InfFormer  # noqa: E402
from infformer.io.pretrained import infformer_state_dict  # noqa: E402


def test_weights_equal_transformers_attentions_where_the_window_is_the_whole_text():
    hf = tiny_llama()
    arch = architecture(hf)
    model = InfFormer(arch.model_config(None, 64, 0))
    model.load_state_dict(infformer_state_dict(hf_weights(hf), arch), strict=False)
    model.eval()
    tokens = torch.randint(0, 300, (1, 40), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        want = hf(input_ids=tokens, output_attentions=True).attentions  # Y × [1, H, T, T]
        _, _, tr = run_with_trace(model, tokens[0], pattern_tokens=[5, 39])
    for t in (5, 39):
        keys, weights = tr.local_weights(t)
        assert keys.tolist() == list(range(t + 1))
        for y in range(model.cfg.n_layers):
            np.testing.assert_allclose(weights[y], want[y][0, :, t, :t + 1].numpy(), rtol=2e-3, atol=2e-4)
    assert tr.local_weights(6) is None  # not kept


def test_across_segments_the_window_is_the_short_term_memory_and_the_segment_so_far():
    model = make_model("sticky", segment_len=8, stm_len=8)
    tokens = torch.arange(45) % 50
    _, _, tr = run_with_trace(model, tokens, num_text_tokens=40)  # the default: the query's tokens 40..44
    assert tr.pattern_tokens.tolist() == pattern_rows(45, 40) == [40, 41, 42, 43, 44]
    for t in tr.pattern_tokens:
        keys, weights = tr.local_weights(int(t))
        seg_start = (t // 8) * 8
        assert keys.tolist() == list(range(seg_start - 8, t + 1))  # STM (8) + the segment up to t
        np.testing.assert_allclose(weights.sum(-1), 1.0, atol=2e-3)  # float16, normalised
        assert (weights > 0).all()
    _, _, no_query = run_with_trace(model, tokens)
    assert no_query.pattern_tokens.tolist() == list(range(37, 45))  # a text without a query: its last 8
