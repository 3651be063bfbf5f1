"""The memory as a signal: X̄(t) = Bᵀψ(t) over the memory coordinate t, per layer and update.

Shape letters: K frames (coefficient snapshots), G grid points, e width, R rows shown (principal
components or features), P fit points, N basis functions.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..tracing.record import Trace, reconstruct_signal
from .common import SIGNAL_SCALE, T_AXIS, add_note, add_ruler, head_color, ruler_trace, style


def snapshot_frames(trace: Trace, layer: int) -> list:
    """[(update, coefficients [N, e])] of every kept snapshot, then the final memory if it is newer."""
    frames = [(int(u), trace.coefficients[k, layer]) for k, u in enumerate(trace.snapshot_updates)]
    written = np.flatnonzero(trace.update_kind > 0)
    last = int(written[-1]) if len(written) else -1
    if last >= 0 and (not frames or frames[-1][0] != last):
        frames.append((last, trace.final_coefficients[layer]))
    return frames


def signal_stack(trace: Trace, layer: int, grid_size: int = 300) -> tuple[np.ndarray, np.ndarray, list]:
    """X̄(t) of every frame on a grid: -> (grid [G], signals [K, G, e], updates [K])."""
    grid = np.linspace(0.0, 1.0, grid_size)
    frames = snapshot_frames(trace, layer)
    basis = trace.basis
    signals = np.stack([reconstruct_signal(np.array(c), basis, grid) for _, c in frames]) if frames else \
        np.zeros((0, grid_size, trace.final_coefficients.shape[-1]))
    return grid, signals, [u for u, _ in frames]


def project(signals: np.ndarray, mode: str = "pca", k: int = 8, features=None) -> tuple[np.ndarray, list]:
    """Rows to show: top-k principal components of all frames together (shared axes, so frames
    compare), or the chosen features. signals [K, G, e] -> ([K, R, G], row labels)."""
    K, G, e = signals.shape
    if mode == "pca":
        # eigenvectors of the e×e covariance, in torch (it honours the app's thread setting; numpy's
        # BLAS may spin extra threads on a busy machine)
        flat = torch.as_tensor(signals.reshape(-1, e), dtype=torch.float64)
        centred = flat - flat.mean(0)
        variance, vectors = torch.linalg.eigh(centred.T @ centred)
        order = variance.argsort(descending=True)[:min(k, e)]
        share = (variance[order] / variance.clamp_min(0).sum().clamp_min(1e-30)).numpy()
        rows = (centred @ vectors[:, order]).numpy().reshape(K, G, -1).transpose(0, 2, 1)
        return rows, [f"PC{i + 1} ({share[i]:.0%})" for i in range(len(order))]
    features = list(range(min(k, e))) if features is None else [int(f) for f in features]
    return np.transpose(signals[:, :, features], (0, 2, 1)), [f"feature {f}" for f in features]


def top_variance_features(signals: np.ndarray, k: int) -> list:
    """The k features of X̄ that vary most over t and frames (a sensible default to look at)."""
    return np.argsort(-signals.reshape(-1, signals.shape[-1]).var(0))[:k].tolist()


def memory_signal_figure(grid, rows, row_labels, updates, rulers: dict, frame: int | None = None,
                         tokens_written=None, title: str = "X̄(t), the memory as a signal") -> go.Figure:
    """Heatmap of rows [K, R, G] over t with the token ruler under it, at frame `frame`; a play
    button runs through the K frames (memory updates) from there. There is no slider of its own:
    the page's update slider is the one control (two sliders for one thing confused users).
    `rulers` maps update -> Ruler."""
    K = len(updates)
    frame = K - 1 if frame is None else int(frame)
    limit = float(np.nanpercentile(np.abs(rows), 99)) if rows.size else 1.0
    limit = limit or 1.0
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.86, 0.14], vertical_spacing=0.03)

    def heat(k):
        return go.Heatmap(x=grid, y=row_labels, z=rows[k], zmin=-limit, zmax=limit, zmid=0, colorscale=SIGNAL_SCALE,
                          colorbar=dict(title="X̄(t)", len=0.75, y=0.6),
                          hovertemplate="t = %{x:.3f}<br>%{y}<br>X̄(t) = %{z:.3f}<extra></extra>")

    def caption(k):
        u = updates[k]
        seen = f", tokens 0–{tokens_written[k] - 1} written" if tokens_written is not None else ""
        return f"after memory update {u}{seen}"

    fig.add_trace(heat(frame), row=1, col=1)
    add_ruler(fig, rulers[updates[frame]], row=2)
    fig.frames = [go.Frame(name=str(u), data=[heat(k), ruler_trace(rulers[u])], traces=[0, 1],
                           layout=dict(title_text=f"{title}: {caption(k)}")) for k, u in enumerate(updates)]
    fig.update_layout(
        updatemenus=[dict(type="buttons", direction="left", x=0, y=-0.08, xanchor="left", yanchor="top",
                          pad=dict(t=10, r=10), showactive=False, buttons=[
                              dict(label="▶", method="animate",
                                   args=[None, dict(frame=dict(duration=500, redraw=True), fromcurrent=True,
                                                    transition=dict(duration=0))]),
                              dict(label="❚❚", method="animate",
                                   args=[[None], dict(mode="immediate", frame=dict(duration=0, redraw=False))])])])
    fig.update_xaxes(range=[0, 1], row=1, col=1)
    fig.update_xaxes(range=[0, 1], title_text=T_AXIS, row=2, col=1)
    fig.update_layout(margin=dict(b=110))
    style(fig, f"{title}: {caption(frame)}", height=560)
    return fig


def vectors_figure(positions, values, grid, curve, features, num_old: int, tau: float, ruler=None,
                   title: str = "Memory vectors and the fitted curve") -> go.Figure:
    """For chosen features: the discrete points the fit went through (old-signal samples in [0, τ],
    incoming memory vectors in (τ, 1]) against X̄(t). values [P, F], curve [G, F]."""
    F = len(features)
    n_rows = F + (ruler is not None)
    heights = [1.0] * F + ([0.25] if ruler is not None else [])
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, row_heights=heights, vertical_spacing=0.04)
    positions = np.asarray(positions)
    for i, f in enumerate(features):
        show = i == 0
        if num_old:
            fig.add_trace(go.Scatter(x=positions[:num_old], y=values[:num_old, i], mode="markers", name="old signal, sampled and contracted",
                                     marker=dict(size=4, color="#999"), legendgroup="old", showlegend=show,
                                     hovertemplate="t = %{x:.3f}<br>x = %{y:.3f}<extra>old sample</extra>"),
                          row=i + 1, col=1)
        fig.add_trace(go.Scatter(x=positions[num_old:], y=values[num_old:, i], mode="markers", name="incoming memory vectors",
                                 marker=dict(size=5, color=head_color(1)), legendgroup="new", showlegend=show,
                                 hovertemplate="t = %{x:.3f}<br>x = %{y:.3f}<extra>incoming</extra>"),
                      row=i + 1, col=1)
        fig.add_trace(go.Scatter(x=grid, y=curve[:, i], mode="lines", name="X̄(t) = Bᵀψ(t)",
                                 line=dict(color=head_color(0), width=2), legendgroup="fit", showlegend=show,
                                 hovertemplate="t = %{x:.3f}<br>X̄(t) = %{y:.3f}<extra>fit</extra>"),
                      row=i + 1, col=1)
        fig.update_yaxes(title_text=f"feature {f}", row=i + 1, col=1)
        if num_old:
            label = dict(annotation_text="τ", annotation_position="top right") if i == 0 else {}
            fig.add_vline(x=tau, line=dict(dash="dash", color="#444", width=1), row=i + 1, col=1, **label)
    if ruler is not None:
        add_ruler(fig, ruler, row=n_rows)
    fig.update_xaxes(range=[0, 1])
    fig.update_xaxes(title_text=T_AXIS, row=n_rows, col=1)
    return style(fig, title, height=170 * F + 140)


def fit_error_figure(positions, values, fitted, num_old: int, tau: float,
                     title: str = "Reconstruction error along t") -> go.Figure:
    """‖X̄(t_i) − x_i‖ / ‖x_i‖ at every fit point: values, fitted [P, e]."""
    positions = np.asarray(positions)
    err = np.linalg.norm(fitted - values, axis=1) / np.maximum(np.linalg.norm(values, axis=1), 1e-12)
    fig = go.Figure()
    if num_old:
        fig.add_trace(go.Scatter(x=positions[:num_old], y=err[:num_old], mode="lines+markers", name="old samples in [0, τ]",
                                 marker=dict(size=3, color="#999"), line=dict(color="#999", width=1)))
    fig.add_trace(go.Scatter(x=positions[num_old:], y=err[num_old:], mode="lines+markers", name="incoming vectors in (τ, 1]",
                             marker=dict(size=4, color=head_color(1)), line=dict(color=head_color(1), width=1)))
    if num_old:
        fig.add_vline(x=tau, line=dict(dash="dash", color="#444", width=1), annotation_text="τ")
    fig.update_xaxes(range=[0, 1], title_text=T_AXIS)
    fig.update_yaxes(title_text="‖X̄(tᵢ) − xᵢ‖ / ‖xᵢ‖", rangemode="tozero")
    return style(fig, f"{title} (mean {err.mean():.3f})", height=300)


def basis_figure(centers, widths, grid_size: int = 1000, max_functions: int = 64,
                 title: str = "The basis functions ψⱼ(t) = N(t; cⱼ, wⱼ²)") -> go.Figure:
    """The Gaussian RBFs, one trace per width (every k-th centre when there are many), and their sum."""
    centers, widths = np.asarray(centers, dtype=np.float64), np.asarray(widths, dtype=np.float64)
    grid = np.linspace(0.0, 1.0, grid_size)
    psi = np.exp(-0.5 * ((grid[None] - centers[:, None]) / widths[:, None]) ** 2) / (np.sqrt(2 * np.pi) * widths[:, None])
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=grid, y=psi.sum(0), mode="lines", name="Σⱼ ψⱼ(t)", line=dict(color="#222", width=1.5)))
    shown = 0
    for i, w in enumerate(np.unique(widths)):
        idx = np.flatnonzero(widths == w)
        step = max(1, int(np.ceil(len(idx) / max_functions)))
        idx = idx[::step]
        shown += len(idx)
        xs = np.concatenate([np.append(grid, np.nan) for _ in idx])
        ys = np.concatenate([np.append(psi[j], np.nan) for j in idx])
        fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines", name=f"ψⱼ with w = {w:g}", line=dict(width=1, color=head_color(i + 2)),
                                 hoverinfo="skip"))
    fig.update_xaxes(range=[0, 1], title_text=T_AXIS)
    fig.update_yaxes(title_text="ψⱼ(t)")
    style(fig, f"{title}, N = {len(centers)}", height=320)
    if shown < len(centers):
        add_note(fig, f"showing {shown} of the {len(centers)} basis functions (every few centres); the sum uses all")
    return fig
