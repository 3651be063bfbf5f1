"""fit_coefficients: the ridge minimiser, checked against the normal equations in float64."""
import math

import numpy as np
import pytest
import torch
from helpers import examples
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer import GaussianBasis, fit_coefficients, reconstruct
from infformer.core.regression import edge_padding_positions, solve_matrix


def design_matrix(positions, basis) -> np.ndarray:
    """F [N, L] with F[j, i] = ψ_j(t_i), computed independently in float64 numpy."""
    t = np.asarray(positions, dtype=np.float64)
    c = basis.centers.double().numpy()[:, None]
    w = basis.widths.double().numpy()[:, None]
    return np.exp(-0.5 * ((t[None] - c) / w) ** 2) / (w * math.sqrt(2 * math.pi))


def midpoints(L):
    return (np.arange(L) + 0.5) / L


def normal_equation_residual(B, X, F, ridge, F_all=None):
    """Normwise backward error of B for (F_all F_allᵀ + λI) B = F X: ‖A B − F X‖ / (‖A‖₂‖B‖ + ‖F X‖).

    A solve that is exact up to rounding in precision ε gives a small multiple of ε, however badly
    conditioned A is (narrow, dense Gaussians make it very badly conditioned).
    """
    F_all = F if F_all is None else F_all
    N = F.shape[0]
    A = F_all @ F_all.T + ridge * np.eye(N)
    rhs = F @ X
    return np.linalg.norm(A @ B - rhs) / (np.linalg.norm(A, 2) * np.linalg.norm(B) + np.linalg.norm(rhs))


layouts = st.sampled_from([("paper", 16, (0.005, 0.01)), ("paper", 64, (0.005, 0.01)), ("paper", 32, (0.01, 0.05)),
                           ("scaled", 32, (1.0, 2.0)), ("paper", 256, (0.005, 0.01))])


def make_basis(layout):
    kind, n, w = layout
    return GaussianBasis.paper_layout(n, w) if kind == "paper" else GaussianBasis.scaled_layout(n, w)


@settings(max_examples=examples(25))
@given(layout=layouts, L=st.integers(4, 300), e=st.integers(1, 5), ridge=st.sampled_from([0.5, 1.0, 1e-2]),
       seed=st.integers(0, 2 ** 16))
def test_fit_satisfies_normal_equations_float32(layout, L, e, ridge, seed):
    basis = make_basis(layout)
    rng = np.random.default_rng(seed)
    t = np.sort(rng.uniform(0, 1, L)) if seed % 2 else midpoints(L)
    X = rng.standard_normal((L, e))
    B = fit_coefficients(torch.tensor(X, dtype=torch.float32), torch.tensor(t, dtype=torch.float32), basis, ridge)
    assert B.shape == (basis.num_basis, e) and B.dtype == torch.float32
    # (F Fᵀ + λI) B = F X to float32 tolerance (backward error a few ε32)
    F = design_matrix(torch.tensor(t, dtype=torch.float32).double().numpy(), basis)
    assert normal_equation_residual(B.double().numpy(), X, F, ridge) < 2e-6


@pytest.mark.parametrize("n,widths,L,ridge", [(16, (0.005, 0.01), 40, 0.5), (64, (0.005, 0.01), 128, 0.5),
                                              (256, (0.005, 0.01), 384, 0.5)])
def test_fit_float64_inputs_get_float64_accuracy(n, widths, L, ridge):
    """With float64 values and positions the minimiser should be exact to float64 tolerance
    (backward error a few ε64; a solve matrix rounded to float32 gives ~1e-8)."""
    basis = GaussianBasis.paper_layout(n, widths)
    rng = np.random.default_rng(0)
    t = midpoints(L)
    X = rng.standard_normal((L, 3))
    B = fit_coefficients(torch.tensor(X), torch.tensor(t), basis, ridge)
    assert B.dtype == torch.float64
    F = design_matrix(t, basis)
    assert normal_equation_residual(B.numpy(), X, F, ridge) < 1e-12


def test_fit_batched_leading_dims():
    basis = GaussianBasis.paper_layout(16, (0.05, 0.1))
    t = torch.tensor(midpoints(20), dtype=torch.float32)
    X = torch.randn(2, 3, 20, 4)
    B = fit_coefficients(X, t, basis, 0.5)
    assert B.shape == (2, 3, 16, 4)
    assert torch.allclose(B[1, 2], fit_coefficients(X[1, 2], t, basis, 0.5), atol=1e-6)


