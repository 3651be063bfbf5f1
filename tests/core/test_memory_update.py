"""One long-term memory update (update_memory), driven directly: provenance spans under the warp,
sticky sampling, the attention histogram, and a state whose size does not grow."""
import dataclasses
import math

import numpy as np
import pytest
import torch
from helpers import examples, make_model, random_tokens, tiny_ltm
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer import GaussianBasis, InfFormer, LayerMemory, MemoryState, ModelConfig, reconstruct
from infformer.core.memory import (
    bin_mass,
    bin_probabilities,
    push_spans,
    sampling_generator,
    slot_midpoints,
    sticky_sample_positions,
    token_slots,
    update_memory,
)


def empty_layer(B, e, cfg) -> LayerMemory:
    """An empty layer memory for this LTMConfig (the model's own initial state, so every field is right)."""
    model_cfg = ModelConfig(vocab_size=2, d_model=e, n_layers=1, n_heads=1, d_ff=4, segment_len=1, stm_len=0, ltm=cfg)
    mem = InfFormer(model_cfg).initial_state(B).layers[0]
    assert mem.coefficients.shape == (B, cfg.num_basis, e) and mem.spans.shape == (B, cfg.span_capacity, 2)
    assert mem.bin_mass.shape == (B, cfg.num_bins) and not mem.filled.any() and (mem.span_tokens == -1).all()
    return mem


class Driver:
    """Feeds segments of L random vectors into one layer memory, as the model does."""

    def __init__(self, cfg, B=1, e=4, L=8, basis=None, seed=0):
        self.cfg, self.B, self.e, self.L = cfg, B, e, L
        self.basis = basis or GaussianBasis.paper_layout(cfg.num_basis, cfg.widths)
        self.mem = empty_layer(B, e, cfg)
        self.written = 0  # tokens written so far
        self.updates = 0
        self.g = torch.Generator().manual_seed(seed)

    def step(self, bin_mass_=None, valid=None, incoming=None):
        B, L = self.B, self.L
        incoming = torch.randn(B, L, self.e, generator=self.g) if incoming is None else incoming
        tokens = (self.written + torch.arange(L)).expand(B, L)
        valid = torch.ones(B, dtype=torch.bool) if valid is None else valid
        mem = self.mem if bin_mass_ is None else dataclasses.replace(self.mem, bin_mass=bin_mass_)
        result = update_memory(mem, incoming, tokens, valid, self.basis, self.cfg,
                               sampling_generator(self.cfg.seed, self.updates))
        self.mem = dataclasses.replace(mem, coefficients=result.coefficients.detach(), filled=result.filled,
                                       spans=result.spans, span_tokens=result.span_tokens,
                                       bin_mass=torch.zeros_like(mem.bin_mass))
        self.written += L
        self.updates += 1
        return result


def spans_by_token(mem, row=0) -> dict:
    tokens = mem.span_tokens[row]
    return {int(t): (float(a), float(b)) for t, (a, b) in zip(tokens, mem.spans[row], strict=False) if t >= 0}


def check_span_invariants(spans: torch.Tensor, tokens: torch.Tensor):
    """spans [C, 2], tokens [C]: ordered by token, non-overlapping, inside [0, 1], total width ≤ 1."""
    keep = tokens >= 0
    # empty slots (token -1) come last
    n = int(keep.sum())
    assert keep[:n].all() and not keep[n:].any()
    s, t = spans[:n].double(), tokens[:n]
    assert (t[1:] > t[:-1]).all(), "span tokens must be strictly increasing"
    assert (s[:, 0] >= -1e-12).all() and (s[:, 1] <= 1 + 1e-12).all()
    assert (s[:, 1] - s[:, 0] >= -1e-12).all()
    assert (s[1:, 0] - s[:-1, 1] >= -1e-9).all(), "spans of consecutive tokens overlap"
    assert float((s[:, 1] - s[:, 0]).sum()) <= 1 + 1e-9


# ------------------------------------------------------------------------------ linear sampling
def test_first_write_spreads_tokens_over_unit_interval():
    cfg = tiny_ltm(span_capacity=64)
    d = Driver(cfg, L=8)
    r = d.step()
    assert int(r.kind[0]) == 1
    spans = spans_by_token(d.mem)
    edges = token_slots(8)
    assert sorted(spans) == list(range(8))
    for i in range(8):
        assert spans[i] == pytest.approx((float(edges[i]), float(edges[i + 1])), abs=1e-15)


