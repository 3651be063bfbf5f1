"""run_with_trace and the Trace: same logits as forward, no hooks left behind, frozen/picklable/bounded,
provenance that agrees with the model's state, and the plot quantities as pure functions."""
import dataclasses
import math
import pickle

import numpy as np
import pytest
import torch
from helpers import SAMPLE_TEXT, make_model, random_tokens, tiny_ltm

from infformer import InfFormer, reconstruct
from infformer.core.hooks import hook_points
from infformer.tracing.record import (
    Trace,
    density_on_grid,
    phrase_shares,
    reconstruct_signal,
    sentence_bounds,
    span_mass,
)
from infformer.tracing.run import run_with_trace, trace_text


def no_hooks_left(model):
    for name, hp in hook_points(model).items():
        assert not hp._forward_hooks, f"{name} still has a hook"
        assert not hp._forward_pre_hooks and not hp._backward_hooks, name


@pytest.fixture(scope="module")
def sticky_trace():
    model = make_model("sticky", ltm=tiny_ltm(sticky=True, span_capacity=24))
    x = random_tokens(8 * 20 + 3, seed=5)[0]
    logits, state, trace = run_with_trace(model, x, keep_logits=True, max_snapshots=4, provenance=True)
    return model, x, logits, state, trace


@pytest.mark.parametrize("variant", ["none", "stm", "ltm", "sticky"])
def test_trace_logits_equal_forward_and_no_hook_is_left(variant):
    model = make_model(variant)
    x = random_tokens(8 * 9 + 5, seed=3)[0]
    with torch.no_grad():
        plain, plain_state = model(x[None])
    logits, state, trace = run_with_trace(model, x, keep_logits=True)
    assert torch.allclose(logits, plain, atol=1e-6, rtol=1e-5)
    assert torch.equal(state.position, plain_state.position)
    no_hooks_left(model)
    assert trace.num_tokens == len(x)
    # with keep_logits=False nothing is kept, the state is the same
    none, state2, _ = run_with_trace(model, x)
    assert none is None and state2.num_updates == state.num_updates
    no_hooks_left(model)


def test_trace_continues_a_state_like_forward():
    model = make_model("ltm")
    x = random_tokens(60, seed=4)
    with torch.no_grad():
        _, s0 = model(x[:, :21])
        plain, _ = model(x[:, 21:], s0)
    logits, _, trace = run_with_trace(model, x[0, 21:], s0, keep_logits=True)
    assert torch.allclose(logits, plain, atol=1e-6, rtol=1e-5)
    # the first traced segment is the rest of the unfinished one
    assert tuple(trace.segments[0]) == (0, 3)


def test_no_hook_left_when_the_run_raises():
    model = make_model("sticky")

    def boom(done, total):
        if done == 2:
            raise RuntimeError("interrupted by the caller")

    with pytest.raises(RuntimeError, match="interrupted"):
        run_with_trace(model, random_tokens(50, seed=1)[0], on_segment=boom)
    no_hooks_left(model)
    with pytest.raises(ValueError):
        run_with_trace(model, torch.zeros(0, dtype=torch.long))
    no_hooks_left(model)
    # and the model still works normally afterwards
    with torch.no_grad():
        model(random_tokens(10))


def test_token_loss_matches_logits(sticky_trace):
    _, x, logits, _, trace = sticky_trace
    lp = torch.log_softmax(logits[0].double(), -1)
    want = -lp[:-1].gather(1, x[1:, None]).squeeze(1).numpy()
    np.testing.assert_allclose(trace.token_loss[:-1], want, rtol=1e-4, atol=1e-5)
    assert np.isnan(trace.token_loss[-1])


# ------------------------------------------------------------------------------ frozen, picklable, bounded
def test_trace_is_picklable(sticky_trace):
    trace = sticky_trace[-1]
    back = pickle.loads(pickle.dumps(trace))
    assert isinstance(back, Trace)
    for f in dataclasses.fields(trace):
        a, b = getattr(trace, f.name), getattr(back, f.name)
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b


