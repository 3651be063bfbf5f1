"""The fit points of the memory updates, which the trace itself does not keep (the Memory signal
page draws them against the fitted curve).

Shape letters: Y layers, U memory updates, C provenance capacity, P fit points (M + L, or L at
the first write), e width, K snapshots.

- `trace_with_targets`: `trace_text` plus a recorder on the `hook_memory_vectors`,
  `hook_sample_positions`, `hook_update_kind` and `hook_coefficients` hook points that keeps, at
  the trace's coefficient snapshots, the points each fit was made through: the M old-signal
  samples placed in [0, τ] and the L incoming memory vectors in (τ, 1]. That is what the app
  draws as "the discrete memory vectors against the fitted curve".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..core.hooks import record
from ..core.memory import slot_midpoints
from ..core.regression import reconstruct
from .record import Trace
from .run import trace_text
from .snapshots import Snapshots, snapshot_limit


@dataclass(frozen=True, eq=False)
class FitTargets:
    """The points each kept fit went through. `values[i]` belongs to `updates[i]`."""

    updates: np.ndarray   # [K] update indices (those of the trace's coefficient snapshots)
    positions: list       # K arrays [P]: where each point sat in [0, 1]
    values: list          # K arrays [Y, P, e] float16: the old-signal samples, then the incoming vectors
    num_old: np.ndarray   # [K] how many of the P points are old-signal samples (0 at the first write)

    def at(self, update: int):
        """(positions [P], values [Y, P, e] float32, num_old) of one update, or None if not kept."""
        hit = np.flatnonzero(self.updates == update)
        if not len(hit):
            return None
        i = int(hit[0])
        return self.positions[i], self.values[i].astype(np.float32), int(self.num_old[i])

    def nbytes(self) -> int:
        return sum(v.nbytes for v in self.values) + sum(p.nbytes for p in self.positions)


class _TargetRecorder:
    """Keeps the fit points of the updates the trace will keep as snapshots (the same `Snapshots` rule)."""

    def __init__(self, model, max_snapshots: int):
        cfg = model.cfg
        self.basis, self.tau = model.basis, cfg.ltm.tau
        self.M, self.L, self.Y = cfg.ltm.num_samples, cfg.segment_len, cfg.n_layers
        self.update = -1
        self.snapshots = Snapshots(snapshot_limit(cfg, max_snapshots))  # update -> (positions, values [Y, P, e], num_old)
        self.prev: dict = {}     # layer -> coefficients before the current update [N, e]
        self.pending: dict = {}  # layer -> values this update
        self.kind = 0
        self.incoming: dict = {}
        self.samples: dict = {}
        self.hooks = record(model, ("memory_vectors", "sample_positions", "update_kind", "coefficients"), self._hook)

    @property
    def kept(self) -> dict:
        return self.snapshots.kept

    def _hook(self, point, output):
        layer, what = point.layer, point.what
        out = output.detach()[0]
        if what == "memory_vectors":
            self.incoming[layer] = out
        elif what == "sample_positions":
            self.samples[layer] = out
        elif what == "update_kind":
            if layer == 0:
                self.update += 1
                self.kind = int(out)
                self.pending = {}
        else:  # coefficients: the last hook of a layer's update
            keep = self.kind > 0 and self.snapshots.wants(self.update)
            if keep:
                if self.kind == 2:
                    old = reconstruct(self.prev[layer].to(self.incoming[layer].dtype), self.basis,
                                      self.samples[layer])
                    self.pending[layer] = torch.cat([old, self.incoming[layer]], 0)
                else:
                    self.pending[layer] = self.incoming[layer]
            self.prev[layer] = out
            if keep and layer == self.Y - 1:
                self._store()

    def _store(self):
        if self.kind == 2:
            positions = torch.cat([self.tau * slot_midpoints(self.M), slot_midpoints(self.L, self.tau, 1.0)])
            num_old = self.M
        else:
            positions, num_old = slot_midpoints(self.L), 0
        values = torch.stack([self.pending[y] for y in range(self.Y)]).float().cpu().numpy().astype(np.float16)
        self.snapshots.add(self.update, (positions.numpy(), values, num_old))

    def remove(self):
        self.hooks.remove()


def trace_with_targets(model, tokenizer, text: str, query: str | None = None, *, max_snapshots: int = 32,
                       on_segment=None, bf16: bool = False) -> tuple[Trace, FitTargets | None]:
    """`trace_text` (same arguments) plus the fit points at the trace's snapshot updates."""
    kwargs = dict(max_snapshots=max_snapshots, on_segment=on_segment, bf16=bf16)
    if model.cfg.ltm is None:
        _, _, trace = trace_text(model, tokenizer, text, query, **kwargs)
        return trace, None
    recorder = _TargetRecorder(model, max_snapshots)
    try:
        _, _, trace = trace_text(model, tokenizer, text, query, **kwargs)
    finally:
        recorder.remove()
    keep = [u for u in trace.snapshot_updates.tolist() if u in recorder.kept]
    targets = FitTargets(updates=np.asarray(keep, dtype=np.int64),
                         positions=[recorder.kept[u][0] for u in keep],
                         values=[recorder.kept[u][1] for u in keep],
                         num_old=np.asarray([recorder.kept[u][2] for u in keep], dtype=np.int64))
    return trace, targets
