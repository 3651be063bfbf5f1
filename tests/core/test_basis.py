"""GaussianBasis: closed-form expectations against numerical quadrature, densities, layouts."""
import math

import numpy as np
import pytest
import torch
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer import GaussianBasis
from infformer.tracing.record import density_on_grid


def normal_pdf(t, mean, std):
    return np.exp(-0.5 * ((t - mean) / std) ** 2) / (std * math.sqrt(2 * math.pi))


def quad_expect(mu: float, sigma: float, center: float, width: float) -> float:
    """∫ N(t; μ, σ²) N(t; c, w²) dt by the trapezoid rule on a grid that is fine wherever the product matters.

    The product is negligible unless t is within ~12 std of the narrower density's mean; there the
    grid step is 24·std/8000, and a coarse grid covers everything in between.
    """
    pieces = [np.linspace(mu - 12 * sigma, mu + 12 * sigma, 8001),
              np.linspace(center - 12 * width, center + 12 * width, 8001)]
    lo, hi = min(p[0] for p in pieces), max(p[-1] for p in pieces)
    pieces.append(np.linspace(lo, hi, 40001))
    t = np.unique(np.concatenate(pieces))
    f = normal_pdf(t, mu, sigma) * normal_pdf(t, center, width)
    return float(np.trapezoid(f, t))


sigmas = st.one_of(st.floats(1e-3, 1e-2), st.floats(1e-2, 1.0), st.floats(1.0, 10.0),
                   st.sampled_from([1e-3, 10.0]))


@settings(max_examples=examples(30))
@given(mu=st.floats(-0.5, 1.5), sigma=sigmas,
       centers=st.lists(st.floats(-0.2, 1.2), min_size=1, max_size=6),
       widths=st.lists(st.floats(0.002, 0.3), min_size=6, max_size=6))
def test_expect_equals_quadrature(mu, sigma, centers, widths):
    n = len(centers)
    basis = GaussianBasis(torch.tensor(centers, dtype=torch.float64), torch.tensor(widths[:n], dtype=torch.float64))
    got = basis.expect(torch.tensor(mu, dtype=torch.float64), torch.tensor(sigma ** 2, dtype=torch.float64)).numpy()
    assert got.shape == (n,)
    want = np.array([quad_expect(mu, sigma, c, w) for c, w in zip(centers, widths[:n], strict=False)])
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-9 * max(1.0, want.max()))


@settings(max_examples=examples(15))
@given(mu=st.floats(0.0, 1.0), sigma=sigmas)
def test_expect_float32_paper_basis_matches_quadrature(mu, sigma):
    """The model's case: float32, the paper layout (widths 0.005 / 0.01, peaks ≈ 80)."""
    basis = GaussianBasis.paper_layout(16, (0.005, 0.01))
    got = basis.expect(torch.tensor([mu]), torch.tensor([sigma ** 2])).numpy()[0]
    c, w = basis.centers.double().numpy(), basis.widths.double().numpy()
    want = np.array([quad_expect(mu, sigma, cj, wj) for cj, wj in zip(c, w, strict=False)])
    np.testing.assert_allclose(got, want, rtol=2e-4, atol=1e-5 * max(1.0, want.max()))


def test_expect_broadcasts_leading_shape():
    basis = GaussianBasis.paper_layout(8, (0.05, 0.1))
    mu = torch.rand(2, 3, 4)
    sigma_sq = torch.rand(2, 3, 4) * 0.1 + 1e-4
    r = basis.expect(mu, sigma_sq)
    assert r.shape == (2, 3, 4, 8)
    # elementwise equal to the scalar call
    assert torch.allclose(r[1, 2, 3], basis.expect(mu[1, 2, 3], sigma_sq[1, 2, 3]))


def test_expect_is_differentiable_and_finite_for_tiny_variance():
    basis = GaussianBasis.paper_layout(16, (0.005, 0.01))
    mu = torch.tensor([0.3, 0.999], requires_grad=True)
    sigma_sq = torch.tensor([1e-6, 1e-6], requires_grad=True)
    r = basis.expect(mu, sigma_sq)
    assert torch.isfinite(r).all()
    r.sum().backward()
    assert torch.isfinite(mu.grad).all() and torch.isfinite(sigma_sq.grad).all()


@pytest.mark.parametrize("widths", [(0.005, 0.01), (0.01, 0.05), (0.2,)])
def test_basis_densities_integrate_to_one(widths):
    basis = GaussianBasis.paper_layout(4 * len(widths), widths)
    t = torch.linspace(-2.0, 3.0, 400001, dtype=torch.float64)
    psi = basis.to(dtype=torch.float64).evaluate(t)  # [T, N]
    assert psi.shape == (len(t), basis.num_basis)
    assert (psi >= 0).all()
    integral = torch.trapezoid(psi, t, dim=0)
    assert torch.allclose(integral, torch.ones_like(integral), atol=1e-6)


