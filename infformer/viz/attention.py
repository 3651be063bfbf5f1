"""Continuous attention: each query's Gaussian N(t; μ, σ²) over the memory coordinate.

Shape letters: Y layers, T tokens, H heads, Q chosen query tokens, G grid points.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..tracing.record import Trace, density_on_grid
from .common import T_AXIS, add_note, add_ruler, head_color, hover_text, layer_color, log_ticks, sample_indices, style

DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot")


def token_label(trace: Trace, token: int, max_chars: int = 24) -> str:
    """'123 «word»' for menus and legends."""
    if trace.offsets is not None and trace.text:
        a, b = (int(x) for x in trace.offsets[token])
        raw = trace.text[a:b]
        if b == a and a > 0:  # a later byte of a character split across tokens: show that character
            return f"{token} «{trace.text[a - 1]}» (cont.)"
        shown = hover_text(raw, max_chars) if raw.strip() else ("¶" if "\n" in raw else "space")
        return f"{token} «{shown}»"
    return str(token)


MAX_SEPARATE = 4  # more chosen queries than this: draw each head's average density instead


def gaussians_figure(trace: Trace, queries, ruler=None, grid_size: int = 600, layers=None,
                     title: str = "Where each query looks: N(t; μ, σ²) per head") -> go.Figure:
    """One panel per layer: for every head (colour), the Gaussian N(t; μ, σ²) of each chosen query
    token (line style), or, with more than MAX_SEPARATE queries, their average density (a mixture,
    still a density); on t ∈ [0, 1], with the token ruler of the memory those queries read."""
    queries = [int(q) for q in np.atleast_1d(queries)]
    layers = list(range(trace.num_layers)) if layers is None else [int(y) for y in layers]
    grid = np.linspace(0.0, 1.0, grid_size)
    separate = len(queries) <= MAX_SEPARATE
    n_rows = len(layers) + (ruler is not None)
    fig = make_subplots(rows=n_rows, cols=1, shared_xaxes=True, vertical_spacing=0.035,
                        row_heights=[1.0] * len(layers) + ([0.22] if ruler is not None else []))
    empty = int(np.isnan(trace.mu[np.ix_(layers, queries, range(trace.num_heads))]).sum())
    for r, y in enumerate(layers):
        for h in range(trace.num_heads):
            mu, var = trace.mu[y, queries, h].astype(np.float64), trace.sigma_sq[y, queries, h].astype(np.float64)
            ok = ~np.isnan(mu)
            if not ok.any():
                continue
            line = dict(color=head_color(h), width=1.6)
            common = dict(mode="lines", name=f"head {h}", legendgroup=f"head {h}")
            if separate:
                for qi in np.flatnonzero(ok):
                    q = queries[qi]
                    fig.add_trace(go.Scatter(
                        x=grid, y=density_on_grid(mu[qi], var[qi], grid), **common, line=dict(line, dash=DASHES[qi]),
                        showlegend=bool(r == 0 and qi == np.flatnonzero(ok)[0]),
                        hovertemplate=(f"layer {y}, head {h}<br>query {token_label(trace, q)}<br>μ = {mu[qi]:.3f}, "
                                       f"σ² = {var[qi]:.2e}<br>t = %{{x:.3f}}<br>N(t; μ, σ²) = %{{y:.2f}}<extra></extra>")),
                        row=r + 1, col=1)
            else:
                mean = density_on_grid(mu[ok], var[ok], grid).mean(0)
                fig.add_trace(go.Scatter(
                    x=grid, y=mean, **common, line=line, showlegend=r == 0,
                    hovertemplate=(f"layer {y}, head {h}<br>average over {int(ok.sum())} queries<br>"
                                   "t = %{x:.3f}<br>density %{y:.2f}<extra></extra>")),
                    row=r + 1, col=1)
        fig.update_yaxes(title_text=f"layer {y}<br>N(t; μ, σ²)", rangemode="tozero", row=r + 1, col=1)
    if ruler is not None:
        add_ruler(fig, ruler, row=n_rows)
    fig.update_xaxes(range=[0, 1])
    fig.update_xaxes(title_text=T_AXIS, row=n_rows, col=1)
    style(fig, title, height=200 * len(layers) + 160)
    if separate and len(queries) > 1:
        legend = ", ".join(f"{DASHES[i]}: {token_label(trace, q, 14)}" for i, q in enumerate(queries))
        add_note(fig, f"line style = query token ({legend})")
    elif not separate:
        add_note(fig, f"{len(queries)} query tokens: each line is a head's average N(t; μ, σ²) over them "
                      f"(choose at most {MAX_SEPARATE} to see each Gaussian)")
    if empty:
        add_note(fig, "some queries came before anything was in the long-term memory (no Gaussian)")
    return fig


def mu_sigma_figure(trace: Trace, color_by: str = "layer", highlight=(), max_points: int = 20000, seed: int = 0,
                    title: str = "μ and σ of every query") -> go.Figure:
    """Scatter of (μ, σ) over all queries, heads and layers; colour by layer or head; the chosen
    query tokens drawn on top. Randomly thinned to max_points (said on the figure)."""
    Y, T, H = trace.mu.shape
    layer, token, head = np.meshgrid(np.arange(Y), np.arange(T), np.arange(H), indexing="ij")
    mu, sigma = trace.mu.ravel(), np.sqrt(trace.sigma_sq.ravel())
    ok = np.flatnonzero(~np.isnan(mu))
    pick = ok[sample_indices(len(ok), max_points, seed)]
    groups = layer.ravel() if color_by == "layer" else head.ravel()
    fig = go.Figure()
    for g in range(Y if color_by == "layer" else H):
        idx = pick[groups[pick] == g]
        color = layer_color(g) if color_by == "layer" else head_color(g)
        fig.add_trace(go.Scattergl(
            x=mu[idx], y=sigma[idx], mode="markers", name=f"{color_by} {g}",
            marker=dict(size=4, color=color, opacity=0.45), customdata=np.stack([token.ravel()[idx], layer.ravel()[idx],
                                                                                  head.ravel()[idx]], -1),
            hovertemplate="token %{customdata[0]}, layer %{customdata[1]}, head %{customdata[2]}"
                          "<br>μ = %{x:.3f}<br>σ = %{y:.4f}<extra></extra>"))
    highlight = [int(q) for q in np.atleast_1d(highlight)] if len(highlight) else []
    if highlight:
        sel = np.isin(token.ravel(), highlight) & ~np.isnan(mu)
        fig.add_trace(go.Scattergl(
            x=mu[sel], y=sigma[sel], mode="markers", name="chosen query tokens",
            marker=dict(size=10, color="rgba(0,0,0,0)", line=dict(color="black", width=1.5)),
            text=[token_label(trace, int(t)) for t in token.ravel()[sel]],
            hovertemplate="%{text}<br>μ = %{x:.3f}<br>σ = %{y:.4f}<extra>chosen</extra>"))
    fig.update_xaxes(range=[0, 1], title_text="μ (where in the memory)")
    finite = sigma[np.isfinite(sigma) & (sigma > 0)]
    if finite.size:
        vals, texts = log_ticks(float(finite.min()), float(finite.max()))
        fig.update_yaxes(tickvals=vals, ticktext=texts)
    fig.update_yaxes(type="log", title_text="σ (how wide; log scale)")
    style(fig, title, height=420)
    if len(pick) < len(ok):
        add_note(fig, f"showing a random {len(pick):,} of {len(ok):,} (query, head, layer) points")
    return fig


def head_share_figure(trace: Trace, token: int, title: str | None = None) -> go.Figure:
    """Layers × heads for one token: how much of each head's attention output came from the long-term
    read rather than the local attention (‖LTM_h‖ / (‖local_h‖ + ‖LTM_h‖)); both sizes on hover."""
    share = trace.long_term_head_share(token)
    local = trace.local_head_norm[:, token].astype(np.float32)
    ltm = trace.ltm_head_norm[:, token].astype(np.float32)
    Y, H = share.shape
    hover = [[f"layer {y}, head {h}: ‖local‖ {local[y, h]:.3g}, ‖long-term‖ {ltm[y, h]:.3g}" for h in range(H)]
             for y in range(Y)]
    fig = go.Figure(go.Heatmap(z=share, x=[f"head {h}" for h in range(H)], y=[f"layer {y}" for y in range(Y)],
                               zmin=0, zmax=1, colorscale="Blues", text=hover,
                               hovertemplate="%{text}<br>long-term share %{z:.0%}<extra></extra>",
                               colorbar=dict(title="long-term", tickformat=".0%")))
    fig.update_yaxes(autorange="reversed")
    return style(fig, title or f"Token {token}: each head's long-term share of its attention output",
                 height=max(260, 18 * Y + 120))


def local_weights_figure(trace: Trace, query: int, layers=None, title: str | None = None,
                         kept=None) -> go.Figure | None:
    """The other memory, beside the long-term Gaussian: one panel per layer, for every head (colour)
    the local attention's weights of `query` over its window (the short-term memory and its segment so
    far), against the token each key is. kept: (keys, weights [Y, H, K]) computed elsewhere, else the
    trace's own (None when the trace did not keep this token's weights)."""
    kept = trace.local_weights(int(query)) if kept is None else kept
    if kept is None:
        return None
    keys, weights = kept
    layers = list(range(trace.num_layers)) if layers is None else [int(y) for y in layers]
    fig = make_subplots(rows=len(layers), cols=1, shared_xaxes=True, vertical_spacing=0.035)
    words = [token_label(trace, int(k)) for k in keys]
    for r, y in enumerate(layers):
        for h in range(trace.num_heads):
            fig.add_trace(go.Scatter(
                x=keys, y=weights[y, h], mode="lines", name=f"head {h}", legendgroup=f"head {h}",
                line=dict(color=head_color(h), width=1.4), showlegend=r == 0, text=words,
                hovertemplate=f"layer {y}, head {h}<br>key %{{text}}<br>weight %{{y:.3f}}<extra></extra>"),
                row=r + 1, col=1)
        fig.update_yaxes(title_text=f"layer {y}<br>weight", row=r + 1, col=1, rangemode="tozero")
    fig.update_xaxes(title_text="token of the local window (short-term memory and the segment so far)",
                     row=len(layers), col=1)
    title = title or f"The local attention of query {token_label(trace, int(query))} over its window"
    return style(fig, title, height=max(320, 190 * len(layers) + 80))
