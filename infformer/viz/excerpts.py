"""The paper's Figure 4 for any text: the document with every token's background set by the
attention mass it received from the chosen query tokens, and the top excerpts.

Shape letters: T tokens, P sentences.
"""
from __future__ import annotations

import html
import unicodedata

import numpy as np
import plotly.graph_objects as go

from ..tracing.record import Trace
from ..tracing.regions import written_tokens
from .common import add_note, hover_text, pool_max, style

HIGHLIGHT_RGB = (255, 127, 14)
ZWJ = "\u200d"  # zero-width joiner: keeps a joining script's letters joined across a span boundary


def joins(left: str, right: str) -> bool:
    """Whether a token boundary between these characters falls inside a word of a joining script
    (Arabic, Syriac, N'Ko, Mongolian...): each token is its own <span>, which would otherwise show the
    letters in their isolated forms, a broken word."""
    return bool(left and right) and all(unicodedata.bidirectional(c) == "AL" or "\u0700" <= c <= "\u08ff"
                                        for c in (left, right)) and left.isalpha() and right.isalpha()


def highlight_html(text: str, offsets, mass, start: int = 0, end: int | None = None, queries=(),
                   scale: float | None = None, *, rgb=HIGHLIGHT_RGB, negative_rgb=None, titles=None) -> str:
    """Tokens start..end of `text` as HTML, each on a background whose opacity is its value (`mass`)
    relative to `scale` (default: the largest shown). Chosen query tokens are outlined. Hovering a
    token shows its index and value, or titles[i - start] when given. With `negative_rgb`, values are
    signed: positive ones in `rgb`, negative ones in `negative_rgb`, both by |value| / scale."""
    offsets = np.asarray(offsets)
    mass = np.nan_to_num(np.asarray(mass, dtype=np.float64))
    end = len(offsets) if end is None else min(int(end), len(offsets))
    start = max(0, int(start))
    shown = np.abs(mass[start:end])
    scale = float(shown.max()) if scale is None and len(shown) else (scale or 0.0)
    queries = set(int(q) for q in np.atleast_1d(queries)) if len(queries) else set()
    out = ['<div dir="auto" style="white-space: pre-wrap; line-height: 1.7; font-size: 0.95rem; '
           'font-family: Georgia, serif; max-height: 32rem; overflow-y: auto; padding: 0.5rem; '
           'border: 1px solid #ddd; border-radius: 0.4rem">']
    cursor = int(offsets[start, 0]) if end > start else 0
    for i in range(start, end):
        a, e = int(offsets[i, 0]), int(offsets[i, 1])
        if a > cursor:
            out.append(html.escape(text[cursor:a]))
        alpha = min(1.0, abs(mass[i]) / scale) ** 0.6 if scale > 0 else 0.0  # a mild gamma keeps weak mass visible
        r, g, b = negative_rgb if negative_rgb is not None and mass[i] < 0 else rgb
        style_ = f"background: rgba({r},{g},{b},{alpha:.3f})" if alpha > 0.01 else ""
        if i in queries and text[a:e].strip():
            style_ += "; outline: 2px solid #1f77b4; border-radius: 2px"
        piece = text[max(a, cursor):e]
        if piece and joins(text[max(a, cursor) - 1:max(a, cursor)], piece[0]):
            piece = ZWJ + piece
        if piece and joins(piece[-1], text[e:e + 1]):
            piece = piece + ZWJ
        title = titles[i - start] if titles is not None else f"token {i}: mass {mass[i]:.2e}"
        out.append(f'<span title="{html.escape(title)}" style="{style_}">{html.escape(piece)}</span>')
        cursor = max(cursor, e)
    out.append("</div>")
    return "".join(out)


def mass_figure(trace: Trace, mass, queries=(), max_points: int = 3000,
                title: str = "Attention mass each token received", forgotten=()) -> go.Figure:
    """Mass along the document (token index), max-pooled when the text is long (said on the
    figure); the query tokens are shaded, and so are the `forgotten` [start, end) stretches (beyond
    the memory's horizon: tracing.regions.forgotten_stretches)."""
    T = trace.num_tokens
    x, y, size = pool_max(mass, max_points)
    fig = go.Figure()
    if size == 1 and trace.text:
        labels = [hover_text(trace.text[a:b], 30) for a, b in trace.offsets]
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="rgb(255,127,14)", width=1.2), name="mass",
                                 fill="tozeroy", text=labels,
                                 hovertemplate="token %{x} «%{text}»<br>mass %{y:.2e}<extra></extra>"))
    else:
        fig.add_trace(go.Scatter(x=x, y=y, mode="lines", line=dict(color="rgb(255,127,14)", width=1.2), name="mass",
                                 fill="tozeroy", line_shape="hv", customdata=np.minimum(x + size, T) - 1,
                                 hovertemplate="tokens %{x}–%{customdata}<br>largest mass %{y:.2e}<extra></extra>"))
        add_note(fig, f"{T:,} tokens: each point is the largest mass among {size} consecutive tokens")
    held = written_tokens(trace)
    if held < trace.num_text_tokens:
        fig.add_vrect(x0=held - 0.5, x1=trace.num_text_tokens - 0.5, fillcolor="#888", opacity=0.12, line_width=0,
                      annotation_text="short-term window", annotation_position="top left")
    for k, (a, b) in enumerate(forgotten):
        fig.add_vrect(x0=a - 0.5, x1=b - 0.5, fillcolor="#d62728", opacity=0.08, line_width=0,
                      annotation_text="beyond the memory's horizon" if k == 0 else None,
                      annotation_position="top left")
    if trace.num_text_tokens < T:
        fig.add_vrect(x0=trace.num_text_tokens - 0.5, x1=T - 0.5, fillcolor="#1f77b4", opacity=0.12, line_width=0,
                      annotation_text="query", annotation_position="bottom right")
    queries = [int(q) for q in np.atleast_1d(queries)] if len(queries) else []
    if queries and trace.num_text_tokens == T:
        fig.add_vrect(x0=min(queries) - 0.5, x1=max(queries) + 0.5, fillcolor="#1f77b4", opacity=0.12, line_width=0,
                      annotation_text="query tokens", annotation_position="top left")
    fig.update_xaxes(title_text="token index", range=[-0.5, T - 0.5])
    # powers of ten, not SI suffixes: "200μ" would read as a Gaussian's mean on these pages
    fig.update_yaxes(title_text="mass Σ Φ((b−μ)/σ) − Φ((a−μ)/σ)", rangemode="tozero", exponentformat="power")
    return style(fig, title, height=300)
