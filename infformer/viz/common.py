"""Shared pieces of the figure builders: style, the token ruler, downsampling notes, standalone HTML.

The token ruler is a one-row heatmap under a t axis: bin j covers [j/R, (j+1)/R] of the memory
coordinate, its colour says where in the document the text stored there comes from, and its
hover text shows that text. Shape letters: C provenance capacity, R ruler bins.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.colors import qualitative

from ..tracing.regions import shorten as plain

TEMPLATE = "plotly_white"
LAYER_COLORS = qualitative.Set1
HEAD_COLORS = qualitative.D3
SIGNAL_SCALE = "RdBu_r"      # diverging, zero in the middle: signal values and principal components
MASS_SCALE = "YlOrRd"        # attention mass and probabilities
POSITION_SCALE = "Viridis"   # where in the document (token ruler)
T_AXIS = "t (memory coordinate)"


def layer_color(layer: int) -> str:
    return LAYER_COLORS[layer % len(LAYER_COLORS)]


def head_color(head: int) -> str:
    return HEAD_COLORS[head % len(HEAD_COLORS)]


def style(fig: go.Figure, title: str | None = None, height: int | None = None) -> go.Figure:
    """The house style: white template, the title and any notes above a horizontal legend."""
    fig.update_layout(template=TEMPLATE, hoverlabel=dict(namelength=-1),
                      legend=dict(orientation="h", yanchor="bottom", y=1.01, xanchor="left", x=0))
    if title:
        fig.update_layout(title=dict(text=title, x=0, xanchor="left", y=0.99, yanchor="top", yref="container"))
    if height:
        fig.update_layout(height=height)
    _margins(fig)
    return fig


def _margins(fig: go.Figure) -> None:
    """Room at the top for the title, its subtitle (notes) and the legend."""
    top = 30 + (30 if fig.layout.title.text else 0) + 18 * len(notes(fig)) + 25
    fig.update_layout(margin=dict(l=fig.layout.margin.l or 60, r=fig.layout.margin.r or 20, t=top,
                                  b=fig.layout.margin.b or 50))


def add_note(fig: go.Figure, note: str) -> go.Figure:
    """Record a note the page must show (e.g. "showing 20,000 of 800,000 queries"): in
    `fig.layout.meta["notes"]` and as the title's subtitle (so a saved figure says it too)."""
    meta = dict(fig.layout.meta or {})
    meta["notes"] = list(meta.get("notes", [])) + [note]
    fig.update_layout(meta=meta, title_subtitle=dict(text="<br>".join(meta["notes"]), font=dict(size=11, color="#666")))
    _margins(fig)
    return fig


def notes(fig: go.Figure) -> list:
    return list((fig.layout.meta or {}).get("notes", []))


def to_html(fig: go.Figure) -> str:
    """A standalone HTML file that works offline (plotly.js inlined, no CDN)."""
    return pio.to_html(fig, include_plotlyjs=True, full_html=True)


def sample_indices(n: int, max_points: int, seed: int = 0) -> np.ndarray:
    """All of range(n), or a sorted uniform random subset of max_points of them."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, max_points, replace=False))


def pool_max(values, max_points: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Downsample a long 1-D series for a line plot by taking the max of equal chunks:
    -> (chunk start indices, chunk maxima, chunk size). Peaks survive, which is what a reader looks for."""
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    size = max(1, int(np.ceil(n / max_points)))
    if size == 1:
        return np.arange(n), values, 1
    pad = (-n) % size
    padded = np.concatenate([values, np.full(pad, -np.inf)]).reshape(-1, size)
    return np.arange(0, n, size), padded.max(1), size


def log_ticks(lo: float, hi: float) -> tuple[list, list]:
    """Ticks 1, 2, 5 × 10ᵏ covering [lo, hi], labelled in plain numbers (Plotly's own log ticks on a
    short range read "2 … 9, 0.1", every minor step labelled)."""
    lo, hi = max(float(lo), 1e-300), max(float(hi), float(lo) * 1.0001)
    vals = [m * 10.0 ** k for k in range(int(np.floor(np.log10(lo))) - 1, int(np.ceil(np.log10(hi))) + 1)
            for m in (1, 2, 5)]
    below = max([v for v in vals if v <= lo], default=vals[0])   # one tick at or below the range,
    above = min([v for v in vals if v >= hi], default=vals[-1])  # one at or above, the rest inside
    vals = [v for v in vals if below <= v <= above]
    return vals, [f"{v:g}" for v in vals]


