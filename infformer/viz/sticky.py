"""Sticky memories: the histogram each update sampled from, the sampled positions, the warp from
old to new coordinates, and how much of the memory each part of the text holds.

Shape letters: D bins, M samples, C provenance capacity, P phrases.
"""
from __future__ import annotations

import numpy as np
import plotly.colors as pc
import plotly.graph_objects as go
import torch
from plotly.subplots import make_subplots

from ..core.memory import contraction_knots
from ..tracing.record import traced_tokens
from ..tracing.regions import token_widths
from .common import T_AXIS, add_note, add_ruler, clean, head_color, style

STICKY_COLOR, LINEAR_COLOR = head_color(3), head_color(0)


def warp(sample_positions, tau: float) -> tuple[np.ndarray, np.ndarray]:
    """The update's map old coordinate s -> new coordinate t ∈ [0, τ], as knots (s, t)."""
    s, t = contraction_knots(torch.tensor(np.array(sample_positions), dtype=torch.float64)[None], tau)
    return s[0].numpy(), t[0].numpy()


def update_figure(bin_probs, sample_positions, tau: float, ruler=None, sticky: bool = True,
                  title: str = "One memory update") -> go.Figure:
    """Three panels over the old coordinate s: the D-bin histogram p(bin), the M sampled positions
    s_k as a rug, and the warp s -> t (with the linear warp t = τ·s for reference); the ruler of
    the memory before the update underneath."""
    p = np.asarray(bin_probs, dtype=np.float64)
    s_k = np.asarray(sample_positions, dtype=np.float64)
    D = len(p)
    n_rows = 3 + (ruler is not None)
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=0.05,
                        row_heights=[0.42, 0.1, 0.38] + ([0.1] if ruler is not None else []))
    fig.add_trace(go.Bar(x=(np.arange(D) + 0.5) / D, y=p, width=1.0 / D, name="p(bin)", marker_color=STICKY_COLOR,
                         marker_line_width=0, hovertemplate="bin %{customdata}<br>s ∈ [%{x:.3f} ± ½ bin]<br>p = %{y:.4f}<extra></extra>",
                         customdata=np.arange(D), showlegend=False), row=1, col=1)
    fig.add_hline(y=1.0 / D, line=dict(dash="dot", color="#666", width=1), row=1, col=1,
                  annotation_text="uniform 1/D", annotation_position="bottom right")
    fig.add_trace(go.Scatter(x=s_k, y=np.zeros_like(s_k), mode="markers", name="sₖ",
                             marker=dict(symbol="line-ns-open", size=14, color=STICKY_COLOR if sticky else LINEAR_COLOR),
                             hovertemplate="sₖ = %{x:.4f}<extra></extra>", showlegend=False), row=2, col=1)
    s, t = warp(s_k, tau)
    fig.add_trace(go.Scatter(x=s, y=t, mode="lines", name="this update's warp", line=dict(color=STICKY_COLOR if sticky else LINEAR_COLOR, width=2),
                             hovertemplate="s = %{x:.3f} → t = %{y:.3f}<extra></extra>"), row=3, col=1)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, tau], mode="lines", name="linear warp t = τ·s",
                             line=dict(color="#888", dash="dash", width=1), hoverinfo="skip"), row=3, col=1)
    if ruler is not None:
        add_ruler(fig, ruler, row=n_rows)
    fig.update_xaxes(range=[0, 1])
    fig.update_xaxes(title_text="s (old memory coordinate)", row=n_rows, col=1)
    fig.update_yaxes(title_text="p(bin)" if sticky else "p(bin), unused", rangemode="tozero", row=1, col=1)
    fig.update_yaxes(title_text=f"{len(s_k)} sₖ", showticklabels=False, showgrid=False, row=2, col=1)
    fig.update_yaxes(title_text="warp: new t", range=[0, tau * 1.02], row=3, col=1)
    return style(fig, title, height=640)


