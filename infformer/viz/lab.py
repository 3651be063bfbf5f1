"""The precision lab (no model needed): fit a 1-D signal with the Gaussian basis, measure the
error against L/N, and apply many contractions in a row to watch early content blur, with
linear or sticky sampling. The computations call the core's own functions (basis, ridge fit,
sampling, span pushing), so the lab shows exactly what the model's memory does.

Shape letters: L points, N basis functions, M samples, G grid points, S contraction steps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import torch
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from ..core.basis import GaussianBasis
from ..core.memory import (bin_mass, bin_probabilities, linear_sample_positions, push_spans, sampling_generator,
                      slot_midpoints, sticky_sample_positions, token_slots)
from ..core.regression import fit_coefficients, reconstruct
from .common import T_AXIS, add_note, head_color, log_ticks, style
from .sticky import LINEAR_COLOR, STICKY_COLOR

SIGNALS = ("smooth", "detailed", "steps", "random walk")


def make_basis(num_basis: int, layout: str = "paper", widths=(0.005, 0.01)) -> GaussianBasis:
    """The paper's fixed widths, or widths scaled to the centre spacing (see basis.py)."""
    return GaussianBasis.scaled_layout(num_basis) if layout == "scaled" else GaussianBasis.paper_layout(num_basis, widths)


def synthetic_signal(kind: str, length: int, seed: int = 0) -> np.ndarray:
    """A signal of `length` points sampled at token midpoints u = (i + ½)/length of one fixed
    underlying function, so different lengths sample the same curve."""
    u = (np.arange(length) + 0.5) / length
    rng = np.random.default_rng(seed)
    if kind == "smooth":
        f = [(a, k, p) for a, k, p in zip(rng.uniform(0.5, 1.0, 3), (1, 2, 3), rng.uniform(0, 2 * np.pi, 3))]
    elif kind == "detailed":
        f = [(a, k, p) for a, k, p in zip(rng.uniform(0.3, 1.0, 6), (1, 3, 7, 15, 31, 60), rng.uniform(0, 2 * np.pi, 6))]
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


# ------------------------------------------------------------------------------ figures
def fit_figure(fit: dict, title: str = "The signal and its fit X̄(t) = Bᵀψ(t)") -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=fit["positions"], y=fit["values"], mode="markers", name="signal (L points)",
                             marker=dict(size=4, color="#777"), hovertemplate="t = %{x:.4f}<br>x = %{y:.3f}<extra></extra>"))
    fig.add_trace(go.Scatter(x=fit["grid"], y=fit["curve"], mode="lines", name="X̄(t)", line=dict(color=head_color(0), width=2),
                             hovertemplate="t = %{x:.4f}<br>X̄(t) = %{y:.3f}<extra></extra>"))
    fig.update_xaxes(range=[0, 1], title_text=T_AXIS)
    fig.update_yaxes(title_text="x")
    return style(fig, f"{title}: relative error {fit['error']:.3f}", height=340)


def ratio_figure(table: pd.DataFrame, current=None, title: str = "Reconstruction error against L/N") -> go.Figure:
    fig = go.Figure()
    for i, (layout, tab) in enumerate(table.groupby("layout", sort=False)):
        fig.add_trace(go.Scatter(x=tab["ratio"], y=tab["error"], mode="lines+markers", name=f"{layout} widths",
                                 line=dict(color=head_color(i)), customdata=tab["L"],
                                 hovertemplate="L = %{customdata}, L/N = %{x:.3g}<br>error %{y:.3f}<extra></extra>"))
    lo, hi = float(table["ratio"].min()), float(table["ratio"].max())
    if current is not None:
        lo, hi = min(lo, current), max(hi, current)
        top = max(float(table["error"].max()), 1e-3) * 1.1
        fig.add_trace(go.Scatter(x=[current, current], y=[0, top], mode="lines", name="your L/N",
                                 line=dict(dash="dot", color="#444", width=1), hoverinfo="skip"))
    vals, texts = log_ticks(lo, hi)
    fig.update_xaxes(type="log", range=[np.log10(lo) - 0.1, np.log10(hi) + 0.1], tickvals=vals, ticktext=texts,
                     title_text="L / N (points per basis function)")
    fig.update_yaxes(title_text="relative RMS error", rangemode="tozero")
    return style(fig, title, height=340)


