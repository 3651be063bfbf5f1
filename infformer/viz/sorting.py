"""The sorting task (the paper's section 4.1, Figure 3) for one sequence: run a sorting model on
it with a trace, then the model's answer against the truth and the symbol counts behind it.

The example of (length, seed) is the first one `python -m infformer sorting evaluate --length T
--seed S` scores (`make_batch(T, 1, S, 0)[0]`), so `--examples 1` reproduces this page's accuracy.
The memory views reuse the text pages' builders: the trace carries the symbols as its text.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go
import torch

from ..sorting import NUM_SYMBOLS, make_batch
from ..sorting_train import model_inputs
from ..trace import Trace, trace_text
from .common import add_note, head_color, style, token_ruler
from .provenance import traced_tokens

RIGHT, WRONG, NEUTRAL = "#2ca02c", "#d62728", "#e6e6e6"
OTHER_TOKENS = {NUM_SYMBOLS: "sep", NUM_SYMBOLS + 1: "pad"}  # an untrained model may predict these


def symbol_name(token: int) -> str:
    return OTHER_TOKENS.get(int(token), str(int(token)))


@dataclass(frozen=True, eq=False)
class SortingRun:
    """One sorting sequence through a model: the example, the answer's probabilities and the trace."""

    example: np.ndarray   # [length + 21]: the symbols, the separator, the true answer
    probs: np.ndarray     # [20, V] the model's distribution at each answer position
    trace: Trace          # of the model's input: left padding, symbols, separator, answer[:-1]

    @property
    def length(self) -> int:
        return len(self.example) - NUM_SYMBOLS - 1

    @property
    def symbols(self) -> np.ndarray:
        return self.example[:self.length]

    @property
    def answer(self) -> np.ndarray:
        return self.example[-NUM_SYMBOLS:]

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.answer).mean())

    @property
    def queries(self) -> np.ndarray:
        """Trace token indices of the answer positions' queries (the separator and answer[:-1])."""
        return np.arange(self.trace.num_tokens - NUM_SYMBOLS, self.trace.num_tokens)

    @property
    def padding(self) -> int:
        return self.trace.num_tokens - self.length - NUM_SYMBOLS


@torch.no_grad()
def run_sorting(model, tokenizer, length: int, seed: int) -> SortingRun:
    """Trace the model on example (length, seed), fed as `answer_logits` feeds it: the padded
    `model_inputs`, segment by segment from a fresh memory, in float32."""
    example = make_batch(length, 1, seed, 0)[0]
    ids = model_inputs(torch.from_numpy(example)[None], model.cfg.segment_len)[0].tolist()
    # the symbols as text give the trace its token labels; the answer part is the trace's "query"
    logits, _, trace = trace_text(model, tokenizer, tokenizer.decode(ids[:-NUM_SYMBOLS]),
                                  tokenizer.decode(ids[-NUM_SYMBOLS:]), keep_logits=True)
    if trace.token_ids.tolist() != ids:
        raise ValueError("the model's tokenizer does not spell the sorting symbols back (not a sorting model?)")
    probs = torch.softmax(logits[0, -NUM_SYMBOLS:].float(), -1).numpy()
    return SortingRun(example, probs, trace)


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

