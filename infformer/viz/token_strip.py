"""The text as a strip of tokens to click: one point per token that read the long-term memory, at
its position in the text and at the height of its surprisal (what it cost the model), so the tokens
the model got wrong stand out as the ones to ask "where did the memory look?" about. The app makes a
clicked (or box-selected) point the query. Input: a trace; no model, no streamlit.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..tracing.record import Trace
from .common import hover_text, style

STRIP_COLOR = "#9467bd"  # the surprisal shading's purple (document.SURPRISAL_RGB)


def strip_tokens(candidates, around: int | None = None, max_points: int = 4000) -> np.ndarray:
    """The candidates (token ids, ascending) the strip shows: all of them when at most `max_points`,
    else the `max_points` consecutive ones centred on `around` (default: the last ones)."""
    candidates = np.asarray(candidates, dtype=np.int64)
    if len(candidates) <= max_points:
        return candidates
    centre = len(candidates) - 1 if around is None else int(np.searchsorted(candidates, around))
    first = int(np.clip(centre - max_points // 2, 0, len(candidates) - max_points))
    return candidates[first:first + max_points]


def token_strip_figure(trace: Trace, tokens, chosen=(), title: str = "Click a token to make it the query "
                       "(the toolbar's box select chooses several)") -> go.Figure:
    """tokens: the token ids to draw (each point's customdata is its id); chosen: ids marked as the
    current query. Height: surprisal in nats (0 where unknown, e.g. the first token)."""
    tokens = np.asarray(tokens, dtype=np.int64)
    surprisal = np.nan_to_num(trace.surprisal()[tokens], nan=0.0)
    words = []
    for i in tokens.tolist():
        a, b = (int(x) for x in trace.offsets[i])
        words.append(f"token {i}: {hover_text(trace.text[a:b], 40)!r} in "
                     f"…{hover_text(' '.join(trace.text[max(0, a - 40):b + 40].split()), 120)}…")
    fig = go.Figure(go.Scatter(
        x=tokens, y=surprisal, mode="markers", customdata=tokens, text=words, name="tokens",
        marker=dict(size=6, color=STRIP_COLOR, opacity=0.8),
        hovertemplate="%{text}<br>surprisal %{y:.2f} nats<extra></extra>"))
    chosen = [int(c) for c in chosen if int(c) in set(tokens.tolist())]
    if chosen:
        fig.add_trace(go.Scatter(
            x=chosen, y=np.nan_to_num(trace.surprisal()[chosen], nan=0.0), mode="markers", name="the query now",
            marker=dict(size=11, color="rgba(0,0,0,0)", line=dict(color="black", width=2)), hoverinfo="skip"))
    # no dragmode / clickmode here: Streamlit's selection sets them (a click selects a point only
    # while dragging pans; the toolbar's box select chooses several)
    fig.update_layout(xaxis_title="token in the text", yaxis_title="surprisal (nats)")
    return style(fig, title, height=260)


def selected_tokens(points) -> list:
    """Token ids of the points a chart selection holds (Streamlit's selection.points)."""
    out = set()
    for p in points or []:
        data = p.get("customdata")
        if isinstance(data, list):  # some plotly versions wrap a scalar customdata in a list
            data = data[0] if data else None
        if isinstance(data, (int, float)) and not isinstance(data, bool) and float(data).is_integer():
            out.add(int(data))
    return sorted(out)
