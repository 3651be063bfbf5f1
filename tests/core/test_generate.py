"""Greedy and nucleus generation: deterministic, seeded, feeding the memory; top_p_filter keeps the nucleus."""
import numpy as np
import pytest
import torch
from helpers import examples, make_model, random_tokens
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from infformer.core.generate import first_line_length, generate, top_p_filter


@pytest.fixture(scope="module")
def model():
    return make_model("sticky", seed=3)


def test_greedy_is_deterministic_and_feeds_the_memory(model):
    prompt = random_tokens(13, batch=2, seed=1)
    a, sa = generate(model, prompt, 20)
    b, sb = generate(model, prompt, 20)
    assert a.shape == (2, 20)
    assert torch.equal(a, b)
    # every prompt and generated token went into the memory
    assert sa.position.tolist() == [33, 33]
    assert sa.num_updates == sb.num_updates >= 2
    # greedy = argmax of the model's own logits, step by step
    with torch.no_grad():
        logits, _ = model(torch.cat([prompt, a[:, :-1]], 1))
    assert torch.equal(logits[:, 12:].argmax(-1), a)


def test_top_p_is_reproducible_with_a_seed_and_varies_across_seeds(model):
    prompt = random_tokens(10, seed=2)
    a, _ = generate(model, prompt, 30, top_p=0.9, seed=7)
    b, _ = generate(model, prompt, 30, top_p=0.9, seed=7)
    c, _ = generate(model, prompt, 30, top_p=0.9, seed=8)
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_generation_continues_a_state(model):
    with torch.no_grad():
        _, state = model(random_tokens(20, seed=4))
    new, after = generate(model, random_tokens(3, seed=5), 5, state=state)
    assert new.shape == (1, 5) and int(after.position[0]) == 28


def test_generate_rejects_bad_arguments(model):
    with pytest.raises(ValueError):
        generate(model, random_tokens(0), 5)
    with pytest.raises(ValueError):
        generate(model, random_tokens(3), 5, top_p=0.0)
    with pytest.raises(ValueError):
        generate(model, random_tokens(3), 5, top_p=1.5)
    with pytest.raises(ValueError):
        generate(model, random_tokens(3), 5, temperature=0)


def test_stop_token(model):
    prompt = random_tokens(5, seed=6)
    first, _ = generate(model, prompt, 1)
    new, _ = generate(model, prompt, 10, stop_token=int(first[0, 0]))
    assert new.shape == (1, 1)


@settings(max_examples=examples(60))
@given(seed=st.integers(0, 10 ** 6), V=st.integers(1, 50), p=st.floats(0.01, 1.0), scale=st.floats(0.1, 8.0))
def test_top_p_filter_keeps_the_smallest_nucleus(seed, V, p, scale):
    g = torch.Generator().manual_seed(seed)
    logits = torch.randn(3, V, generator=g) * scale
    probs = torch.softmax(logits.double(), -1).numpy()
    out = top_p_filter(logits, p)
    assert out.shape == logits.shape
    for row in range(3):
        order = np.argsort(-probs[row], kind="stable")
        cum = np.cumsum(probs[row][order])
        # skip rows where rounding decides (cumulative mass within 1e-5 of p, or ties)
        assume(np.abs(cum - p).min() > 1e-5)
        assume(len(np.unique(probs[row])) == V)
        k = int(np.searchsorted(cum, p) + 1)  # smallest k with cum[k-1] ≥ p
        k = min(k, V)
        want = set(order[:k].tolist())
        kept = set(torch.nonzero(torch.isfinite(out[row])).flatten().tolist())
        assert kept == want
        # kept logits unchanged
        idx = torch.tensor(sorted(kept))
        assert torch.equal(out[row, idx], logits[row, idx])


def test_top_p_filter_keeps_the_top_token_always():
    logits = torch.tensor([[10.0, 0.0, -1.0]])
    out = top_p_filter(logits, 0.01)
    assert torch.isfinite(out[0, 0]) and torch.isinf(out[0, 1:]).all()


@pytest.mark.parametrize("tokens, expected", [
    ([" Yes", ",", " it", " is", ".\n", "A:", " no"], 5),          # ends with the token that ends the line
    (["\n", "\n", " The", " key", "\n", "more"], 5),               # leading blank lines kept
    ([" one", " two", " three"], 3),                                # no line ends: every token
    (["\n\n"], 1),
    ([], 0),
])
def test_first_line_length(tokens, expected):
    """Issue 24: the Excerpts reply ran on past the end of its turn and looped."""
    prefixes = ["".join(tokens[:i]) for i in range(len(tokens) + 1)]
    assert first_line_length(prefixes) == expected


# ----------------------------------------------------------------------- generation's cache
CACHED_MODELS = {"linear": dict(variant="ltm"), "sticky": dict(variant="sticky"), "stm": dict(variant="stm"),
                 "compressive": dict(variant="compressive"),
                 # SmolLM2's shapes: grouped-query attention, half-turn rotary, RMSNorm, no short-term memory
                 "llama-like": dict(variant="ltm", n_kv_heads=1, rope_layout="half", norm="rmsnorm", mlp="swiglu",
                                    stm_len=0)}


@pytest.mark.parametrize("name", CACHED_MODELS)
def test_a_cached_state_gives_the_same_logits_token_after_token(name):
    """Token by token with the cache (keys and values of the window, the memory's read projections kept
    between calls of a segment) = the whole text in one call, across segments and memory updates."""
    fields = dict(CACHED_MODELS[name])
    m = make_model(fields.pop("variant"), seed=2, **fields)
    ids = random_tokens(45, batch=2, seed=1)
    with torch.no_grad():
        whole, _ = m(ids)
        state, steps = m.initial_state(2).with_cache(), []
        for t in range(ids.shape[1]):
            logits, state = m(ids[:, t:t + 1], state)
            steps.append(logits)
            if t == 20:
                kept = state.cache
    assert state.num_updates >= 4 or m.cfg.ltm is None and not m.cfg.compressive_len
    torch.testing.assert_close(torch.cat(steps, 1), whole, rtol=1e-5, atol=1e-5)
    assert len(kept) == m.cfg.n_layers and kept[0][0][0].shape[2] == m.cfg.compressive_len + m.cfg.stm_len + 21 % 8
    assert (kept[0][1] is not None) == (m.cfg.ltm is not None)   # the memory's read projections, with a memory


def test_generate_keeps_its_cache_to_itself(model):
    """Greedy generation with the cache = the model's argmax without it; the state it returns carries no
    cache (the caller's states stay small), and a state with a cache drops it when moved or detached."""
    prompt = random_tokens(13, batch=2, seed=1)
    new, after = generate(model, prompt, 20)
    assert after.cache is None
    with torch.no_grad():
        logits, plain = model(torch.cat([prompt, new], 1))
    assert torch.equal(logits[:, 12:-1].argmax(-1), new)
    torch.testing.assert_close(after.layers[0].coefficients, plain.layers[0].coefficients)
    with torch.no_grad():
        _, cached = model(prompt, model.initial_state(2).with_cache())
    assert cached.cache and cached.to("cpu").cache is None and cached.detach().cache is None


def test_training_forwards_keep_no_cache():
    """With gradients on, every key and value is recomputed (the weights learn from all of them): the
    cache stays on but empty."""
    m = make_model("ltm", seed=2).train()
    logits, state = m(random_tokens(12, seed=3), m.initial_state(1).with_cache())
    assert state.cache == () and logits.requires_grad
