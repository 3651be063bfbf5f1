"""The precision lab's computation (no model needed): fit a 1-D signal with the Gaussian basis,
measure the error against L/N, and run a chunk through repeated contractions (linear or sticky).
Its figures are `infformer.viz.lab`."""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch

from ..core.basis import GaussianBasis, make_basis
from ..core.memory import (
    bin_mass,
    bin_probabilities,
    linear_sample_positions,
    push_spans,
    sampling_generator,
    slot_midpoints,
    sticky_sample_positions,
    token_slots,
)
from ..core.regression import fit_coefficients, reconstruct

SIGNALS = ("smooth", "detailed", "steps", "random walk")


def synthetic_signal(kind: str, length: int, seed: int = 0) -> np.ndarray:
    """A signal of `length` points sampled at token midpoints u = (i + ½)/length of one fixed
    underlying function, so different lengths sample the same curve."""
    u = (np.arange(length) + 0.5) / length
    rng = np.random.default_rng(seed)
    if kind == "smooth":
        f = [(a, k, p) for a, k, p in zip(rng.uniform(0.5, 1.0, 3), (1, 2, 3), rng.uniform(0, 2 * np.pi, 3), strict=False)]
    elif kind == "detailed":
        f = [(a, k, p) for a, k, p in zip(rng.uniform(0.3, 1.0, 6), (1, 3, 7, 15, 31, 60), rng.uniform(0, 2 * np.pi, 6), strict=False)]
    elif kind == "steps":
        edges = np.sort(rng.uniform(0, 1, 11))
        levels = rng.normal(0, 1, 12)
        return levels[np.searchsorted(edges, u)]
    elif kind == "random walk":
        fine = np.cumsum(rng.normal(0, 1, 4096)) / 8
        return np.interp(u, (np.arange(4096) + 0.5) / 4096, fine - fine.mean())
    else:
        raise ValueError(f"unknown signal {kind!r}; choose one of {', '.join(SIGNALS)}")
    return sum(a * np.sin(2 * np.pi * k * u + p) for a, k, p in f)


def resample(values, length: int) -> np.ndarray:
    """A signal (e.g. one feature of real memory vectors) stretched or squeezed to `length` points."""
    values = np.asarray(values, dtype=np.float64)
    src = (np.arange(len(values)) + 0.5) / len(values)
    return np.interp((np.arange(length) + 0.5) / length, src, values)


def fit_signal(values, basis: GaussianBasis, ridge: float, grid_size: int = 1000) -> dict:
    """Fit values [L] placed at the token midpoints of [0, 1]: -> positions, fitted values at them,
    grid, curve X̄ on it, relative RMS error."""
    values = np.asarray(values, dtype=np.float64)
    positions = slot_midpoints(len(values))
    B = fit_coefficients(torch.tensor(values)[:, None], positions, basis.to(dtype=torch.float64), ridge)
    grid = np.linspace(0.0, 1.0, grid_size)
    curve = reconstruct(B, basis.to(dtype=torch.float64), torch.tensor(grid))[:, 0].numpy()
    fitted = reconstruct(B, basis.to(dtype=torch.float64), positions)[:, 0].numpy()
    return dict(positions=positions.numpy(), values=values, fitted=fitted, grid=grid, curve=curve,
                error=relative_error(fitted, values))


def relative_error(estimate, target) -> float:
    """RMS error relative to the signal's spread."""
    target = np.asarray(target, dtype=np.float64)
    return float(np.sqrt(np.mean((np.asarray(estimate) - target) ** 2)) / max(target.std(), 1e-12))


def error_vs_ratio(signal: str, num_basis: int, ridge: float, lengths, layouts=("paper", "scaled"), seed: int = 0,
                   values=None) -> pd.DataFrame:
    """Reconstruction error for each length L (and basis layout): one row per (layout, L).
    With `values`, the signal is that array resampled to each L instead of a synthetic one."""
    rows = []
    for layout in layouts:
        basis = make_basis(num_basis, layout)
        for L in lengths:
            x = resample(values, L) if values is not None else synthetic_signal(signal, L, seed)
            rows.append(dict(layout=layout, L=int(L), N=num_basis, ratio=L / num_basis,
                             error=fit_signal(x, basis, ridge, grid_size=2)["error"]))
    return pd.DataFrame(rows)


def contraction_run(first, later, basis: GaussianBasis, ridge: float, tau: float, num_samples: int, steps: int,
                    sticky: bool, focus=(0.4, 0.6), num_bins: int = 128, seed: int = 0) -> list:
    """Write `first` [L] into an empty memory, then contract `steps` times, each time writing the
    next chunk of `later` [≥ steps·L]. With `sticky`, each update samples the old signal from a
    histogram where half the attention falls on the `focus` part of the first chunk (wherever it
    now sits) and half is spread evenly. Returns, per step (0 = right after the first write):
    the first chunk read back at its current token positions, its span [a, b] in the memory, and
    errors over the whole chunk and over the focus part."""
    b64 = basis.to(dtype=torch.float64)
    first = torch.as_tensor(np.asarray(first, dtype=np.float64))
    later = np.asarray(later, dtype=np.float64)
    L = len(first)
    f0, f1 = int(focus[0] * L), max(int(focus[0] * L) + 1, int(focus[1] * L))
    B = fit_coefficients(first[:, None], slot_midpoints(L), b64, ridge)
    edges = token_slots(L)
    spans = torch.stack([edges[:-1], edges[1:]], -1)[None]  # [1, L, 2]
    positions = torch.cat([tau * slot_midpoints(num_samples), slot_midpoints(L, tau, 1.0)])
    out = []
    for k in range(steps + 1):
        if k:
            if sticky:
                centre = spans[0, f0:f1].mean()
                width = (spans[0, f1 - 1, 1] - spans[0, f0, 0]).clamp_min(1.0 / num_bins)
                focused = bin_probabilities(bin_mass(centre.view(1, 1, 1).float(), (width / 2).pow(2).view(1, 1, 1).float(),
                                                     num_bins))
                probs = 0.5 * focused + 0.5 / num_bins
                s = sticky_sample_positions(probs, num_samples, sampling_generator(seed, k)).double()
            else:
                s = linear_sample_positions(1, num_samples).double()
            old = reconstruct(B, b64, s[0])
            new = torch.as_tensor(later[(k - 1) * L:k * L])[:, None]
            B = fit_coefficients(torch.cat([old, new]), positions, b64, ridge)
            spans = push_spans(spans, s, tau)
        mid = spans[0].mean(-1)
        read = reconstruct(B, b64, mid)[:, 0].numpy()
        out.append(dict(step=k, read=read, region=(float(spans[0, 0, 0]), float(spans[0, -1, 1])),
                        error=relative_error(read, first.numpy()),
                        focus_error=relative_error(read[f0:f1], first.numpy()[f0:f1]) if f1 - f0 > 1 else float("nan")))
    return out
