"""The precision lab's figures: a 1-D signal and its fit, the error against L/N, and early
content blurring over many contractions, linear against sticky. The numbers come from
`infformer.tracing.lab`, which calls the core's own functions (basis, ridge fit, sampling, span
pushing), so the lab shows exactly what the model's memory does.

Shape letters: L points, N basis functions, M samples, G grid points, S contraction steps.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.colors import sample_colorscale
from plotly.subplots import make_subplots

from .common import T_AXIS, add_note, head_color, log_ticks, style
from .sticky import LINEAR_COLOR, STICKY_COLOR


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