@pytest.mark.parametrize("M,tau", [(16, 0.5), (64, 0.25), (256, 0.75), (100, 0.5), (12, 0.75)])
def test_linear_sampling_shrinks_every_old_span_by_exactly_tau(M, tau):
    cfg = tiny_ltm(num_samples=M, tau=tau, span_capacity=256)
    d = Driver(cfg, L=8)
    d.step()
    for _ in range(5):
        before = spans_by_token(d.mem)
        r = d.step()
        assert int(r.kind[0]) == 2
        after = spans_by_token(d.mem)
        assert set(before) <= set(after)  # capacity is large: nothing forgotten
        for tok, (a, b) in before.items():
            a2, b2 = after[tok]
            # the warp of linear sampling is t = τ·s, so every span is scaled by τ
            assert a2 == pytest.approx(tau * a, rel=1e-12, abs=1e-15)
            assert b2 - a2 == pytest.approx(tau * (b - a), rel=1e-12, abs=1e-15)
        new = {t: s for t, s in after.items() if t not in before}
        assert sorted(new) == list(range(d.written - 8, d.written))
        edges = token_slots(8, tau, 1.0)
        for k, tok in enumerate(sorted(new)):
            assert new[tok] == pytest.approx((float(edges[k]), float(edges[k + 1])), abs=1e-15)


