"""Continuous long-term attention: μ ∈ (0, 1), σ² above its floor, the KL regulariser, and the
closed-form context against quadrature of the value signal."""
import math

import numpy as np
import pytest
import torch
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer import GaussianBasis
from infformer.core.attention import LongTermAttention, variance_kl
from infformer.core.hooks import hook_points


def make_ltm(d_model=16, heads=2, n=16, floor=1e-4, gate=False, seed=0, widths=(0.005, 0.01)):
    torch.manual_seed(seed)
    return LongTermAttention(d_model, heads, GaussianBasis.paper_layout(n, widths), floor, gate)


@settings(max_examples=examples(30))
@given(seed=st.integers(0, 2 ** 16), scale=st.floats(0.01, 3.0), floor=st.sampled_from([1e-4, 1e-6, 1e-2]),
       weight_scale=st.floats(0.0, 5.0))
def test_mu_in_open_unit_interval_and_sigma_sq_above_floor(seed, scale, floor, weight_scale):
    ltm = make_ltm(floor=floor, seed=seed % 97)
    with torch.no_grad():
        ltm.sigma.weight.mul_(weight_scale)
        ltm.sigma.bias.fill_(-20.0 if seed % 2 else 0.0)  # drive softplus under the floor half the time
    g = torch.Generator().manual_seed(seed)
    q = torch.randn(3, 2, 5, 8, generator=g) * scale
    coefficients = torch.randn(3, 16, 16, generator=g) * scale
    out, mu, sigma_sq = ltm(q, coefficients, torch.ones(3, dtype=torch.bool))
    assert out.shape == (3, 5, 16) and mu.shape == sigma_sq.shape == (3, 2, 5)
    assert ((mu > 0) & (mu < 1)).all()
    assert (sigma_sq >= floor).all()
    assert torch.isfinite(out).all()


def test_mu_and_sigma_sq_finite_for_extreme_scores():
    ltm = make_ltm()
    q = torch.randn(1, 2, 4, 8) * 1e3
    coefficients = torch.randn(1, 16, 16) * 1e3
    out, mu, sigma_sq = ltm(q, coefficients, torch.ones(1, dtype=torch.bool))
    assert ((mu >= 0) & (mu <= 1)).all()
    assert (sigma_sq >= 1e-4).all() and torch.isfinite(sigma_sq).all()
    assert torch.isfinite(out).all()


def test_output_is_zero_for_rows_with_an_empty_memory():
    ltm = make_ltm()
    q = torch.randn(2, 2, 3, 8)
    out, _, _ = ltm(q, torch.randn(2, 16, 16), torch.tensor([False, True]))
    assert (out[0] == 0).all()
    assert (out[1] != 0).any()


@settings(max_examples=examples(50))
@given(sigma_sq=st.floats(1e-8, 1e4), sigma0=st.floats(1e-3, 1.0))
def test_variance_kl_nonnegative(sigma_sq, sigma0):
    kl = variance_kl(torch.tensor(sigma_sq, dtype=torch.float64), sigma0)
    assert kl >= 0
    # the closed form of KL(N(μ, σ²) ‖ N(μ, σ0²))
    r = sigma_sq / sigma0 ** 2
    assert math.isclose(float(kl), 0.5 * (r - math.log(r) - 1), rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=examples(30))
@given(sigma0=st.floats(1e-3, 1.0), rel=st.floats(0.5, 2.0))
def test_variance_kl_zero_at_sigma0_and_grows_away(sigma0, rel):
    assert float(variance_kl(torch.tensor(sigma0 ** 2, dtype=torch.float64), sigma0)) == pytest.approx(0.0, abs=1e-12)
    assert float(variance_kl(torch.tensor(sigma0 ** 2, dtype=torch.float32), sigma0)) == pytest.approx(0.0, abs=1e-6)
    if abs(rel - 1) > 1e-3:
        assert float(variance_kl(torch.tensor((rel * sigma0) ** 2, dtype=torch.float64), sigma0)) > 0


def test_variance_kl_float32_nonnegative_near_sigma0():
    s = torch.linspace(0.9, 1.1, 10001) * 0.05 ** 2
    assert (variance_kl(s, 0.05) >= -1e-7).all()