def compare_figure(traces: dict, layer: int, bins: int = 100,
                   title: str = "Sticky against linear: the same text, the same seed") -> go.Figure:
    """Side by side, one column per run ({"sticky": trace, "linear": trace}): where each token of
    the text sits in the final memory (t against token index), and the share of the memory held
    by each stretch of the text."""
    names = list(traces)
    fig = make_subplots(rows=2, cols=len(names), shared_xaxes=True, shared_yaxes="rows", vertical_spacing=0.1,
                        horizontal_spacing=0.05, row_heights=[0.5, 0.5], column_titles=names)
    for c, name in enumerate(names, start=1):
        tr = traces[name]
        color = STICKY_COLOR if name == "sticky" else LINEAR_COLOR
        spans, span_tokens = tr.final_provenance(layer)
        tokens = traced_tokens(tr, span_tokens)
        keep = (tokens >= 0) & (tokens < tr.num_text_tokens)
        fig.add_trace(go.Scatter(x=tokens[keep], y=spans[keep].mean(1), mode="lines", line=dict(color=color, width=2),
                                   name=name, showlegend=False,
                                   hovertemplate="token %{x}<br>t = %{y:.4f}<extra>" + name + "</extra>"), row=1, col=c)
        widths = token_widths(tr, layer)
        n = len(widths)
        edges = np.unique(np.linspace(0, n, min(bins, n) + 1).astype(int))
        share = np.add.reduceat(widths, edges[:-1]) if n else np.zeros(0)
        fig.add_trace(go.Bar(x=0.5 * (edges[:-1] + edges[1:]), y=share, width=np.diff(edges), marker_color=color,
                             marker_line_width=0, name=name, showlegend=False,
                             customdata=np.stack([edges[:-1], edges[1:] - 1], -1),
                             hovertemplate="tokens %{customdata[0]}–%{customdata[1]}<br>share of the memory %{y:.2%}<extra>"
                                           + name + "</extra>"), row=2, col=c)
        fig.update_xaxes(title_text="token index in the text", row=2, col=c)
    fig.update_yaxes(title_text=T_AXIS, range=[0, 1], row=1, col=1)
    top = max([float(np.max(t.y)) for t in fig.data if t.type == "bar" and len(t.y)] or [0.01])
    fig.update_yaxes(title_text="share of the memory", tickformat=".1%", range=[0, 1.08 * top], row=2, col=1)
    return style(fig, f"{title} (layer {layer})", height=560)


def phrase_figure(tables: dict, top: int = 15, title: str = "The phrases that hold most of the memory") -> go.Figure:
    """Ranked horizontal bars (the paper's Figure 5): the top phrases by share in the first run of
    `tables` ({"sticky": phrase_table, ...}); other runs' shares of the same phrases beside them."""
    names = list(tables)
    first = tables[names[0]]
    order = first.sort_values("share", ascending=False).head(top).index[::-1]
    labels = [f"{clean(first.loc[i, 'phrase'])} [{first.loc[i, 'first_token']}]" for i in order]
    fig = go.Figure()
    for name in names:
        tab = tables[name]
        fig.add_trace(go.Bar(y=labels, x=tab.loc[order, "share"], orientation="h", name=name,
                             marker_color=STICKY_COLOR if name == "sticky" else LINEAR_COLOR,
                             customdata=tab.loc[order, "tokens"],
                             hovertemplate="%{y}<br>%{customdata} tokens<br>share %{x:.2%}<extra>" + name + "</extra>"))
    fig.update_layout(barmode="group", yaxis=dict(automargin=True, tickfont=dict(size=11)))
    fig.update_xaxes(title_text="share of the memory (Σ span widths)", tickformat=".1%", rangemode="tozero")
    fig = style(fig, title, height=int(140 + 24 * len(order) * len(names)))
    if len(first) > top:
        add_note(fig, f"top {top} of {len(first)} phrases")
    return fig


def horizon_figure(shares: dict, edges, title: str = "The memory's horizon: how much of the memory each part "
                   "of the text holds") -> go.Figure:
    """One panel per run ({"sticky": [U, P], "linear": [U, P]} from `infformer.tracing.regions.shares_by_part`),
    a line per part of the text (P equal stretches, `edges` [P + 1] token indices): its share of
    the memory after every update, on a log axis, so exponential forgetting reads as a straight
    line (slope log τ per update with linear sampling) and a part that sticky memories keep
    stays up."""
    names = list(shares)
    fig = make_subplots(rows=1, cols=len(names), shared_yaxes=True, horizontal_spacing=0.05, column_titles=names)
    P = len(edges) - 1
    colors = pc.sample_colorscale("Viridis", [k / max(1, P - 1) for k in range(P)])
    for c, name in enumerate(names, start=1):
        s = np.asarray(shares[name], dtype=np.float64)
        for k in range(P):
            y = np.where(s[:, k] > 0, s[:, k], np.nan)  # not yet written (or underflowed): no point
            fig.add_trace(go.Scatter(x=np.arange(len(s)), y=y, mode="lines", line=dict(color=colors[k], width=1.6),
                                     name=f"tokens {edges[k]:,}–{edges[k + 1] - 1:,}", legendgroup=str(k),
                                     showlegend=c == 1,
                                     hovertemplate="after update %{x}<br>share %{y:.3g}<extra>" +
                                                   f"tokens {edges[k]:,}–{edges[k + 1] - 1:,} ({name})</extra>"),
                          row=1, col=c)
        fig.update_xaxes(title_text="memory update", row=1, col=c)
    # every panel on the same log axis (a shared y axis does not pass its type on to the others)
    fig.update_yaxes(type="log", exponentformat="power", showticklabels=True)
    fig.update_yaxes(title_text="share of the memory (log)", row=1, col=1)
    fig = style(fig, title, height=500)
    # the legend under the panels, clear of their titles
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
                      margin=dict(b=120))
    return fig
