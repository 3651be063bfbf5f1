"""The paper's Figure 4 made measurable: while the model reads a reply, does its long-term memory
look at the document section the reply's writer was looking at?

Every CMU-DoG turn records `docIdx`, the section (0-3) shown to its writer. For a reply, the
queries are the positions that predict its tokens (the label's last token up to the reply's
second to last); the region is the section's tokens. `region_attention` (regions.py) gives the
share of the memory's attention that lands on the region against the region's share of the memory
(over layers and heads); their ratio is 1.0 when the memory looks there only as often as its size
would have it. Averaged over replies, the ratio for the writer's section is the measure; the same
average with `docIdx` shuffled across the replies (seeded) is its control.

CMU-DoG shows the sections in order as a conversation goes on (section 0 near turn 5, section 3 near
turn 31), and what a memory reads changes with the turn, so a control shuffled across all replies also
shuffles times. The turn-matched control shuffles `docIdx` only among replies at the same turn of their
conversations: a memory whose reading depends only on how far the conversation has gone scores the same
on the writer's section as on it.
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


def shuffled_within(doc_idx: list, strata: list, seed: int) -> list:
    """doc_idx permuted (seeded) among the replies of each stratum only (one stratum: all of them)."""
    rng = random.Random(seed)
    out = doc_idx[:]
    groups: dict = {}
    for i, s in enumerate(strata):
        groups.setdefault(s, []).append(i)
    for members in groups.values():   # in order of first appearance: the same seed, the same draw
        drawn = [doc_idx[i] for i in members]
        rng.shuffle(drawn)
        for i, d in zip(members, drawn, strict=True):
            out[i] = d
    return out


def summarize(rows: list, seed: int = 0, conversations: list | None = None, turns: list | None = None) -> dict:
    """rows: (doc_idx, ratios [S]) per reply. The mean ratio on the writer's section, and on a
    section drawn by shuffling doc_idx across the replies (the control); NaN ratios left out.
    With each reply's conversation, also 95% intervals from a bootstrap over conversations of both
    means and of their difference (writer's section minus control, reply by reply). With each
    reply's turn, also the turn-matched control (`turn_control_*`, doc_idx shuffled among the replies
    at the same turn) and the share of replies it gave another section than the writer's (where it
    gave the same, the difference is 0 by construction)."""
    doc_idx = [d for d, _ in rows]
    shuffled = shuffled_within(doc_idx, [0] * len(rows), seed)
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
    if turns is not None:
        matched = shuffled_within(doc_idx, turns, seed)
        turn_control = [r[d] for d, (_, r) in zip(matched, rows, strict=True)]
        summary.update({"turn_control_mean_ratio": mean(turn_control),
                        "turn_control_other_section": float(np.mean([a != b for a, b in zip(matched, doc_idx, strict=True)]))
                        if rows else None})
        if conversations is not None:
            difference = np.array(actual, dtype=float) - np.array(turn_control, dtype=float)
            summary.update({"turn_control_mean_ratio_ci95": cluster_interval(turn_control, conversations, seed=seed),
                            "turn_difference_ci95": cluster_interval(difference, conversations, seed=seed)})
    return summary


def summarize_rows(rows: list, seed: int = 0) -> dict:
    """`summarize` over `report.section_rows_of` rows (None ratios as NaN), with intervals
    over conversations, and the turn-matched control where every row has its turn."""
    pairs = [(r["doc_idx"], np.array([np.nan if x is None else x for x in r["ratios"]])) for r in rows]
    turns = [r["turn"] for r in rows] if all("turn" in r for r in rows) else None
    return summarize(pairs, seed, [r["conversation"] for r in rows], turns)
