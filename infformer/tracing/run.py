"""Tracing: run a text through the model with recorders on the hook points (recorders of this call
only: see hooks.py) and return a frozen `Trace` (trace.py).
"""
from __future__ import annotations

import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..core.hooks import record
from ..core.memory import MemoryState
from ..core.model import InfFormer
from .record import Trace, _readonly, disjoint_offsets
from .snapshots import Snapshots, snapshot_limit

TOP_K = 5  # next-token predictions kept per position (40 bytes a token)
_LTM_HOOKS = ("mu", "sigma_sq", "bin_probs", "sample_positions", "update_kind", "coefficients",
              "local_out", "ltm_out", "heads", "context")
# the heads' outputs before W_O: of the local attention ("heads") and of the long-term read ("context")
_HEAD_OUTPUTS = {"heads": "attn", "context": "ltm"}


class _Recorder:
    """What every long-term-memory hook point passed during one segment, by `what` and layer."""

    def __init__(self, model: InfFormer):
        self.current: dict = {}
        self.model, self.grams = model, {}
        # this call's passes only, never another session's on the shared model
        self.hooks = record(model, lambda name: name.startswith("blocks.")
                            and name.rpartition(".hook_")[2] in _LTM_HOOKS, self._record)

    def _record(self, point, output):
        if point.what in ("local_out", "ltm_out"):  # kept as one norm per token, not e numbers
            output = output.detach().float().norm(dim=-1)
        elif point.what in _HEAD_OUTPUTS:  # one norm per token and head: ‖W_O,h o_h‖
            output = self._head_norms(point.what, point.layer, output.detach().float())
        self.current.setdefault(point.what, {})[point.layer] = output.detach()

    def _head_norms(self, what: str, layer: int, o: torch.Tensor) -> torch.Tensor:
        """o [B, T, H·d] -> [B, T, H]: the size of head h's term W_O[:, h] o_h of the projection's output
        (the terms sum to it, less W_O's bias, which belongs to no head). With G_h = W_hᵀW_h, ‖W_h o_h‖² =
        o_hᵀ G_h o_h: T·H·d² multiply-adds instead of T·H·d·e."""
        key = (what, layer)
        if key not in self.grams:
            W = getattr(self.model.blocks[layer], _HEAD_OUTPUTS[what]).out.weight.detach().float()  # [e, H·d]
            H = self.model.cfg.n_heads
            Wh = W.view(W.shape[0], H, -1)                                                       # [e, H, d]
            with torch.autocast(device_type=W.device.type, enabled=False):
                self.grams[key] = torch.einsum("ehd,ehk->hdk", Wh, Wh)                           # [H, d, d]
        G = self.grams[key]
        oh = o.view(*o.shape[:2], G.shape[0], G.shape[1])                                        # [B, T, H, d]
        with torch.autocast(device_type=o.device.type, enabled=False):  # a bf16 trace's hooks run under autocast
            return torch.einsum("bthd,hdk,bthk->bth", oh.float(), G, oh.float()).clamp_min(0).sqrt()

    def pop(self) -> dict:
        out, self.current = self.current, {}
        return out

    def remove(self):
        self.hooks.remove()