def clean(text: str) -> str:
    """Text made safe for Plotly hover labels (which read a little HTML) and kept on one line."""
    return " ".join(text.split()).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def hover_text(text: str, max_chars: int) -> str:
    """`tracing.regions.shorten`, made safe for a hover label."""
    return clean(plain(text, max_chars))


# ----------------------------------------------------------------------------- token ruler
@dataclass(frozen=True)
class Ruler:
    """Which text sits where on [0, 1] in one memory (one layer, after one update)."""

    t: np.ndarray          # [R] bin centres
    position: np.ndarray   # [R] mean document position (token index / T) of the text in the bin; NaN if empty
    label: list            # [R] hover text
    first: np.ndarray      # [R] first token in the bin (-1 if empty)
    last: np.ndarray       # [R] last token in the bin (-1 if empty)


def token_ruler(spans, span_tokens, text: str, offsets, num_tokens: int, bins: int = 200,
                max_chars: int = 70) -> Ruler:
    """Ruler of a memory whose token spans are spans [C, 2] (ordered by token, hence by t) and
    span_tokens [C] (-1 empty); text and offsets [T, 2] give each token's characters."""
    spans, span_tokens = np.asarray(spans, dtype=np.float64), np.asarray(span_tokens)
    keep = (span_tokens >= 0) & (spans[:, 1] > spans[:, 0])
    spans, tok = spans[keep], span_tokens[keep]
    edges = np.linspace(0.0, 1.0, bins + 1)
    # tokens overlapping [edge_j, edge_j+1): the first whose end is past the left edge, up to the
    # last whose start is before the right edge (spans are sorted and do not overlap)
    lo = np.searchsorted(spans[:, 1], edges[:-1], side="right")
    hi = np.searchsorted(spans[:, 0], edges[1:], side="left") - 1
    first = np.full(bins, -1, dtype=np.int64)
    last = np.full(bins, -1, dtype=np.int64)
    position = np.full(bins, np.nan)
    labels = []
    offsets = np.asarray(offsets) if offsets is not None else None
    for j in range(bins):
        if hi[j] < lo[j]:
            labels.append("(empty)")
            continue
        a, b = int(tok[lo[j]]), int(tok[hi[j]])
        first[j], last[j] = a, b
        position[j] = 0.5 * (a + b) / max(1, num_tokens - 1)
        snippet = text[offsets[a, 0]:offsets[b, 1]] if (offsets is not None and text) else ""
        span = f"token {a}" if a == b else f"tokens {a}–{b}"
        labels.append(f"{span}: «{hover_text(snippet, max_chars)}»" if snippet else span)
    return Ruler(0.5 * (edges[:-1] + edges[1:]), position, labels, first, last)


def ruler_trace(ruler: Ruler, showscale: bool = False, name: str = "text at t") -> go.Heatmap:
    """The ruler as a one-row heatmap (x = t); hover shows the text stored at that t."""
    return go.Heatmap(
        x=ruler.t, y=["text"], z=[ruler.position], customdata=[ruler.label], zmin=0, zmax=1,
        colorscale=POSITION_SCALE, showscale=showscale, name=name, xgap=0, ygap=0,
        hovertemplate="t = %{x:.3f}<br>%{customdata}<br>from %{z:.0%} into the text<extra></extra>",
        colorbar=dict(title="place in<br>the text", tickformat=".0%", len=0.3, y=0.1) if showscale else None)


def add_ruler(fig: go.Figure, ruler: Ruler, row: int, col: int = 1, showscale: bool = False) -> go.Figure:
    fig.add_trace(ruler_trace(ruler, showscale), row=row, col=col)
    fig.update_yaxes(showticklabels=True, fixedrange=True, row=row, col=col)
    return fig
