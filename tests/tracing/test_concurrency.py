"""Recording belongs to one call: sessions tracing on one shared model never see each other's passes."""
import threading

import numpy as np
import pytest
import torch
from helpers import SAMPLE_TEXT, random_tokens

from infformer.core.hooks import CallHooks, hook_points
from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.fit_targets import trace_with_targets

TEXTS = [SAMPLE_TEXT, "The dog ate the bone. " * 40 + "One two three four. " * 30,
         "Emma Woodhouse, handsome, clever, and rich. " * 25, "The pass key is 12345. " + "Filler. " * 120]


def same_trace(a, b):
    assert a.num_tokens == b.num_tokens and a.num_updates == b.num_updates
    np.testing.assert_array_equal(a.mu, b.mu)
    np.testing.assert_array_equal(a.sigma_sq, b.sigma_sq)
    np.testing.assert_array_equal(a.bin_probs, b.bin_probs)
    for layer in (0, a.num_layers - 1):
        for x, y in zip(a.final_provenance(layer), b.final_provenance(layer), strict=False):
            np.testing.assert_array_equal(x, y)


@pytest.mark.slow  # ~15 s: four threads, each tracing a text of its own
def test_threads_tracing_different_texts_on_one_model_get_their_own_traces(tiny_checkpoint):
    model, tokenizer, _ = load_checkpoint(tiny_checkpoint)
    alone = [trace_with_targets(model, tokenizer, t, "Who?")[0] for t in TEXTS]
    results, errors = {}, []
    barrier = threading.Barrier(len(TEXTS) * 2)

    def work(k):
        try:
            torch.set_num_threads(1)
            barrier.wait()
            for _ in range(2):
                results.setdefault(k % len(TEXTS), []).append(trace_with_targets(model, tokenizer, TEXTS[k % len(TEXTS)], "Who?")[0])
        except Exception as e:  # pragma: no cover - the failure this test exists to catch
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(len(TEXTS) * 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors
    for k, traces in results.items():
        assert len(traces) == 4
        for tr in traces:
            same_trace(tr, alone[k])


def test_a_recorder_sees_only_its_own_context(tiny_model):
    model = tiny_model("sticky")
    point = hook_points(model)["blocks.0.ltm.hook_mu"]
    seen_here, seen_there = [], []
    hooks = CallHooks().add(point, lambda p, i, o: seen_here.append(o.shape))

    def other():
        model(random_tokens(40, seed=3))  # another thread's pass: not recorded here
        with CallHooks().add(point, lambda p, i, o: seen_there.append(1)):
            model(random_tokens(8, seed=4))

    with hooks:
        t = threading.Thread(target=other)
        t.start()
        t.join()
        assert seen_here == [] and seen_there == [1]
        model(random_tokens(16, seed=5))
    assert len(seen_here) == 2  # two segments of 8
    model(random_tokens(8, seed=6))
    assert len(seen_here) == 2  # removed