@torch.no_grad()
def run_with_trace(model: InfFormer, tokens, state: MemoryState | None = None, *, max_snapshots: int = 32,
                   keep_logits: bool = False, num_text_tokens: int | None = None, text: str = "",
                   offsets=None, on_segment=None, bf16: bool = False,
                   provenance: bool = False, pattern_tokens=None) -> tuple[Tensor | None, MemoryState, Trace]:
    """Run tokens [T] (or [1, T]) segment by segment with recorders attached; always removes them.

    Returns (logits [1, T, V] if keep_logits else None, final state, trace). `on_segment(done,
    total)` is called after each segment (progress bars). The logits equal `model(tokens, state)`.
    bf16: the model's matrix products under bf16 autocast (the memory's fit and read stay float32);
    for accelerators and CPUs with native bf16 (on one without, e.g. AMD EPYC without AVX-512 BF16,
    it is several times slower). tests/tracing/test_trace_bf16.py states how far such a trace may differ.
    provenance: for a fresh memory (state None), whether the model's state keeps its own token spans
    (capacity-bounded: `final_spans`). The trace replays every token's span from the recorded sample
    positions anyway (`Trace.spans_at`), so it is off by default: traces run ~13% faster. On, the
    final state's spans can be checked against the replay (the tests do).
    pattern_tokens: the tokens whose local attention weights over their window the trace keeps (every
    layer and head; `Trace.local_pattern`); default `pattern_rows`: the query's first 64 tokens, or the
    last 8 tokens of a text without a query.
    """
    if isinstance(tokens, np.ndarray) and not tokens.flags.writeable:  # e.g. another trace's (read-only) token_ids
        tokens = tokens.copy()
    tokens = torch.as_tensor(tokens)
    if tokens.dim() == 1:
        tokens = tokens[None]
    if tokens.shape[0] != 1 or tokens.shape[1] == 0:
        raise ValueError(f"run_with_trace takes one non-empty sequence, got shape {tuple(tokens.shape)}")
    cfg = model.cfg
    device = model.embed.weight.device
    tokens = tokens.to(device)
    T = tokens.shape[1]
    state = model.initial_state(1, device, provenance=provenance) if state is None else state
    Y, H, L = cfg.n_layers, cfg.n_heads, cfg.segment_len
    has_ltm = cfg.ltm is not None
    D = cfg.ltm.num_bins if has_ltm else 0
    M = cfg.ltm.num_samples if has_ltm else 0
    N = cfg.ltm.num_basis if has_ltm else 0

    mu = np.full((Y, T, H), np.nan, dtype=np.float32)
    sigma_sq = np.full((Y, T, H), np.nan, dtype=np.float32)
    token_loss = np.full(T, np.nan, dtype=np.float32)
    local_norm = np.zeros((Y, T), dtype=np.float32)    # ‖Z_local‖ and ‖Z_LTM‖ of each token in each layer
    ltm_norm = np.zeros((Y, T), dtype=np.float32)
    # the same per head (float16: for display; as large as μ and σ² together at half their precision)
    local_head_norm = np.zeros((Y, T, H), dtype=np.float16)
    ltm_head_norm = np.zeros((Y, T, H), dtype=np.float16)
    n_text = T if num_text_tokens is None else int(num_text_tokens)
    rows = pattern_rows(T, n_text) if pattern_tokens is None else sorted({int(t) for t in pattern_tokens if 0 <= t < T})
    K = cfg.compressive_len + cfg.stm_len + L                 # the longest local window: [compressed | STM | segment]
    local_pattern = np.zeros((Y, len(rows), H, K), dtype=np.float16)
    pattern_keys = np.full((len(rows), K), -1, dtype=np.int64)  # the traced token each key is (-1: none)
    top_ids = np.zeros((T, TOP_K), dtype=np.int32)       # each position's most likely next tokens ...
    top_probs = np.zeros((T, TOP_K), dtype=np.float32)   # ... and their probabilities (the Predictions page)
    segments, seconds = [], []
    upd_segment, upd_kind, upd_tokens, bins, samples = [], [], [], [], []
    snapshots = Snapshots(snapshot_limit(cfg, max_snapshots))
    logits_out = []

    # segment boundaries, aligned with the state's unfinished segment
    bounds, start = [], 0
    first = L - state.pending
    while start < T:
        end = min(T, start + (first if start == 0 else L))
        bounds.append((start, end))
        start = end

    token_offset = int(state.position[0])
    initial = state.layers
    recorder = _Recorder(model)
    prev_last_logits = None
    try:
        for s, (a, b) in enumerate(bounds):
            t0 = time.perf_counter()
            position_before = int(state.position[0])
            pending = int(state.pending)
            here = [(q, t) for q, t in enumerate(rows) if a <= t < b]
            patterns = {}
            listening = record(model, lambda name: name.endswith(".attn.hook_pattern"),
                               lambda point, w, kept=patterns: kept.__setitem__(point.layer, w)) if here else None
            try:
                with torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=bf16):
                    logits, state = model(tokens[:, a:b], state)
            finally:
                if listening is not None:
                    listening.remove()
            for q, t in here:  # key j of the window [compressed Cm | STM S | segment so far | new] is token ...
                Cm, first = cfg.compressive_len, a - pending - cfg.stm_len
                width = patterns[0].shape[-1]
                keys = np.arange(width) - Cm + first              # ... first + (j - Cm), a compressed slot none
                keys[(np.arange(width) < Cm) | (keys < 0)] = -1
                pattern_keys[q, :width] = keys
                for layer, w in patterns.items():
                    local_pattern[layer, q, :, :width] = w[0, :, t - a].float().cpu().numpy()
            seconds.append(time.perf_counter() - t0)
            segments.append((a, b))
            rec = recorder.pop()
            # per-token loss of the next token
            lp = F.log_softmax(logits[0].float(), -1)
            token_loss[a:b - 1] = -lp[:-1].gather(1, tokens[0, a + 1:b, None]).squeeze(1).cpu().numpy()
            if prev_last_logits is not None:
                token_loss[a - 1] = -float(prev_last_logits[tokens[0, a]])
            prev_last_logits = lp[-1]
            top = lp.topk(min(TOP_K, lp.shape[-1]), dim=-1)
            top_ids[a:b, :top.indices.shape[1]] = top.indices.cpu().numpy()
            top_probs[a:b, :top.values.shape[1]] = top.values.exp().cpu().numpy()
            if keep_logits:
                logits_out.append(logits.cpu())
            for layer, norm in rec.get("local_out", {}).items():
                local_norm[layer, a:b] = norm[0].cpu().numpy()
            for layer, norm in rec.get("ltm_out", {}).items():
                ltm_norm[layer, a:b] = norm[0].cpu().numpy()
            for layer, norm in rec.get("heads", {}).items():
                local_head_norm[layer, a:b] = norm[0].cpu().numpy()
            for layer, norm in rec.get("context", {}).items():
                if bool(state.layers[layer].filled[0]):  # an empty memory's read is multiplied by zero
                    ltm_head_norm[layer, a:b] = norm[0].cpu().numpy()
            if "mu" in rec:
                for layer in range(Y):
                    if bool(state.layers[layer].filled[0]):  # an empty memory was not read
                        mu[layer, a:b] = rec["mu"][layer][0].T.cpu().numpy()
                        sigma_sq[layer, a:b] = rec["sigma_sq"][layer][0].T.cpu().numpy()
            if "update_kind" in rec:
                u = len(upd_kind)
                kind = int(rec["update_kind"][0][0])
                first_token = position_before - L - cfg.stm_len
                upd_segment.append(s)
                upd_kind.append(kind)
                upd_tokens.append((max(first_token, 0), max(first_token + L, 0)))
                bins.append(np.stack([rec["bin_probs"][y][0].float().cpu().numpy() for y in range(Y)]))
                samples.append(np.stack([rec["sample_positions"][y][0].double().cpu().numpy() for y in range(Y)]))
                if kind and snapshots.wants(u):
                    snapshots.add(u, np.stack([rec["coefficients"][y][0].float().cpu().numpy() for y in range(Y)]))
            if on_segment is not None:
                on_segment(s + 1, len(bounds))
    finally:
        recorder.remove()

    def arr(x, shape, dtype=np.float32):
        return np.asarray(x, dtype=dtype).reshape(shape) if len(x) else np.zeros(shape, dtype=dtype)

    U = len(upd_kind)
    final = state.layers
    trace = Trace(
        config=cfg.to_dict(), token_ids=tokens[0].cpu().numpy(), token_loss=token_loss,
        top_ids=top_ids, top_probs=top_probs, local_norm=local_norm, ltm_norm=ltm_norm,
        local_head_norm=local_head_norm, ltm_head_norm=ltm_head_norm,
        pattern_tokens=np.asarray(rows, dtype=np.int64), local_pattern=local_pattern, local_pattern_keys=pattern_keys,
        segments=np.asarray(segments, dtype=np.int64), seconds=np.asarray(seconds),
        mu=mu, sigma_sq=sigma_sq,
        update_segment=arr(upd_segment, (U,), np.int64), update_kind=arr(upd_kind, (U,), np.int8),
        update_tokens=arr(upd_tokens, (U, 2), np.int64), bin_probs=arr(bins, (U, Y, D)),
        sample_positions=arr(samples, (U, Y, M), np.float64),
        snapshot_updates=np.asarray(snapshots.updates(), dtype=np.int64),
        coefficients=np.stack(snapshots.items()) if snapshots.kept else np.zeros((0, Y, N, cfg.d_model), np.float32),
        final_coefficients=np.stack([m.coefficients[0].float().cpu().numpy() for m in final]),
        final_spans=np.stack([m.spans[0].cpu().numpy() for m in final]),
        final_span_tokens=np.stack([m.span_tokens[0].cpu().numpy() for m in final]),
        initial_spans=np.stack([m.spans[0].cpu().numpy() for m in initial]),
        initial_span_tokens=np.stack([m.span_tokens[0].cpu().numpy() for m in initial]),
        token_offset=token_offset,
        basis_centers=model.basis.centers.numpy() if has_ltm else np.zeros(0, np.float32),
        basis_widths=model.basis.widths.numpy() if has_ltm else np.zeros(0, np.float32),
        num_text_tokens=T if num_text_tokens is None else int(num_text_tokens), text=text,
        offsets=None if offsets is None else np.asarray(offsets, dtype=np.int64),
    )
    for v in vars(trace).values():
        if isinstance(v, np.ndarray):
            _readonly(v)
    return (torch.cat(logits_out, 1) if keep_logits else None), state, trace


def pattern_rows(num_tokens: int, num_text_tokens: int, query_tokens: int = 64, last: int = 8) -> list:
    """The tokens whose local attention weights a trace keeps by default: the query's first
    `query_tokens` (the app's default query tokens), else the text's `last` tokens."""
    if num_text_tokens < num_tokens:
        return list(range(num_text_tokens, min(num_tokens, num_text_tokens + query_tokens)))
    return list(range(max(0, num_tokens - last), num_tokens))


def trace_text(model: InfFormer, tokenizer, text: str, query: str | None = None, **kwargs):
    """Tokenise text (and an optional query after it, separated by a blank line) and trace it."""
    full = text if not query else text.rstrip("\n") + "\n\n" + query
    ids, offsets = tokenizer.encode(full)
    if not ids:
        raise ValueError("the text has no tokens")
    offsets = disjoint_offsets(offsets)
    doc_end = len(text.rstrip("\n")) if query else len(full)
    num_text = int(np.searchsorted(np.asarray([o[0] for o in offsets]), doc_end, side="left")) if query else len(ids)
    return run_with_trace(model, torch.tensor(ids), num_text_tokens=num_text, text=full, offsets=offsets, **kwargs)
