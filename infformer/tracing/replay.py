"""Provenance replayed: where every token of a trace sits in the memory after any update, rebuilt
from what the trace recorded (each update's sample positions and token range) with the core's own
`push_spans`. The record (`record.Trace`) keeps only those inputs; this module rebuilds the rest.
"""
from __future__ import annotations

import torch
from torch import Tensor

from ..core.memory import push_spans, token_slots


def spans_at(trace, updates, layer: int) -> dict:
    """{update: (spans [K, 2], tokens [K])} in the memory of `layer` after each of `updates` (-1:
    before any), replayed from the trace's recorded sample positions in one pass.

    Complete provenance: every token that entered the memory keeps its span, exact in float64
    however small, and is forgotten only when its span underflows to width zero (b == a in
    float64). The model's state keeps at most `span_capacity` spans per layer to stay
    bounded; the replay is not bounded by it (K grows with the text, 16 bytes per token).

    Token numbers count from the memory's last reset, like the model state's `span_tokens`: the
    traced token i is number `token_offset + i` (the same for a trace of a fresh memory)."""
    wanted = {int(u) for u in updates}
    tau = trace.ltm["tau"]
    spans, tokens = keep_unforgotten(torch.tensor(trace.initial_spans[layer][None]),
                                     torch.tensor(trace.initial_span_tokens[layer][None]))
    out = {}
    if -1 in wanted:
        out[-1] = (spans[0].numpy(), tokens[0].numpy())
    for u in range(max(wanted, default=-1) + 1):
        kind = int(trace.update_kind[u])
        if kind:
            start, end = (int(x) for x in trace.update_tokens[u])
            if kind == 2:
                spans = push_spans(spans, torch.tensor(trace.sample_positions[u, layer][None]), tau)
                edges = token_slots(end - start, tau, 1.0)
            else:
                edges = token_slots(end - start)
            entered = torch.stack([edges[:-1], edges[1:]], -1)[None]
            spans, tokens = keep_unforgotten(torch.cat([spans, entered], 1),
                                             torch.cat([tokens, torch.arange(start, end)[None]], 1))
        if u in wanted:
            out[u] = (spans[0].numpy(), tokens[0].numpy())
    return out


def keep_unforgotten(spans: Tensor, tokens: Tensor) -> tuple[Tensor, Tensor]:
    """Drop empty slots and spans that underflowed to width zero; keep the rest in order: [1, K, 2], [1, K]."""
    keep = (tokens[0] >= 0) & (spans[0, :, 1] > spans[0, :, 0])
    return spans[:, keep], tokens[:, keep]