def test_capacity_keeps_the_widest_spans():
    cfg = tiny_ltm(span_capacity=20)
    d = Driver(cfg, L=8)
    for _ in range(6):
        d.step()
    spans = spans_by_token(d.mem)
    assert len(spans) == 20
    # every kept span is at least as wide as every forgotten one (the forgotten ones, with linear
    # sampling, are the oldest: token t of segment k has width τ^(updates after k) (1-τ)/L)
    kept_widths = [b - a for a, b in spans.values()]
    tau, L = cfg.tau, 8
    widths = {t: (1 - tau) / L * tau ** ((d.written - 1 - t) // L) for t in range(8, d.written)}
    widths.update({t: tau ** (d.updates - 1) / L for t in range(8)})  # first write filled [0, 1]
    dropped = [w for t, w in widths.items() if t not in spans]
    assert min(kept_widths) >= max(dropped) - 1e-15
    # the last two segments are strictly wider than anything older, so they are all kept
    assert set(range(d.written - 16, d.written)) <= set(spans)


def test_contraction_moves_the_old_signal_into_0_tau():
    """After an update, X̄_new(τ s) ≈ X̄_old(s): the old memory is contracted, not lost."""
    cfg = tiny_ltm(num_basis=64, widths=(0.02, 0.04), num_samples=128, tau=0.5, ridge=1e-3)
    basis = GaussianBasis.paper_layout(64, (0.02, 0.04))
    d = Driver(cfg, e=2, L=32, basis=basis)
    t = slot_midpoints(32)
    smooth = torch.stack([torch.sin(2 * math.pi * t), torch.cos(3 * math.pi * t)], -1).float()[None]
    d.step(incoming=smooth)
    old = d.mem.coefficients.clone()
    d.step(incoming=torch.zeros(1, 32, 2))
    s = torch.linspace(0.1, 0.9, 50)
    before = reconstruct(old[0], basis, s)
    after = reconstruct(d.mem.coefficients[0], basis, cfg.tau * s)
    assert (after - before).abs().max() < 0.1 * before.abs().max()


def test_invalid_rows_are_left_untouched():
    cfg = tiny_ltm()
    d = Driver(cfg, B=2, L=8)
    d.step()
    before = d.mem
    r = d.step(valid=torch.tensor([True, False]))
    assert r.kind.tolist() == [2, 0]
    assert torch.equal(d.mem.coefficients[1], before.coefficients[1])
    assert spans_by_token(d.mem, 1) == spans_by_token(before, 1)
    assert not torch.equal(d.mem.coefficients[0], before.coefficients[0])


@settings(max_examples=examples(25))
@given(sticky=st.booleans(), L=st.integers(1, 12), M=st.integers(1, 40), tau=st.floats(0.05, 0.95),
       capacity=st.integers(1, 60), bins=st.integers(1, 20), updates=st.integers(1, 12), seed=st.integers(0, 999))
def test_span_invariants_hold_after_any_sequence_of_updates(sticky, L, M, tau, capacity, bins, updates, seed):
    cfg = tiny_ltm(sticky=sticky, num_samples=M, tau=tau, span_capacity=capacity, num_bins=bins, seed=seed)
    d = Driver(cfg, B=2, L=L, seed=seed)
    g = torch.Generator().manual_seed(seed)
    for _ in range(updates):
        mass = torch.rand(2, bins, generator=g) ** 4 * (torch.rand(2, bins, generator=g) > 0.5)
        d.step(bin_mass_=mass)
        for row in range(2):
            check_span_invariants(d.mem.spans[row], d.mem.span_tokens[row])
    # the newest tokens (those still kept) sit at their slots in (τ, 1]
    if d.updates > 1:
        edges = token_slots(L, tau, 1.0)
        for row in range(2):
            spans = spans_by_token(d.mem, row)
            for k, tok in enumerate(range(d.written - L, d.written)):
                if tok in spans:
                    assert spans[tok] == pytest.approx((float(edges[k]), float(edges[k + 1])), abs=1e-12)


# ------------------------------------------------------------------------------ sticky memories
def sticky_run(seed, updates=6, B=2):
    cfg = tiny_ltm(sticky=True, seed=seed, num_samples=32, num_bins=16, span_capacity=64)
    d = Driver(cfg, B=B, L=8, seed=123)  # same incoming vectors whatever the sampling seed
    g = torch.Generator().manual_seed(7)
    samples = []
    for _ in range(updates):
        r = d.step(bin_mass_=torch.rand(B, 16, generator=g) + 0.1)
        samples.append(r.sample_positions)
    return d.mem, torch.stack(samples)


def test_sticky_sampling_same_seed_is_identical():
    m1, s1 = sticky_run(5)
    m2, s2 = sticky_run(5)
    assert torch.equal(s1, s2)
    assert torch.equal(m1.spans, m2.spans) and torch.equal(m1.coefficients, m2.coefficients)


def test_sticky_sampling_other_seed_differs():
    m1, s1 = sticky_run(5)
    m2, s2 = sticky_run(6)
    assert not torch.equal(s1[1:], s2[1:])
    assert not torch.equal(m1.spans, m2.spans)


def test_sticky_model_runs_are_seeded(tiny_model):
    x = random_tokens(120, batch=2, seed=3)
    spans = {}
    for seed in (0, 0, 1):
        ltm = tiny_ltm(sticky=True, seed=seed)
        model = make_model("sticky", seed=0, ltm=ltm)
        with torch.no_grad():
            _, state = model(x)
        spans.setdefault(seed, []).append(torch.stack([m.spans for m in state.layers]))
    assert torch.equal(spans[0][0], spans[0][1])
    assert not torch.equal(spans[0][0], spans[1][0])


def test_sticky_sampling_gives_attended_tokens_more_room():
    """All attention on [0, 0.25]: those tokens shrink by less than τ, the others by more."""
    cfg = tiny_ltm(sticky=True, num_samples=256, num_bins=16, tau=0.5, span_capacity=64)
    d = Driver(cfg, L=16)
    d.step()
    before = spans_by_token(d.mem)
    mass = torch.zeros(1, 16)
    mass[0, :4] = 1.0
    r = d.step(bin_mass_=mass)
    assert (r.sample_positions < 0.25).all()
    after = spans_by_token(d.mem)
    for tok, (a, b) in before.items():
        ratio = (after[tok][1] - after[tok][0]) / (b - a)
        if b <= 0.25:
            assert ratio > cfg.tau * 1.5
        else:
            assert ratio < cfg.tau * 0.5


@settings(max_examples=examples(25))
@given(seed=st.integers(0, 10 ** 6), D=st.integers(1, 32), M=st.integers(1, 300))
def test_sticky_sample_positions_follow_the_histogram(seed, D, M):
    g = torch.Generator().manual_seed(seed)
    probs = torch.rand(2, D, generator=g) * (torch.rand(2, D, generator=g) > 0.3)
    probs[:, 0] += 0.01
    probs = probs / probs.sum(-1, keepdim=True)
    s = sticky_sample_positions(probs, M, torch.Generator().manual_seed(seed))
    assert s.shape == (2, M)
    assert ((s > 0) & (s < 1)).all()
    assert (s[:, 1:] > s[:, :-1]).all(), "sample positions must be strictly increasing"
    bins = (s * D).floor().long().clamp(max=D - 1)
    assert (probs.gather(1, bins) > 0).all(), "a sample fell in a bin of probability zero"


def test_bin_probabilities_normalise_and_fall_back_to_uniform():
    mass = torch.tensor([[0.0, 2.0, 6.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    p = bin_probabilities(mass)
    assert torch.allclose(p[0], torch.tensor([0.0, 0.25, 0.75, 0.0]))
    assert torch.allclose(p[1], torch.full((4,), 0.25))


@settings(max_examples=examples(25))
@given(seed=st.integers(0, 10 ** 6), D=st.integers(1, 40), H=st.integers(1, 3), T=st.integers(1, 5),
       log_sigma_sq=st.floats(math.log(1e-4), math.log(4.0)))
def test_bin_mass_equals_brute_force_integration(seed, D, H, T, log_sigma_sq):
    g = torch.Generator().manual_seed(seed)
    mu = torch.rand(2, H, T, generator=g) * 1.4 - 0.2
    sigma_sq = torch.exp(torch.full((2, H, T), log_sigma_sq) + torch.rand(2, H, T, generator=g))
    got = bin_mass(mu, sigma_sq, D).double().numpy()
    assert got.shape == (2, D)
    want = np.zeros((2, D))
    edges = np.linspace(0, 1, D + 1)
    for b in range(2):
        for h in range(H):
            for t in range(T):
                m, sd = float(mu[b, h, t]), math.sqrt(float(sigma_sq[b, h, t]))
                for j in range(D):
                    x = np.linspace(edges[j], edges[j + 1], 2001)
                    pdf = np.exp(-0.5 * ((x - m) / sd) ** 2) / (sd * math.sqrt(2 * math.pi))
                    want[b, j] += np.trapezoid(pdf, x)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------ bounded state
def state_signature(state: MemoryState):
    return state.nbytes(), [(k, tuple(v.shape), v.dtype) for m in state.layers for k, v in vars(m).items()]


def test_state_size_same_after_10_and_10000_updates():
    cfg = tiny_ltm(sticky=True, num_basis=8, num_samples=8, num_bins=8, span_capacity=16)
    d = Driver(cfg, L=4, e=2)
    g = torch.Generator().manual_seed(0)
    signatures = {}
    for u in range(1, 10001):
        d.step(bin_mass_=torch.rand(1, 8, generator=g))
        if u in (10, 10000):
            state = MemoryState((d.mem,), torch.tensor([d.written]), d.updates)
            signatures[u] = state_signature(state)
            assert torch.isfinite(d.mem.coefficients).all()
            check_span_invariants(d.mem.spans[0], d.mem.span_tokens[0])
    assert signatures[10] == signatures[10000]


@pytest.mark.parametrize("variant", ["ltm", "sticky", "stm"])
def test_model_state_size_does_not_grow_with_the_stream(variant):
    model = make_model(variant)
    x = random_tokens(8 * 210, seed=1)
    with torch.no_grad():
        _, s10 = model(x[:, :80])
        _, s210 = model(x[:, 80:], s10)
    assert s210.num_updates >= 200 if variant != "stm" else True
    assert state_signature(s10) == state_signature(s210)


def test_push_spans_with_identity_warp():
    """Linear knots s_k = (k + ½)/M placed at τ s_k: push_spans is the map t = τ s."""
    spans = torch.tensor([[[0.0, 0.1], [0.1, 0.5], [0.5, 1.0]]], dtype=torch.float64)
    out = push_spans(spans, slot_midpoints(64).float()[None], 0.5)
    assert torch.allclose(out, 0.5 * spans, atol=1e-15)


@settings(max_examples=40, deadline=None)
@given(N=st.sampled_from([8, 16, 32, 64]), M=st.integers(4, 96), L=st.integers(1, 24), tau=st.floats(0.1, 0.9),
       ridge=st.sampled_from([0.01, 0.1, 0.5, 1.0]), edge=st.booleans(), seed=st.integers(0, 1000))
def test_the_cached_linear_contraction_is_reconstruct_then_refit(N, M, L, tau, ridge, edge, seed):
    """A·B + C·X (memory.linear_contraction) equals sampling the old signal at the linear positions
    and refitting it with the new vectors, to float tolerance."""
    from infformer import GaussianBasis, fit_coefficients
    from infformer.core.memory import linear_contraction, linear_sample_positions, slot_midpoints
    from infformer.core.regression import reconstruct
    basis = GaussianBasis.paper_layout(N, (0.05, 0.1))
    g = torch.Generator().manual_seed(seed)
    B, X = torch.randn(2, N, 5, generator=g), torch.randn(2, L, 5, generator=g)
    s = linear_sample_positions(2, M)
    positions = torch.cat([tau * slot_midpoints(M), slot_midpoints(L, tau, 1.0)])
    expected = fit_coefficients(torch.cat([reconstruct(B.double(), basis, s), X.double()], 1), positions, basis, ridge,
                                edge)
    A, C = linear_contraction(basis, M, L, tau, ridge, edge, "cpu", torch.float32)
    got = A @ B + C @ X
    scale = expected.abs().max().item() + 1.0
    assert (got.double() - expected).abs().max().item() <= 1e-4 * scale


@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_state_without_provenance_gives_the_same_model(variant):
    """Training and scoring skip the span bookkeeping (initial_state(provenance=False)); the logits,
    the coefficients and every sticky draw stay exactly those of a state that carries the spans."""
    model = make_model(variant)
    x = random_tokens(8 * 40, batch=2, seed=4)
    with torch.no_grad():
        with_logits, with_spans = model(x, model.initial_state(2))
        bare_logits, bare = model(x, model.initial_state(2, provenance=False))
    assert with_spans.provenance and not bare.provenance
    assert bare.num_updates == with_spans.num_updates >= 30
    assert torch.equal(bare_logits, with_logits)
    for a, b in zip(bare.layers, with_spans.layers, strict=False):
        assert torch.equal(a.coefficients, b.coefficients) and torch.equal(a.bin_mass, b.bin_mass)
        assert a.spans.shape[1] == 0 and a.span_tokens.shape[1] == 0
        assert (b.span_tokens >= 0).any()
