"""Perplexity and bits per character of texts read with the memory carried from segment to segment,
overall and by position, optionally beside the same model with its long-term read zeroed.

Bits per character are comparable across tokenizers (perplexity per token is not): the nats of
every scored token, summed, over ln 2 and the characters those tokens cover.
"""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from ..core.model import InfFormer, long_term_read_zeroed
from ..tracing.record import disjoint_offsets


def token_losses(model: InfFormer, ids, on_segment=None) -> np.ndarray:
    """-log p(token i+1 | tokens ≤ i) for i < T-1, the text fed one segment at a time: [T - 1]."""
    return batched_token_losses(model, [ids], 1, on_segment)[0]


@torch.no_grad()
def batched_token_losses(model: InfFormer, documents, batch_size: int = 8, on_segment=None) -> list:
    """token_losses of several documents, `batch_size` at a time (each from an empty memory).

    Documents of a batch are padded at the end; a causal model's losses before the padding do
    not depend on it. Rows draw their own sticky samples, so with sticky memories a document's
    losses can differ from a lone run's in the last digits.
    """
    device = model.embed.weight.device
    L = model.cfg.segment_len
    order = sorted(range(len(documents)), key=lambda i: -len(documents[i]))
    out = [None] * len(documents)
    total = sum(math.ceil((len(documents[i]) - 1) / L) for i in order[::batch_size])
    done = 0
    for b in range(0, len(order), batch_size):
        rows = order[b:b + batch_size]
        T = len(documents[rows[0]])
        ids = torch.zeros(len(rows), T, dtype=torch.long, device=device)
        for r, i in enumerate(rows):
            ids[r, :len(documents[i])] = torch.as_tensor(documents[i], dtype=torch.long)
        state, losses = model.initial_state(len(rows), device, provenance=False), []  # scoring reads no spans
        for start in range(0, T - 1, L):
            end = min(start + L, T - 1)
            logits, state = model(ids[:, start:end], state)
            # over [B·T, V] rows: the [B, V, T] view (vocabulary strided) sums its softmax less exactly,
            # ~1e-4 nats a token low on SmolLM2's 49,152 (tests/training/test_evaluate.py)
            nats = F.cross_entropy(logits.float().flatten(0, 1), ids[:, start + 1:end + 1].flatten(), reduction="none")
            losses.append(nats.view(len(rows), -1).cpu())
            done += 1
            if on_segment is not None:
                on_segment(done, total)
        losses = torch.cat(losses, 1).numpy()
        for r, i in enumerate(rows):
            out[i] = losses[r, :len(documents[i]) - 1]
    return out