def test_trace_is_frozen_and_read_only(sticky_trace):
    trace = sticky_trace[-1]
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.mu = None
    with pytest.raises(dataclasses.FrozenInstanceError):
        trace.num_text_tokens = 3
    for f in dataclasses.fields(trace):
        a = getattr(trace, f.name)
        if isinstance(a, np.ndarray) and a.size:
            assert not a.flags.writeable, f.name
            with pytest.raises(ValueError):
                a.flat[0] = a.flat[0]


def test_trace_holds_no_torch_tensors(sticky_trace):
    trace = sticky_trace[-1]
    for f in dataclasses.fields(trace):
        assert not isinstance(getattr(trace, f.name), torch.Tensor), f.name


def test_snapshots_are_bounded_and_match_the_memory():
    model = make_model("sticky")
    x = random_tokens(8 * 60, seed=8)[0]
    _, state, trace = run_with_trace(model, x, max_snapshots=4)
    K = len(trace.snapshot_updates)
    assert 1 <= K <= 4
    assert trace.coefficients.shape == (K, 2, 16, 32)
    assert (np.diff(trace.snapshot_updates) > 0).all()
    assert (trace.update_kind[trace.snapshot_updates] > 0).all()
    # a snapshot is the memory right after its update: trace the prefix up to that segment's end
    u = int(trace.snapshot_updates[-1])
    end = int(trace.segments[trace.update_segment[u]][1])
    _, _, prefix = run_with_trace(model, x[:end])
    np.testing.assert_allclose(trace.coefficients[-1], prefix.final_coefficients, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(trace.final_coefficients, np.stack([m.coefficients[0].numpy() for m in state.layers]))


def test_trace_size_is_linear_in_tokens_with_bounded_snapshots():
    """The bound docs/architecture.md states (the Trace): per-token μ, σ², ids, losses, the top-5
    predictions and the two attention terms' norms (per layer, and per head in float16); per-update
    histograms and samples; at most max_snapshots coefficient snapshots; fixed-size final memory; the
    local attention weights of at most 64 query tokens (here the last 8: no query)."""
    model = make_model("sticky")
    cfg = model.cfg
    Y, H, N, e = cfg.n_layers, cfg.n_heads, cfg.ltm.num_basis, cfg.d_model
    D, M, C = cfg.ltm.num_bins, cfg.ltm.num_samples, cfg.ltm.span_capacity
    window = cfg.compressive_len + cfg.stm_len + cfg.segment_len
    K = 3
    for segments in (10, 80):
        x = random_tokens(8 * segments, seed=2)[0]
        _, _, trace = run_with_trace(model, x, max_snapshots=K)
        T, U = trace.num_tokens, trace.num_updates
        bound = (T * (2 * Y * H * 4 + 8 + 4 + 5 * (4 + 4) + 2 * Y * 4 + 2 * Y * H * 2) + segments * (16 + 8)
                 + U * (Y * D * 4 + Y * M * 8 + 1 + 8 + 16 + 8)
                 + (K + 1) * Y * N * e * 4 + 2 * Y * C * (16 + 8) + 2 * N * 4 + 8 * (Y * H * window * 2 + window * 8 + 8)
                 + 1024)
        assert trace.nbytes() <= bound, (segments, trace.nbytes(), bound)


# ------------------------------------------------------------------------------ provenance
def assert_state_spans_in_replay(spans, tokens, layer_state):
    """The state's (capacity-bounded) spans are among the replay's, with the same values."""
    state_tokens = layer_state.span_tokens[0].numpy()
    state_spans = layer_state.spans[0].numpy()
    keep = state_tokens >= 0
    where = {int(t): i for i, t in enumerate(tokens)}
    assert all(int(t) in where for t in state_tokens[keep])
    idx = np.array([where[int(t)] for t in state_tokens[keep]], dtype=np.int64)
    np.testing.assert_allclose(spans[idx], state_spans[keep], rtol=0, atol=1e-12)


def test_spans_after_last_update_include_the_final_state_spans(sticky_trace):
    _, _, _, state, trace = sticky_trace
    last = trace.num_updates - 1
    for layer in range(trace.num_layers):
        spans, tokens = trace.spans_after(last, layer)
        assert_state_spans_in_replay(spans, tokens, state.layers[layer])
        assert (np.diff(tokens) > 0).all() and (np.diff(spans[:, 0]) >= 0).all() and (spans[:, 1] > spans[:, 0]).all()


def test_a_trace_without_the_states_provenance_replays_the_same_spans(sticky_trace):
    """By default the state keeps no spans during a trace (the replay needs only the recorded samples):
    same μ, σ², histograms, samples and replayed spans as the trace whose state kept them."""
    model, x, _, _, with_spans = sticky_trace
    _, state, trace = run_with_trace(model, x, max_snapshots=4)
    assert trace.final_spans.shape[1] == 0 and state.layers[0].spans.shape[1] == 0
    for field in ("mu", "sigma_sq", "bin_probs", "sample_positions", "token_loss"):
        np.testing.assert_array_equal(getattr(trace, field), getattr(with_spans, field))
    updates = range(-1, trace.num_updates, 7)
    for layer in range(trace.num_layers):
        replay, reference = trace.spans_at(updates, layer), with_spans.spans_at(updates, layer)
        for u in updates:
            np.testing.assert_array_equal(replay[u][0], reference[u][0])
            np.testing.assert_array_equal(replay[u][1], reference[u][1])
    np.testing.assert_array_equal(trace.token_attention(trace.default_queries()),
                                  with_spans.token_attention(with_spans.default_queries()))


def test_every_token_that_entered_the_memory_keeps_a_span():
    """Provenance is complete: the state keeps span_capacity spans, the trace keeps them all
    (forgotten only when a span underflows to zero width in float64)."""
    model = make_model("ltm")  # linear: every span shrinks by τ per update, far from underflow here
    C = model.cfg.ltm.span_capacity
    x = random_tokens(8 * 40, seed=3)[0]
    _, state, trace = run_with_trace(model, x)
    spans, tokens = trace.spans_after(trace.num_updates - 1, 0)
    entered = int(trace.update_tokens[trace.num_updates - 1][1])
    assert entered > C                                        # more tokens entered than the state keeps
    np.testing.assert_array_equal(tokens, np.arange(entered))  # every one of them has its span
    table = trace.tokens_table()
    assert table["ltm_t_start"].notna().sum() == entered and table["ltm_t_start"][:entered].notna().all()
    shares = spans[:, 1] - spans[:, 0]
    assert shares.sum() <= 1 + 1e-12 and shares.min() > 0


def test_spans_after_an_earlier_update_equal_a_shorter_run():
    model = make_model("sticky")
    x = random_tokens(8 * 12, seed=6)[0]
    _, _, trace = run_with_trace(model, x)
    u = 5
    end = int(trace.segments[trace.update_segment[u]][1])
    _, state, _ = run_with_trace(model, x[:end], provenance=True)
    for layer in range(2):
        spans, tokens = trace.spans_after(u, layer)
        assert_state_spans_in_replay(spans, tokens, state.layers[layer])


def test_provenance_of_a_trace_that_continues_a_saved_memory():
    """run_with_trace accepts a state: the trace's provenance must still describe the memory it ran
    with (spans_after(last) = the final state's spans), and token masses must be computable."""
    model = make_model("ltm")
    x = random_tokens(80, seed=7)
    with torch.no_grad():
        _, s0 = model(x[:, :40])
    _, state, trace = run_with_trace(model, x[0, 40:], s0)
    spans, tokens = trace.spans_after(trace.num_updates - 1, 0)
    assert_state_spans_in_replay(spans, tokens, state.layers[0])
    mass = trace.token_attention(trace.default_queries())
    assert mass.shape == (trace.num_tokens,) and (mass >= 0).all()


def normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_token_attention_brute_force(sticky_trace):
    """For a query of the last segment (which read the final memory), the mass on token j of head h in
    layer l is Φ((b−μ)/σ) − Φ((a−μ)/σ) with [a, b] the token's span in the model's final state
    (a model that keeps every span: provenance never changes what the model computes)."""
    model, x, _, _, trace = sticky_trace
    complete = InfFormer(model.cfg.with_memory(span_capacity=10_000)).eval()
    complete.load_state_dict(model.state_dict())
    with torch.no_grad():
        _, state = complete(x[None])
    start, end = trace.segments[-1]
    for q in (int(start), int(end) - 1):
        for layer in range(2):
            spans = state.layers[layer].spans[0].numpy()
            tokens = state.layers[layer].span_tokens[0].numpy()
            for h in range(2):
                mu, sd = float(trace.mu[layer, q, h]), math.sqrt(float(trace.sigma_sq[layer, q, h]))
                want = np.zeros(trace.num_tokens)
                for (a, b), t in zip(spans, tokens, strict=False):
                    if t >= 0:
                        want[t] = normal_cdf((b - mu) / sd) - normal_cdf((a - mu) / sd)
                got = trace.token_attention([q], layers=[layer], heads=[h])
                np.testing.assert_allclose(got, want, atol=1e-6)


def test_token_attention_per_query_is_a_sub_probability(sticky_trace):
    trace = sticky_trace[-1]
    seen = 0
    for q in range(trace.num_tokens):
        mass = trace.token_attention([q])
        assert (mass >= 0).all()
        assert mass.sum() <= 1 + 1e-9
        if np.isnan(trace.mu[:, q]).all():
            assert mass.sum() == 0  # the memory was empty when this query ran
        else:
            seen += 1
            assert mass.sum() > 0
            assert (mass[q:] == 0).all()  # a query only sees tokens that entered the memory before it
    assert seen > 0
    # averaging over layers and heads
    q = trace.num_tokens - 1
    parts = [trace.token_attention([q], layers=[l], heads=[h]) for l in range(2) for h in range(2)]
    np.testing.assert_allclose(trace.token_attention([q]), np.mean(parts, 0), atol=1e-12)


def test_phrase_shares(sticky_trace):
    _, _, _, state, trace = sticky_trace
    spans, tokens = trace.final_spans[0], trace.final_span_tokens[0]
    rng = np.random.default_rng(0)
    cuts = np.unique(np.concatenate([[0], rng.integers(0, trace.num_tokens, 12), [trace.num_tokens]]))
    bounds = np.stack([cuts[:-1], cuts[1:]], 1)
    shares = phrase_shares(spans, tokens, bounds)
    assert shares.shape == (len(bounds),)
    assert (shares >= -1e-12).all() and shares.sum() <= 1 + 1e-9
    for (a, b), s in zip(bounds, shares, strict=False):
        want = sum(spans[i, 1] - spans[i, 0] for i in range(len(tokens)) if a <= tokens[i] < b)
        assert s == pytest.approx(want, abs=1e-12)


def test_sentence_bounds_tile_the_tokens(tiny_tokenizer):
    ids, offsets = tiny_tokenizer.encode(SAMPLE_TEXT)
    b = sentence_bounds(SAMPLE_TEXT, offsets)
    assert b[0, 0] == 0 and b[-1, 1] == len(ids)
    assert (b[1:, 0] == b[:-1, 1]).all() and (b[:, 1] > b[:, 0]).all()
    assert len(b) > 10


@pytest.mark.parametrize("text, sentences", [
    ("小明今天去了学校。他学习了数学！你呢？我很好。", ["小明今天去了学校。", "他学习了数学！", "你呢？", "我很好。"]),
    ("「行くよ。」と彼は言った。", ["「行くよ。」", "と彼は言った。"]),
    ("هل أنت بخير؟ نعم، شكرا.", ["هل أنت بخير؟", " نعم، شكرا."]),
    # a space goes with the token after it (BPE's " Watson"), so with the next sentence
    ("Dr. Watson, e.g.this stays. Next one", ["Dr.", " Watson, e.g.this stays.", " Next one"]),
])
def test_sentence_bounds_in_scripts_without_spaces(text, sentences):
    """Issue 24: Chinese (sentences ending in 。) was one phrase holding 100% of the mass."""
    offsets = [(i, i + 1) for i in range(len(text))]  # one token per character
    b = sentence_bounds(text, offsets)
    assert ["".join(text[a:z]) for a, z in b] == sentences


# ------------------------------------------------------------------------------ tables
def test_tables(tiny_tokenizer):
    model = make_model("sticky", vocab_size=tiny_tokenizer.vocab_size)
    _, _, trace = trace_text(model, tiny_tokenizer, SAMPLE_TEXT, query="What is the pass key?")
    assert trace.num_text_tokens < trace.num_tokens
    np.testing.assert_array_equal(trace.default_queries(), np.arange(trace.num_text_tokens, trace.num_tokens))

    tokens = trace.tokens_table(tiny_tokenizer)
    for col in ("token_index", "text", "char_start", "char_end", "ltm_t_start", "ltm_t_end", "ltm_attention"):
        assert col in tokens.columns
    assert len(tokens) == trace.num_tokens
    assert "".join(tokens["text"]) == trace.text
    entered = tokens["ltm_t_start"].notna()
    assert entered.any() and (~entered).any()
    assert (tokens.loc[entered, "ltm_t_start"] >= 0).all() and (tokens.loc[entered, "ltm_t_end"] <= 1).all()
    assert (tokens.loc[entered, "ltm_t_end"] >= tokens.loc[entered, "ltm_t_start"]).all()
    assert tokens.loc[~entered, "ltm_t_end"].isna().all()
    assert (tokens["ltm_attention"] >= 0).all() and tokens["ltm_attention"].sum() <= 1 + 1e-9

    queries = trace.queries_table()
    assert list(queries.columns[:6]) == ["segment", "layer", "head", "token_index", "mu", "sigma"]
    assert len(queries) > 0
    assert ((queries["mu"] > 0) & (queries["mu"] < 1)).all()
    assert (queries["sigma"] >= math.sqrt(model.cfg.ltm.sigma_sq_min) * (1 - 1e-6)).all()
    assert set(queries["layer"]) == {0, 1} and set(queries["head"]) == {0, 1}

    hist = trace.histograms_table()
    assert list(hist.columns) == ["update", "layer", "bin", "probability"]
    sums = hist.groupby(["update", "layer"])["probability"].sum()
    np.testing.assert_allclose(sums.to_numpy(), 1.0, atol=1e-5)
    assert (hist["probability"] >= 0).all()
    assert set(hist["bin"]) == set(range(model.cfg.ltm.num_bins))


def test_histograms_sum_to_one_and_equal_bin_probs(sticky_trace):
    trace = sticky_trace[-1]
    written = trace.update_kind > 0
    np.testing.assert_allclose(trace.bin_probs[written].sum(-1), 1.0, atol=1e-5)
    assert ((trace.sample_positions[written] > 0) & (trace.sample_positions[written] < 1)).all()
    assert (np.diff(trace.sample_positions[written], axis=-1) > 0).all()


# ------------------------------------------------------------------------------ pure plot quantities
def test_reconstruct_signal_matches_regression(sticky_trace):
    model, _, _, state, trace = sticky_trace
    grid = np.linspace(0, 1, 101)
    got = reconstruct_signal(trace.final_coefficients[0], trace.basis, grid)
    want = reconstruct(state.layers[0].coefficients[0].double(), model.basis.to(dtype=torch.float64),
                       torch.tensor(grid)).numpy()
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_span_mass_and_density_on_grid_agree():
    mu, sigma_sq = np.array([0.3, 0.8]), np.array([1e-3, 0.05])
    spans = np.array([[0.0, 0.25], [0.25, 0.5], [0.5, 1.0]])
    mass = span_mass(spans, mu, sigma_sq)
    t = np.linspace(0, 1, 200001)
    dens = density_on_grid(mu, sigma_sq, t)
    for j, (a, b) in enumerate(spans):
        sel = (t >= a) & (t <= b)
        np.testing.assert_allclose(mass[:, j], np.trapezoid(dens[:, sel], t[sel], axis=-1), atol=1e-6)


def test_shares_by_part_fall_by_tau_per_update_with_linear_sampling():
    from infformer.tracing.regions import shares_by_part
    model = make_model("ltm")
    tau = model.cfg.ltm.tau
    _, _, trace = run_with_trace(model, random_tokens(8 * 30, seed=9)[0])
    shares, edges = shares_by_part(trace, 0, parts=5)
    assert shares.shape == (trace.num_updates, 5) and edges[0] == 0 and edges[-1] == trace.num_tokens
    assert (shares.sum(1) <= 1 + 1e-9).all()
    first = shares[:, 0]
    written = np.flatnonzero(first > 0)
    k = written[-1]  # the first part was completely written long before the end: pure contraction since
    np.testing.assert_allclose(first[k] / first[k - 1], tau, rtol=1e-9)


def test_spans_tile_the_memory_on_a_long_sticky_run():
    """Sticky sampling warps every span its own way; still, after every update, the unforgotten
    spans are ordered, never overlap, leave no gap, and their shares sum to the covered [0, b]."""
    model = make_model("sticky", ltm=tiny_ltm(sticky=True, span_capacity=16))
    x = random_tokens(8 * 200, seed=11)[0]
    _, _, trace = run_with_trace(model, x)
    history = trace.spans_at(range(0, trace.num_updates, 17), 1)
    for u, (spans, tokens) in history.items():
        if trace.update_kind[: u + 1].max() == 0:  # nothing written yet
            assert len(tokens) == 0
            continue
        assert (np.diff(tokens) > 0).all()
        np.testing.assert_allclose(spans[1:, 0], spans[:-1, 1], rtol=0, atol=1e-12)   # no gap, no overlap
        widths = spans[:, 1] - spans[:, 0]
        assert (widths > 0).all() and spans[0, 0] >= 0 and spans[-1, 1] <= 1 + 1e-12
        np.testing.assert_allclose(widths.sum(), spans[-1, 1] - spans[0, 0], rtol=1e-9)
    last_spans, last_tokens = trace.final_provenance(1)
    assert len(last_tokens) > 16  # far more than the state's capacity


def test_forgotten_stretches_are_the_written_tokens_below_a_millionth():
    from infformer.tracing.regions import NEGLIGIBLE, forgotten_stretches
    share = np.array([1e-9, 1e-8, 0.3, 1e-12, 1e-12, 1e-12, 0.2, 0.5, 0.0, 0.0])
    assert forgotten_stretches(share, held=8) == [(0, 2), (3, 6)]       # the unwritten tail (8, 9) is not "forgotten"
    assert forgotten_stretches(share, held=8, min_tokens=3) == [(3, 6)]
    assert forgotten_stretches(np.full(4, NEGLIGIBLE), held=4) == []
    assert forgotten_stretches(np.zeros(0), held=0) == []


def test_memory_share_is_a_distribution_over_the_written_tokens(tiny_tokenizer):
    from infformer.tracing.regions import memory_share
    model = make_model("ltm", vocab_size=tiny_tokenizer.vocab_size)
    _, _, trace = trace_text(model, tiny_tokenizer, SAMPLE_TEXT * 3)
    share = memory_share(trace)
    assert share.shape == (trace.num_text_tokens,) and (share >= 0).all()
    assert share.sum() == pytest.approx(1.0)