def test_variance_kl_matches_numerical_kl():
    """KL between two zero-mean normals by quadrature (float64)."""
    sigma, sigma0 = 0.2, 0.05
    t = np.linspace(-3, 3, 600001)
    p = np.exp(-0.5 * (t / sigma) ** 2) / (sigma * math.sqrt(2 * math.pi))
    log_p = -0.5 * (t / sigma) ** 2 - math.log(sigma * math.sqrt(2 * math.pi))
    log_q = -0.5 * (t / sigma0) ** 2 - math.log(sigma0 * math.sqrt(2 * math.pi))
    numeric = np.trapezoid(p * (log_p - log_q), t)
    assert float(variance_kl(torch.tensor(sigma ** 2, dtype=torch.float64), sigma0)) == pytest.approx(numeric, rel=1e-6)


def test_context_equals_quadrature_of_the_value_signal():
    """head output = ∫ N(t; μ, σ²) V̄_h(t) dt with V̄(t) = (Bᵀψ(t)) W_V: the closed form against a dense grid."""
    ltm = make_ltm(d_model=8, heads=2, n=16, widths=(0.01, 0.05))
    recorded = {}
    hp = hook_points(ltm)
    handle = hp["hook_context"].register_forward_hook(lambda m, i, o: recorded.setdefault("context", o.detach()))
    try:
        q = torch.randn(1, 2, 3, 4)
        coefficients = torch.randn(1, 16, 8)
        with torch.no_grad():
            _, mu, sigma_sq = ltm(q, coefficients, torch.ones(1, dtype=torch.bool))
    finally:
        handle.remove()
    context = recorded["context"][0].double()  # [T, H*d]
    basis = ltm.basis.to(dtype=torch.float64)
    W_V = ltm.value.weight.detach().double()  # [e, e]
    for h in range(2):
        for i in range(3):
            m, s2 = float(mu[0, h, i]), float(sigma_sq[0, h, i])
            s = math.sqrt(s2)
            t = torch.linspace(m - 12 * s, m + 12 * s, 40001, dtype=torch.float64)
            values = basis.evaluate(t) @ coefficients[0].double() @ W_V.T  # [G, e]
            density = torch.exp(-0.5 * ((t - m) / s) ** 2) / (s * math.sqrt(2 * math.pi))
            want = torch.trapezoid(density[:, None] * values, t, dim=0)[h * 4:(h + 1) * 4]
            got = context[i, h * 4:(h + 1) * 4]
            assert torch.allclose(got, want, rtol=1e-4, atol=1e-5), (h, i, got, want)


def test_gate_shapes_and_effect():
    ltm = make_ltm(gate=True)
    x = torch.randn(2, 8, 16)
    y = ltm.gate_incoming(x)
    assert y.shape == x.shape
    assert not torch.allclose(x, y)
    # the gate multiplies by a sigmoid in (0, 1): |y| ≤ |x|
    assert (y.abs() <= x.abs() + 1e-6).all()
    assert make_ltm(gate=False).gate_incoming(x) is x


def test_sigma_init_starts_the_gaussians_at_the_given_width():
    import torch

    from infformer import InfFormer, LTMConfig, ModelConfig
    cfg = ModelConfig.for_variant("ltm", vocab_size=50, d_model=32, n_heads=2, n_layers=2, d_ff=64, segment_len=8,
                                  stm_len=8, ltm=LTMConfig(num_basis=16, num_samples=16, span_capacity=64,
                                                           sigma_init=0.05))
    model = InfFormer(cfg).eval()
    seen = []
    model.blocks[0].ltm.hook_sigma_sq.register_forward_hook(lambda m, i, o: seen.append(o))
    with torch.no_grad():
        model(torch.randint(0, 50, (1, 40)))
    sigma = seen[-1].sqrt()
    assert ((sigma > 0.03) & (sigma < 0.08)).float().mean() > 0.95
    default = InfFormer(ModelConfig.for_variant("ltm", vocab_size=50, d_model=32, n_heads=2, n_layers=2, d_ff=64,
                                                segment_len=8, stm_len=8,
                                                ltm=LTMConfig(num_basis=16, num_samples=16, span_capacity=64)))
    assert abs(default.blocks[0].ltm.sigma.bias.item()) < 1e-6  # unchanged without sigma_init