def test_fit_rejects_mismatched_lengths():
    basis = GaussianBasis.paper_layout(16, (0.05, 0.1))
    with pytest.raises(ValueError):
        fit_coefficients(torch.randn(10, 2), torch.rand(11), basis, 0.5)


@settings(max_examples=examples(15))
@given(seed=st.integers(0, 2 ** 16), n=st.sampled_from([8, 16, 24]), e=st.integers(1, 4))
def test_fit_reproduces_signals_in_the_basis_span(seed, n, e):
    """X = Fᵀ B_true (a signal the basis can represent): a light ridge gives back X, on the points
    and on a dense grid (the coefficients are identifiable with many more points than functions)."""
    basis = GaussianBasis.paper_layout(n, (0.05, 0.1))
    rng = np.random.default_rng(seed)
    B_true = rng.standard_normal((n, e)) * 0.1
    L = 200
    t = midpoints(L)
    X = design_matrix(t, basis).T @ B_true
    B = fit_coefficients(torch.tensor(X, dtype=torch.float32), torch.tensor(t, dtype=torch.float32), basis, 1e-6)
    fitted = reconstruct(B, basis, torch.tensor(t, dtype=torch.float32)).double().numpy()
    scale = np.abs(X).max()
    assert np.abs(fitted - X).max() < 2e-3 * scale
    grid = np.linspace(0, 1, 1001)
    on_grid = reconstruct(B, basis, torch.tensor(grid, dtype=torch.float32)).double().numpy()
    assert np.abs(on_grid - design_matrix(grid, basis).T @ B_true).max() < 5e-3 * scale


def test_fit_with_edge_padding_satisfies_padded_normal_equations():
    basis = GaussianBasis.paper_layout(32, (0.01, 0.05))
    L = 64
    t = midpoints(L)
    X = np.random.default_rng(1).standard_normal((L, 3))
    B = fit_coefficients(torch.tensor(X, dtype=torch.float32), torch.tensor(t, dtype=torch.float32), basis, 0.5,
                         edge_padding=True).double().numpy()
    pad = edge_padding_positions(L).numpy()
    assert ((pad < 0) | (pad > 1)).all()
    assert (pad < 0).sum() == (pad > 0).sum() >= 1
    F = design_matrix(t, basis)
    F_all = np.concatenate([F, design_matrix(pad, basis)], 1)
    # zero targets at the padding points: (F_all F_allᵀ + λI) B = F X
    assert normal_equation_residual(B, X, F, 0.5, F_all) < 2e-6
    # and it is a different problem than the unpadded one
    B_plain = fit_coefficients(torch.tensor(X, dtype=torch.float32), torch.tensor(t, dtype=torch.float32), basis, 0.5)
    assert not np.allclose(B, B_plain.double().numpy(), atol=1e-4)


def test_fit_is_the_minimiser():
    """Perturbing the solution never lowers ‖Fᵀ B − X‖² + λ‖B‖²."""
    basis = GaussianBasis.paper_layout(16, (0.005, 0.01))
    L, ridge = 48, 0.5
    t = midpoints(L)
    rng = np.random.default_rng(2)
    X = rng.standard_normal((L, 2))
    B = fit_coefficients(torch.tensor(X), torch.tensor(t), basis, ridge).double().numpy()
    F = design_matrix(t, basis)

    def objective(b):
        return np.sum((F.T @ b - X) ** 2) + ridge * np.sum(b ** 2)

    base = objective(B)
    for _ in range(20):
        d = rng.standard_normal(B.shape) * 1e-3
        assert objective(B + d) >= base * (1 - 1e-9)


def test_solve_matrix_is_cached_per_inputs():
    basis = GaussianBasis.paper_layout(16, (0.005, 0.01))
    t = torch.tensor(midpoints(24), dtype=torch.float32)
    g1 = solve_matrix(t, basis, 0.5)
    g2 = solve_matrix(t.clone(), GaussianBasis.paper_layout(16, (0.005, 0.01)), 0.5)
    assert g1 is g2
    assert g1.shape == (16, 24)
    assert solve_matrix(t, basis, 1.0) is not g1
    assert solve_matrix(t, basis, 0.5, edge_padding=True) is not g1
    assert solve_matrix(t + 1e-3, basis, 0.5) is not g1
