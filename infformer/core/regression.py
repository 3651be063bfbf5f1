"""Ridge regression of memory vectors onto the basis: B = (F Fᵀ + λI)⁻¹ F X.

Shape letters: L points, N basis functions, e feature width, P edge-padding points.
The solve matrix G = (F Fᵀ + λI)⁻¹ F depends only on the positions, so it is cached.
"""
from __future__ import annotations

from collections import OrderedDict

import torch
from torch import Tensor

from .basis import GaussianBasis

_CACHE: OrderedDict[tuple, Tensor] = OrderedDict()
_CACHE_SIZE = 32


def edge_padding_positions(num_points: int, fraction: float = 0.1) -> Tensor:
    """Zero-target points just outside [0, 1] (the reference code's damping of edge effects).

    `fraction` of the spacing-equivalent count on each side, at the same spacing as the data.
    """
    count = max(1, int(round(num_points * fraction)))
    step = 1.0 / num_points
    left = -step * (torch.arange(count, dtype=torch.float64) + 0.5)
    right = 1.0 + step * (torch.arange(count, dtype=torch.float64) + 0.5)
    return torch.cat([left.flip(0), right])


def solve_matrix(positions: Tensor, basis: GaussianBasis, ridge: float, edge_padding: bool = False) -> Tensor:
    """G [N, L] with B = G X the ridge minimiser for points at `positions` [L]. Cached per inputs.

    Solved in float64 (F Fᵀ is badly conditioned for narrow, dense bases; λ keeps it invertible).
    """
    pos64 = positions.detach().to("cpu", torch.float64)
    key = (pos64.numpy().tobytes(), basis.key(), float(ridge), bool(edge_padding),
           str(positions.device), positions.dtype)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    b64 = basis.to(dtype=torch.float64)
    F = b64.evaluate(pos64).T  # [N, L]
    F_all = F
    if edge_padding:
        F_all = torch.cat([F, b64.evaluate(edge_padding_positions(len(pos64))).T], dim=1)  # [N, L+P]
    gram = F_all @ F_all.T + ridge * torch.eye(basis.num_basis, dtype=torch.float64)
    # Padding points carry zero targets, so only the real points' columns of F reach B.
    G = torch.linalg.solve(gram, F).to(device=positions.device, dtype=positions.dtype if positions.is_floating_point() else torch.float32)
    _CACHE[key] = G
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return G


def fit_coefficients(values: Tensor, positions: Tensor, basis: GaussianBasis, ridge: float,
                     edge_padding: bool = False) -> Tensor:
    """The exact minimiser of ‖Fᵀ B − X‖² + ridge·‖B‖²: values [..., L, e], positions [L] -> [..., N, e]."""
    if values.shape[-2] != positions.shape[-1]:
        raise ValueError(f"{values.shape[-2]} values but {positions.shape[-1]} positions")
    dtype = torch.float64 if values.dtype == torch.float64 else torch.float32  # float64 in, float64 accuracy out
    G = solve_matrix(positions.to(dtype), basis, ridge, edge_padding).to(values)
    return G @ values


def reconstruct(coefficients: Tensor, basis: GaussianBasis, t: Tensor) -> Tensor:
    """The signal X̄(t) = Bᵀ ψ(t): coefficients [..., N, e], t [T] or [..., T] -> [..., T, e]."""
    return basis.evaluate(t.to(coefficients)) @ coefficients
