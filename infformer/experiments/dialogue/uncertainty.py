"""How far a mean over dialogue replies could move with other conversations: a cluster bootstrap.

Replies of one conversation share its film, its document and its topic, so they are not
independent draws; resampling whole conversations (with replacement) and recomputing the mean
over their replies gives an interval that respects that. Percentile interval, seeded, so a report
is reproducible to the digit.
"""
from __future__ import annotations

import numpy as np


def cluster_interval(values, clusters, *, level: float = 0.95, reps: int = 2000, seed: int = 0) -> list | None:
    """[low, high]: the percentile bootstrap interval of the mean of `values` (one per reply),
    resampling the `clusters` (one label per reply, e.g. its conversation). NaN values are left
    out; None when fewer than two clusters hold a value (no spread can be estimated)."""
    values = np.asarray(values, dtype=float)
    clusters = np.asarray(clusters)
    if values.shape != clusters.shape:
        raise ValueError(f"{values.shape[0]} values but {clusters.shape[0]} cluster labels")
    keep = np.isfinite(values)
    values, clusters = values[keep], clusters[keep]
    labels, index = np.unique(clusters, return_inverse=True)
    sums = np.bincount(index, weights=values, minlength=len(labels))
    counts = np.bincount(index, minlength=len(labels)).astype(float)
    return ratio_interval(sums, counts, level=level, reps=reps, seed=seed)


def ratio_interval(sums, counts, *, level: float = 0.95, reps: int = 2000, seed: int = 0) -> list | None:
    """[low, high]: the percentile bootstrap interval of sum(sums) / sum(counts), one entry per
    cluster resampled with replacement (e.g. a conversation's nats and its tokens: the interval of
    the pooled nats per token). None with fewer than two clusters."""
    sums, counts = np.asarray(sums, dtype=float), np.asarray(counts, dtype=float)
    if len(sums) < 2:
        return None
    draws = np.random.default_rng(seed).integers(0, len(sums), size=(reps, len(sums)))
    means = sums[draws].sum(axis=1) / counts[draws].sum(axis=1)
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return [float(low), float(high)]