def surprisal_without_ltm_read(model: InfFormer, token_ids, on_segment=None, bf16: bool = False) -> np.ndarray:
    """[T] nats each token costs when the long-term memory's read is zeroed (written and read, not
    added), aligned with `Trace.surprisal` (NaN for the first token): their difference is what the
    memory was worth at each token. Runs on the shared model itself (`long_term_read_zeroed`: this
    thread only), never a copy; `bf16` as the trace was run."""
    ids = list(np.asarray(token_ids).tolist())
    if len(ids) < 2:
        return np.full(len(ids), np.nan, dtype=np.float32)
    device = model.embed.weight.device.type
    with long_term_read_zeroed(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
        losses = token_losses(model, ids, on_segment)
    return np.concatenate([[np.nan], losses]).astype(np.float32)


def _pooled(losses: np.ndarray, chars: np.ndarray | None) -> dict:
    if not len(losses):  # e.g. a position bin that holds only a dialogue's document (nothing scored)
        return {"tokens": 0, "perplexity": None, **({"characters": 0, "bits_per_character": None} if chars is not None else {})}
    out = {"tokens": int(len(losses)), "perplexity": round(math.exp(float(losses.mean())), 4)}
    if chars is not None:
        out["characters"] = int(chars.sum())
        out["bits_per_character"] = round(float(losses.sum()) / math.log(2) / max(1, int(chars.sum())), 4)
    return out


def perplexity_report(model: InfFormer, documents, position_bins: int = 10, on_segment=None, *,
                      characters=None, scored=None, ablated: InfFormer | None = None, batch_size: int = 1,
                      token_losses: list | None = None) -> dict:
    """Perplexity of `documents` (token sequences, each read from an empty memory), pooled over all
    their tokens, per document, and by relative position: bin k pools the k-th of `position_bins`
    equal stretches of every document, so "does memory help later?" reads off one curve.

    characters: per document, the characters each predicted token covers ([T - 1], token i + 1's),
      for bits per character. scored: per document, a [T - 1] bool mask of the predictions that
      count (e.g. only a dialogue's turns after its document); the rest still feed the memory.
    ablated: the same model with its long-term read zeroed (`ablate_read`); its numbers are
      reported beside (`without_ltm_read`, and per position bin).
    token_losses: per document, `model`'s [T - 1] token losses already computed (e.g. from traces that were
      needed anyway: `dialogue evaluate --section-attention`), so the model is not run again for them.
    """
    documents = [list(d) for d in documents]
    if not documents or any(len(d) < 2 for d in documents):
        raise ValueError("every text needs at least 2 tokens to score")
    t0 = time.perf_counter()
    if token_losses is not None and [len(x) for x in token_losses] != [len(d) - 1 for d in documents]:
        raise ValueError("token_losses must give each document's T - 1 predicted tokens")
    runs = ([model] if token_losses is None else []) + ([ablated] if ablated is not None else [])
    longest_first = sorted((len(d) for d in documents), reverse=True)  # batched_token_losses' batches
    segments = sum(math.ceil((n - 1) / model.cfg.segment_len) for n in longest_first[::batch_size])

    def progress(offset):
        return None if on_segment is None else (lambda k, _: on_segment(offset + k, segments * len(runs)))

    all_losses = [batched_token_losses(m, documents, batch_size, progress(k * segments)) for k, m in enumerate(runs)]
    if token_losses is not None:
        all_losses.insert(0, [np.asarray(x, np.float32) for x in token_losses])
    seconds = time.perf_counter() - t0
    masks = [np.ones(len(d) - 1, bool) for d in documents] if scored is None else [np.asarray(s, bool) for s in scored]
    chars = None if characters is None else [np.asarray(c, np.int64) for c in characters]

    def pick(per_doc, k=None, edges=None):
        parts, cparts = [], []
        for i, l in enumerate(per_doc):
            sl = slice(None) if k is None else slice(edges[i][k], edges[i][k + 1])
            parts.append(l[sl][masks[i][sl]])
            if chars is not None:
                cparts.append(chars[i][sl][masks[i][sl]])
        return np.concatenate(parts), (np.concatenate(cparts) if chars is not None else None)

    per_doc = all_losses[0]
    bins = max(1, min(position_bins, min(len(l) for l in per_doc)))
    edges = [np.linspace(0, len(l), bins + 1).round().astype(int) for l in per_doc]
    by_position = []
    for k in range(bins):
        entry = {"start_fraction": round(k / bins, 4), "end_fraction": round((k + 1) / bins, 4),
                 **_pooled(*pick(per_doc, k, edges))}
        if len(per_doc) == 1:
            entry.update(start_token=int(edges[0][k]), end_token=int(edges[0][k + 1]))
        if ablated is not None:
            other = _pooled(*pick(all_losses[1], k, edges))
            entry.update({f"{name}_without_ltm_read": v for name, v in other.items()
                          if name in ("perplexity", "bits_per_character")})
        by_position.append(entry)
    losses, scored_chars = pick(per_doc)
    if not len(losses):
        raise ValueError("no token is scored")
    cfg = model.cfg
    settings = {"variant": cfg.variant, "segment_len": cfg.segment_len, "stm_len": cfg.stm_len,
                "layers": cfg.n_layers, "d_model": cfg.d_model}
    if cfg.ltm is not None:
        settings.update({"N": cfg.ltm.num_basis, "tau": cfg.ltm.tau, "M": cfg.ltm.num_samples,
                         "sticky": cfg.ltm.sticky, "D": cfg.ltm.num_bins, "seed": cfg.ltm.seed})
    if cfg.compressive_len:
        settings.update({"compressive_len": cfg.compressive_len, "compression_rate": cfg.compression_rate})
    documents_out = []
    for i, l in enumerate(per_doc):
        keep = masks[i]
        if not keep.any():
            documents_out.append({"tokens": 0})
            continue
        # exact nats beside the rounded perplexity, so reports of parts of a corpus pool exactly
        entry = {**_pooled(l[keep], chars[i][keep] if chars is not None else None), "nats": round(float(l[keep].sum()), 4)}
        if ablated is not None:
            entry["nats_without_ltm_read"] = round(float(all_losses[1][i][keep].sum()), 4)
        documents_out.append(entry)
    report = {**_pooled(losses, scored_chars), "seconds": round(seconds, 3), "settings": settings,
              "by_position": by_position, "documents": documents_out}
    if ablated is not None:
        report["without_ltm_read"] = _pooled(*pick(all_losses[1]))
    return report


def predicted_characters(offsets) -> np.ndarray:
    """Characters covered by each predicted token (tokens 1 … T-1), multi-byte pieces counted once: [T - 1]."""
    o = disjoint_offsets(offsets)
    return (o[1:, 1] - o[1:, 0]).astype(np.int64)