def blur_figure(first, runs: dict, show_steps, focus=(0.4, 0.6), title: str = "Early content after k contractions") -> go.Figure:
    """One column per sampling ({"linear": run, "sticky": run}): the first chunk (grey dots) and
    what the memory returns for it after each of `show_steps` contractions (darker: more)."""
    names = list(runs)
    L = len(first)
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, horizontal_spacing=0.04,
                        column_titles=[f"{n} sampling" for n in names])
    x = np.arange(L)
    shades = sample_colorscale("Viridis", [0.85 * (1 - j / max(1, len(show_steps) - 1)) for j in range(len(show_steps))])
    for c, name in enumerate(names, start=1):
        fig.add_trace(go.Scatter(x=x, y=first, mode="markers", marker=dict(size=3, color="#999"), name="the first chunk",
                                 showlegend=c == 1, legendgroup="first"), row=1, col=c)
        for j, k in enumerate(show_steps):
            r = runs[name][k]
            fig.add_trace(go.Scatter(x=x, y=r["read"], mode="lines", line=dict(color=shades[j], width=1.6),
                                     name=f"after {k} contraction{'s' if k != 1 else ''}", legendgroup=f"k{k}",
                                     showlegend=c == 1,
                                     hovertemplate=(f"after {k}: held in t ∈ [{r['region'][0]:.4f}, {r['region'][1]:.4f}]"
                                                    f"<br>point %{{x}}: %{{y:.3f}}<extra>{name}</extra>")), row=1, col=c)
        label = dict(annotation_text="attended", annotation_position="top left") if name == "sticky" else {}
        fig.add_vrect(x0=focus[0] * L, x1=focus[1] * L, fillcolor="#ff7f0e", opacity=0.1, line_width=0, row=1, col=c,
                      **label)
        fig.update_xaxes(title_text="position in the first chunk", row=1, col=c)
    fig.update_yaxes(title_text="x", row=1, col=1)
    style(fig, title, height=420)
    fig.update_layout(legend=dict(orientation="v", x=1.02, xanchor="left", y=1, yanchor="top"), margin=dict(r=190))
    scale = float(np.max(np.abs(first))) or 1.0
    swing = max(float(np.max(np.abs(runs[n][k]["read"]))) for n in names for k in show_steps)
    if swing > 2 * scale:
        add_note(fig, f"the memory's read-back reaches ±{swing:.3g} on a signal within ±{scale:.3g}: once the first chunk is "
                      "squeezed into a stretch narrower than the basis resolves, the ridge fit through the M samples is "
                      "ill-conditioned and overshoots between them (worst with many narrow, scaled widths and a light λ). "
                      "A larger λ, fewer basis functions or a larger τ keeps it bounded.")
    return fig


def blur_error_figure(runs: dict, title: str = "How much of the first chunk survives") -> go.Figure:
    fig = go.Figure()
    for name, run in runs.items():
        color = STICKY_COLOR if name == "sticky" else LINEAR_COLOR
        steps = [r["step"] for r in run]
        fig.add_trace(go.Scatter(x=steps, y=[r["error"] for r in run], mode="lines+markers", name=f"{name}: whole chunk",
                                 line=dict(color=color)))
        fig.add_trace(go.Scatter(x=steps, y=[r["focus_error"] for r in run], mode="lines+markers",
                                 name=f"{name}: attended part", line=dict(color=color, dash="dash")))
    fig.update_xaxes(title_text="contractions", dtick=1)
    fig.update_yaxes(title_text="relative RMS error", rangemode="tozero")
    return style(fig, title, height=340)
