"""The paper's Figure 4 made measurable: while the model reads a reply, does its long-term memory
look at the document section the reply's writer was looking at?

Every CMU-DoG turn records `docIdx`, the section (0-3) shown to its writer. For a reply, the
queries are the positions that predict its tokens (the label's last token up to the reply's
second to last); the region is the section's tokens. `region_attention` (regions.py) gives the
share of the memory's attention that lands on the region against the region's share of the memory
(over layers and heads); their ratio is 1.0 when the memory looks there only as often as its size
would have it. Averaged over replies, the ratio for the writer's section is the measure; the same
average with `docIdx` shuffled across the replies (seeded) is its control.
"""
from __future__ import annotations

import random

import numpy as np

from ...tracing.record import Trace
from ...tracing.regions import regions_attention, tokens_in_chars
from .uncertainty import cluster_interval


def reply_queries(offsets, start: int, end: int) -> np.ndarray:
    """Positions whose next token lies in characters [start, end): the queries that write that text."""
    idx = tokens_in_chars(offsets, start, end)
    return idx[idx > 0] - 1


def section_rows(trace: Trace, sections, start: int, end: int) -> list:
    """`regions_attention` of the sections (characters [a, b) of the traced text) for the reply in
    characters [start, end): attention_fraction, memory_share, ratio (NaN where the memory held
    none of the section when it was read), queries."""
    queries = reply_queries(trace.offsets, start, end)
    if len(queries) == 0:
        return [{"attention_fraction": np.nan, "memory_share": np.nan, "ratio": np.nan, "queries": 0}
                for _ in sections]
    return regions_attention(trace, [tokens_in_chars(trace.offsets, a, b) for a, b in sections], queries)


def section_ratios(trace: Trace, sections, start: int, end: int) -> np.ndarray:
    """[S] the ratio of each section (see `section_rows`)."""
    return np.array([r["ratio"] for r in section_rows(trace, sections, start, end)])


def summarize(rows: list, seed: int = 0, conversations: list | None = None) -> dict:
    """rows: (doc_idx, ratios [S]) per reply. The mean ratio on the writer's section, and on a
    section drawn by shuffling doc_idx across the replies (the control); NaN ratios left out.
    With each reply's conversation, also 95% intervals from a bootstrap over conversations of both
    means and of their difference (writer's section minus control, reply by reply)."""
    doc_idx = [d for d, _ in rows]
    shuffled = doc_idx[:]
    random.Random(seed).shuffle(shuffled)
    actual = [r[d] for (d, r) in rows]
    control = [r[d] for d, (_, r) in zip(shuffled, rows, strict=False)]

    def mean(values):
        values = [v for v in values if np.isfinite(v)]
        return float(np.mean(values)) if values else None

    summary = {"mean_ratio": mean(actual), "control_mean_ratio": mean(control),
               "replies": int(sum(np.isfinite(v) for v in actual)), "replies_without_section_in_memory":
               int(sum(not np.isfinite(v) for v in actual)), "control_seed": seed}
    if conversations is not None:
        difference = np.array(actual, dtype=float) - np.array(control, dtype=float)
        summary.update({"mean_ratio_ci95": cluster_interval(actual, conversations, seed=seed),
                        "control_mean_ratio_ci95": cluster_interval(control, conversations, seed=seed),
                        "difference_ci95": cluster_interval(difference, conversations, seed=seed)})
    return summary


def summarize_rows(rows: list, seed: int = 0) -> dict:
    """`summarize` over `report.section_rows_of` rows (None ratios as NaN), with intervals
    over conversations."""
    pairs = [(r["doc_idx"], np.array([np.nan if x is None else x for x in r["ratios"]])) for r in rows]
    return summarize(pairs, seed, [r["conversation"] for r in rows])