@settings(max_examples=examples(20), deadline=None)
@given(seed=st.integers(0, 2 ** 16), heads=st.sampled_from([1, 2, 4]))
def test_mu_and_sigma_sq_without_forming_the_keys_equal_the_papers_formula(seed, heads):
    """μ = sigmoid(w_μ·s + b), σ² = softplus(w_σ·s + b) with s = K_h q / √d and K = B W_K, computed
    the paper's way here; the module gets them from (wᵀB) W_K without the N keys. And the scores a
    recorder asks for are those s, while recording changes no output."""
    from infformer.core.hooks import CallHooks
    ltm = make_ltm(heads=heads, seed=seed % 89)
    g = torch.Generator().manual_seed(seed)
    d = 16 // heads
    q, coefficients = torch.randn(2, heads, 5, d, generator=g), torch.randn(2, 16, 16, generator=g)
    filled = torch.ones(2, dtype=torch.bool)
    with torch.no_grad():
        keys = ltm.key(coefficients).view(2, 16, heads, d).transpose(1, 2)
        s = q @ keys.transpose(-1, -2) / math.sqrt(d)                                   # [B, H, T, N]
        mu = torch.sigmoid(ltm.mu(s).squeeze(-1))
        sigma_sq = torch.nn.functional.softplus(ltm.sigma(s).squeeze(-1)).clamp_min(1e-4)
        out, got_mu, got_sigma_sq = ltm(q, coefficients, filled)
        recorded = []
        with CallHooks().add(ltm.hook_scores, lambda p, i, o: recorded.append(o)):
            out2, mu2, _ = ltm(q, coefficients, filled)
    torch.testing.assert_close(got_mu, mu, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(got_sigma_sq, sigma_sq, rtol=1e-5, atol=1e-7)
    torch.testing.assert_close(recorded[0], s)
    assert torch.equal(out, out2) and torch.equal(got_mu, mu2)


@settings(max_examples=examples(20))
@given(seed=st.integers(0, 2 ** 16), shift=st.integers(0, 300), base=st.sampled_from([100.0, 10000.0]))
def test_rotary_rotates_pairs_so_scores_depend_only_on_the_offset(seed, shift, base):
    """Rotary embedding equals rotating each pair (x_2i, x_2i+1) by position·base^(-2i/d),
    keeps norms, and q·k depends on the positions only through their difference (on a transposed
    view, as split_heads hands it over)."""
    from infformer.core.attention import rotary
    g = torch.Generator().manual_seed(seed)
    q, k = (torch.randn(2, 7, 3, 16, generator=g, dtype=torch.float64).float().transpose(1, 2) for _ in range(2))
    pos = torch.arange(7)
    angles = pos.double()[:, None] * base ** (-torch.arange(0, 16, 2).double() / 16)
    x1, x2 = q.double()[..., 0::2], q.double()[..., 1::2]
    by_hand = torch.stack([x1 * angles.cos() - x2 * angles.sin(), x1 * angles.sin() + x2 * angles.cos()], -1).flatten(-2)
    torch.testing.assert_close(rotary(q, pos, base).double(), by_hand, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(rotary(q, pos, base).norm(dim=-1), q.norm(dim=-1), atol=1e-5, rtol=1e-5)
    scores = rotary(q, pos, base) @ rotary(k, pos, base).transpose(-1, -2)
    shifted = rotary(q, pos + shift, base) @ rotary(k, pos + shift, base).transpose(-1, -2)
    torch.testing.assert_close(shifted, scores, atol=2e-3, rtol=1e-3)


def test_grouped_memory_heads_equal_full_heads_with_repeated_projections():
    """With G memory key/value heads, each query head reads its group's keys and values: the same as
    H heads whose W_K, W_V rows repeat each group's (the backbone's grouped-query attention)."""
    torch.manual_seed(0)
    from infformer.core.attention import LongTermAttention
    basis = GaussianBasis.paper_layout(16, (0.05, 0.1))
    e, H, G = 24, 6, 2
    d = e // H
    grouped = LongTermAttention(e, H, basis, 1e-4, False, n_kv_heads=G)
    full = LongTermAttention(e, H, basis, 1e-4, False)
    state = grouped.state_dict()
    for name in ("key.weight", "value.weight"):
        state[name] = state[name].view(G, d, e).repeat_interleave(H // G, dim=0).reshape(e, e)
    full.load_state_dict(state)
    q, coefficients = torch.randn(2, H, 5, d), torch.randn(2, 16, e)
    filled = torch.tensor([True, True])
    for a, b in zip(grouped(q, coefficients, filled), full(q, coefficients, filled)):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
