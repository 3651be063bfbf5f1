"""Gaussian radial basis functions ψ_j(t) = N(t; c_j, w_j²) on the memory coordinate t ∈ [0, 1].

Shape letters: N basis functions, T evaluation points, "..." any leading batch shape.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

_LOG_SQRT_2PI = 0.5 * math.log(2 * math.pi)


def gaussian_density(x: Tensor, mean: Tensor, var: Tensor) -> Tensor:
    """N(x; mean, var), broadcasting. Computed in log space so tiny variances stay finite.

    The exponent is clamped just above the log of the dtype's smallest normal number (densities
    below ~3e-38 in float32 become ~3e-38, nothing against the eps of any sum they enter): exp
    of smaller arguments takes a slow path on CPUs, 10-35x per element, and most of a narrow
    basis's Ψ(s) is such far tails."""
    log_density = -0.5 * (x - mean) ** 2 / var - 0.5 * torch.log(var) - _LOG_SQRT_2PI
    return torch.exp(log_density.clamp(min=_log_tiny(log_density.dtype)))


def _log_tiny(dtype: torch.dtype) -> float:
    return math.log(torch.finfo(dtype).tiny) + 1.0   # at log(tiny) itself exp still takes the slow path


@dataclass(frozen=True, eq=False)
class GaussianBasis:
    """N normalised Gaussian densities. `centers` and `widths` are tensors [N] (widths are std devs)."""

    centers: Tensor  # [N]
    widths: Tensor   # [N]

    @classmethod
    def paper_layout(cls, num_basis: int, widths=(0.005, 0.01)) -> GaussianBasis:
        """The paper's layout: num_basis / len(widths) centres linspace(0, 1), each with every width.

        LM and dialogue use widths {0.005, 0.01}; sorting {0.01, 0.05}.
        """
        widths = tuple(float(w) for w in widths)
        if num_basis % len(widths):
            raise ValueError(f"num_basis={num_basis} is not a multiple of the {len(widths)} widths")
        num_centers = num_basis // len(widths)
        if num_centers < 2:
            raise ValueError(f"num_basis={num_basis} gives fewer than 2 centres")
        c = torch.linspace(0.0, 1.0, num_centers, dtype=torch.float64)
        centers = c.repeat_interleave(len(widths))
        w = torch.tensor(widths, dtype=torch.float64).repeat(num_centers)
        return cls(centers.float(), w.float())

    @classmethod
    def scaled_layout(cls, num_basis: int, multipliers=(1.0, 2.0)) -> GaussianBasis:
        """Like the paper's layout, but each width is a multiple of the centre spacing.

        The paper's fixed widths stop resolving finer detail once N grows past ~1/width; scaling
        the widths with the spacing keeps the reconstruction improving as N grows.
        """
        num_centers = num_basis // len(multipliers)
        if num_centers < 2 or num_basis % len(multipliers):
            raise ValueError(f"num_basis={num_basis} does not fit {len(multipliers)} width multipliers")
        spacing = 1.0 / (num_centers - 1)
        return cls.paper_layout(num_basis, tuple(m * spacing for m in multipliers))

    @property
    def num_basis(self) -> int:
        return self.centers.shape[0]

    def key(self) -> tuple:
        """Hashable identity, for caches keyed by the basis."""
        return (tuple(self.centers.tolist()), tuple(self.widths.tolist()))

    def to(self, device=None, dtype=None) -> GaussianBasis:
        return GaussianBasis(self.centers.to(device=device, dtype=dtype), self.widths.to(device=device, dtype=dtype))

    def evaluate(self, t: Tensor) -> Tensor:
        """ψ_j(t) for every point: t [...] -> [..., N]."""
        c, w = self.centers.to(t), self.widths.to(t)
        return gaussian_density(t.unsqueeze(-1), c, w * w)

    def expect(self, mu: Tensor, sigma_sq: Tensor) -> Tensor:
        """r_j = ∫ N(t; μ, σ²) ψ_j(t) dt over ℝ = N(μ; c_j, σ² + w_j²): [...], [...] -> [..., N].

        The product of two Gaussian densities integrates in closed form, so continuous attention
        over the memory needs no quadrature and autograd through it is exact.
        """
        c, w = self.centers.to(mu), self.widths.to(mu)
        return gaussian_density(mu.unsqueeze(-1), c, sigma_sq.unsqueeze(-1) + w * w)


def make_basis(num_basis: int, layout: str = "paper", widths=(0.005, 0.01)) -> GaussianBasis:
    """The paper's fixed widths, or widths scaled to the centre spacing (an LTMConfig's
    `basis_layout`)."""
    return GaussianBasis.scaled_layout(num_basis) if layout == "scaled" else GaussianBasis.paper_layout(num_basis, widths)
