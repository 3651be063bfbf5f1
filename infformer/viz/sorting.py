"""The sorting task (the paper's section 4.1, Figure 3) for one sequence (`infformer.experiments.sorting.run.run_sorting`):
the model's answer against the truth and the symbol counts behind it.

The example of (length, seed) is the first one `python -m infformer sorting evaluate --length T
--seed S` scores (`make_batch(T, 1, S, 0)[0]`), so `--examples 1` reproduces this page's accuracy.
The memory views reuse the text pages' builders: the trace carries the symbols as its text.
"""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from ..experiments.sorting.task import NUM_SYMBOLS, SortingRun, symbol_name  # noqa: F401  (SortingRun: what the page passes)
from ..tracing.record import Trace, traced_tokens
from .common import add_note, head_color, style, token_ruler

RIGHT, WRONG, NEUTRAL = "#2ca02c", "#d62728", "#e6e6e6"


def memory_rulers(trace: Trace, layer: int, updates, bins: int = 200) -> dict:
    """{update: token Ruler} of one layer's memory after each of `updates`."""
    history = trace.spans_at(updates, layer)
    return {u: token_ruler(s, traced_tokens(trace, t), trace.text, trace.offsets, trace.num_tokens, bins)
            for u, (s, t) in history.items()}


# ----------------------------------------------------------------------------- figures
def prediction_figure(answer, probs, title: str = "The model's answer against the true order") -> go.Figure:
    """Two rows over the answer positions: the true symbol at each rank, and the model's arg max,
    green where it is right and red where it is wrong. answer [20], probs [20, V]."""
    answer, probs = np.asarray(answer), np.asarray(probs, dtype=np.float64)
    predicted = probs.argmax(1)
    right = predicted == answer
    n = len(answer)
    ranks = np.arange(1, n + 1)
    rows = np.arange(n)
    p_pred, p_true = probs[rows, predicted], probs[rows, answer]
    z = np.stack([np.full(n, 0.5), right.astype(float)])  # 0.5: the neutral colour of the truth row
    scale = [[0, WRONG], [1 / 3, WRONG], [1 / 3, NEUTRAL], [2 / 3, NEUTRAL], [2 / 3, RIGHT], [1, RIGHT]]
    text = [[symbol_name(s) for s in answer], [symbol_name(s) for s in predicted]]
    hover = np.stack([p_pred, p_true], -1)
    fig = go.Figure(go.Heatmap(
        x=ranks, y=["true", "model"], z=z, zmin=0, zmax=1, colorscale=scale, showscale=False, xgap=2, ygap=2,
        text=text, texttemplate="%{text}", textfont=dict(size=15), customdata=np.stack([hover, hover]),
        hovertemplate="answer position %{x}: %{y} says %{text}<br>p(model's symbol) = %{customdata[0]:.3f}"
                      "<br>p(true symbol) = %{customdata[1]:.3f}<extra></extra>"))
    fig.update_xaxes(title_text="answer position (rank by count)", tickvals=ranks, range=[0.5, n + 0.5])
    fig.update_yaxes(autorange="reversed", fixedrange=True)
    return style(fig, f"{title}: {int(right.sum())} of {n} right ({right.mean():.0%})", height=240)


def counts_figure(symbols, answer, title: str = "How often each symbol occurs, in the answer's order") -> go.Figure:
    """Stacked bars of each symbol's count in the first and the second half of the sequence, the
    symbols in their true rank order: the total sets the answer, the halves show the drift."""
    symbols, answer = np.asarray(symbols), np.asarray(answer)
    half = len(symbols) // 2
    ranks = np.arange(1, len(answer) + 1)
    parts = {f"first half (positions 0–{half - 1})": symbols[:half],
             f"second half (positions {half}–{len(symbols) - 1})": symbols[half:]}
    total = np.bincount(symbols, minlength=NUM_SYMBOLS)[answer]
    fig = go.Figure()
    for i, (name, part) in enumerate(parts.items()):
        counts = np.bincount(part, minlength=NUM_SYMBOLS)[answer]
        fig.add_trace(go.Bar(x=ranks, y=counts, name=name, marker_color=head_color(i),
                             customdata=np.stack([answer, total], -1),
                             hovertemplate=f"rank %{{x}}: symbol %{{customdata[0]}}<br>{name}: %{{y}}"
                                           "<br>whole sequence: %{customdata[1]}<extra></extra>"))
    fig.update_layout(barmode="stack", legend_traceorder="normal")  # stacked bars list backwards by default
    fig.update_xaxes(title_text="symbol, by true rank (most frequent first)", tickvals=ranks,
                     ticktext=[symbol_name(s) for s in answer], range=[0.5, len(answer) + 0.5])
    fig.update_yaxes(title_text="count")
    style(fig, f"{title} ({len(symbols):,} symbols)", height=340)
    ties = int((np.diff(total) == 0).sum())
    if ties:
        add_note(fig, f"{ties} neighbouring pair(s) have equal counts: the one that occurs first ranks first")
    return fig

