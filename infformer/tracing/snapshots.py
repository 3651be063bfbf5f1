"""Which memory updates keep a coefficient snapshot: a bounded choice for a text of any length.

Every `stride`-th update is kept; when more than `limit` are kept, every other one is dropped and
the stride doubles. So at most `limit` snapshots, spread evenly over the text, whatever its length.
The trace (`run`) and its fit points (`fit_targets`) keep the same updates by this one rule.
"""
from __future__ import annotations

SNAPSHOT_BYTES = 96_000_000  # coefficient snapshots of one trace at most (float32), whatever the model


def snapshot_limit(cfg, requested: int) -> int:
    """At most `requested` snapshots, fewer where one snapshot of every layer is large (SmolLM2 with
    N = 256: 30 layers × 256 × 576 floats = 18 MB a snapshot, so 5 instead of 32), so a trace stays
    bounded for any model; at least 2 (the first update and the last ones)."""
    per_snapshot = cfg.n_layers * cfg.ltm.num_basis * cfg.d_model * 4 if cfg.ltm is not None else 1
    return max(2, min(requested, SNAPSHOT_BYTES // per_snapshot))


class Snapshots:
    """{update: item} for at most `limit` updates, spread evenly (see the module docstring)."""

    def __init__(self, limit: int):
        self.limit, self.stride, self.kept = limit, 1, {}

    def wants(self, update: int) -> bool:
        return update % self.stride == 0

    def add(self, update: int, item) -> None:
        self.kept[update] = item
        if len(self.kept) > self.limit:
            keys = sorted(self.kept)
            self.kept = {k: self.kept[k] for k in keys[::2]}
            self.stride *= 2

    def updates(self) -> list:
        return sorted(self.kept)

    def items(self) -> list:
        return [self.kept[u] for u in self.updates()]