def test_evaluate_matches_normal_pdf():
    basis = GaussianBasis.paper_layout(10, (0.005, 0.01))
    t = torch.rand(50, dtype=torch.float64)
    got = basis.to(dtype=torch.float64).evaluate(t).numpy()
    c, w = basis.centers.double().numpy(), basis.widths.double().numpy()
    want = normal_pdf(t.numpy()[:, None], c[None], w[None])
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12)
    assert basis.evaluate(torch.rand(3, 7)).shape == (3, 7, 10)


@settings(max_examples=examples(20))
@given(mu=st.floats(-0.5, 1.5), sigma=st.floats(1e-3, 10.0))
def test_attention_density_integrates_to_one(mu, sigma):
    t = np.unique(np.concatenate([np.linspace(mu - 12 * sigma, mu + 12 * sigma, 20001)]))
    p = density_on_grid(np.array([mu]), np.array([sigma ** 2]), t)[0]
    assert p.min() >= 0
    assert abs(np.trapezoid(p, t) - 1.0) < 1e-6


# ----------------------------------------------------------------------------------- layouts
@pytest.mark.parametrize("num_basis,widths", [(16, (0.005, 0.01)), (512, (0.005, 0.01)), (12, (0.01, 0.05, 0.1)),
                                              (6, (0.2,))])
def test_paper_layout(num_basis, widths):
    b = GaussianBasis.paper_layout(num_basis, widths)
    k = len(widths)
    assert b.centers.shape == (num_basis,) and b.widths.shape == (num_basis,)
    assert b.num_basis == num_basis
    centers = torch.linspace(0, 1, num_basis // k)
    # each centre of linspace(0, 1, N/k) paired with every width
    assert torch.allclose(b.centers.view(-1, k), centers[:, None].expand(-1, k))
    assert torch.allclose(b.widths.view(-1, k), torch.tensor(widths, dtype=torch.float32).expand(num_basis // k, -1))
    pairs = {(round(float(c), 6), round(float(w), 6)) for c, w in zip(b.centers, b.widths, strict=False)}
    assert len(pairs) == num_basis


@pytest.mark.parametrize("num_basis,widths", [(15, (0.005, 0.01)), (2, (0.005, 0.01)), (7, (0.1, 0.2, 0.3)), (1, (0.1,))])
def test_paper_layout_rejects_bad_sizes(num_basis, widths):
    with pytest.raises(ValueError):
        GaussianBasis.paper_layout(num_basis, widths)


@pytest.mark.parametrize("num_basis", [8, 64, 256])
def test_scaled_layout_widths_follow_spacing(num_basis):
    b = GaussianBasis.scaled_layout(num_basis, multipliers=(1.0, 2.0))
    spacing = 1.0 / (num_basis // 2 - 1)
    assert b.centers.shape == b.widths.shape == (num_basis,)
    assert torch.allclose(b.widths.view(-1, 2), torch.tensor([spacing, 2 * spacing]).expand(num_basis // 2, -1))
    assert torch.allclose(b.centers.view(-1, 2)[:, 0], torch.linspace(0, 1, num_basis // 2))


@pytest.mark.parametrize("num_basis", [3, 2, 9])
def test_scaled_layout_rejects_bad_sizes(num_basis):
    with pytest.raises(ValueError):
        GaussianBasis.scaled_layout(num_basis, multipliers=(1.0, 2.0))


def test_basis_key_is_hashable_and_identifies_the_basis():
    a = GaussianBasis.paper_layout(16, (0.005, 0.01))
    b = GaussianBasis.paper_layout(16, (0.005, 0.01))
    c = GaussianBasis.paper_layout(16, (0.01, 0.05))
    assert hash(a.key()) == hash(b.key()) and a.key() == b.key()
    assert a.key() != c.key()


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_density_tails_are_floored_just_above_the_smallest_normal_number(dtype):
    """Far tails (exp of arguments below log(tiny) takes a slow CPU path) come out as one tiny normal
    number instead of a subnormal or zero; everywhere the density is representable it is the formula's."""
    from infformer.core.basis import gaussian_density
    x = torch.linspace(-1.0, 2.0, 3001, dtype=dtype)
    mean, var = torch.tensor(0.5, dtype=dtype), torch.tensor(1e-4, dtype=dtype)
    got = gaussian_density(x, mean, var)
    exact = torch.exp(-0.5 * (x - mean) ** 2 / var) / torch.sqrt(2 * math.pi * var)
    tiny = torch.finfo(dtype).tiny
    floor = got.min().item()
    assert tiny < floor < 3 * tiny                      # no subnormals, no zeros: the floor
    assert (exact < tiny).sum() > 2000                   # most of this grid is far tail
    shown = exact > 3 * tiny
    torch.testing.assert_close(got[shown], exact[shown], rtol=1e-5 if dtype == torch.float32 else 1e-12, atol=0)
    assert (got[~shown] <= 3 * tiny).all()            # what the float cannot show stays below it
