"""Perplexity of a text read with the memory carried from segment to segment, overall and by position."""
from __future__ import annotations

import math
import time

import numpy as np
import torch
import torch.nn.functional as F

from .model import InfFormer


@torch.no_grad()
def token_losses(model: InfFormer, ids, on_segment=None) -> np.ndarray:
    """-log p(token i+1 | tokens ≤ i) for i < T-1, the text fed one segment at a time: [T - 1]."""
    ids = torch.as_tensor(ids, dtype=torch.long, device=model.embed.weight.device)[None]
    L, T = model.cfg.segment_len, ids.shape[1]
    losses, state = [], None
    segments = range(0, T - 1, L)
    for k, start in enumerate(segments):
        end = min(start + L, T - 1)
        logits, state = model(ids[:, start:end], state)
        losses.append(F.cross_entropy(logits[0].float(), ids[0, start + 1:end + 1], reduction="none").cpu())
        if on_segment is not None:
            on_segment(k + 1, len(segments))
    return torch.cat(losses).numpy()


def perplexity_report(model: InfFormer, documents, position_bins: int = 10, on_segment=None) -> dict:
    """Perplexity of `documents` (token sequences, each read from an empty memory), pooled over all
    their tokens, per document, and by relative position: bin k pools the k-th of `position_bins`
    equal stretches of every document, so "does memory help later?" reads off one curve."""
    documents = [list(d) for d in documents]
    if not documents or any(len(d) < 2 for d in documents):
        raise ValueError("every text needs at least 2 tokens to score")
    t0 = time.perf_counter()
    total_segments = sum(math.ceil((len(d) - 1) / model.cfg.segment_len) for d in documents)
    done = 0

    def progress(k, _):
        if on_segment is not None:
            on_segment(done + k, total_segments)

    per_doc = []
    for d in documents:
        per_doc.append(token_losses(model, d, progress))
        done += math.ceil((len(d) - 1) / model.cfg.segment_len)
    seconds = time.perf_counter() - t0
    bins = max(1, min(position_bins, min(len(l) for l in per_doc)))
    edges = [np.linspace(0, len(l), bins + 1).round().astype(int) for l in per_doc]
    by_position = []
    for k in range(bins):
        pooled = np.concatenate([l[e[k]:e[k + 1]] for l, e in zip(per_doc, edges)])
        entry = {"start_fraction": round(k / bins, 4), "end_fraction": round((k + 1) / bins, 4),
                 "tokens": int(len(pooled)), "perplexity": round(math.exp(float(pooled.mean())), 4)}
        if len(per_doc) == 1:
            entry.update(start_token=int(edges[0][k]), end_token=int(edges[0][k + 1]))
        by_position.append(entry)
    losses = np.concatenate(per_doc)
    cfg = model.cfg
    settings = {"variant": cfg.variant, "segment_len": cfg.segment_len, "stm_len": cfg.stm_len,
                "layers": cfg.n_layers, "d_model": cfg.d_model}
    if cfg.ltm is not None:
        settings.update({"N": cfg.ltm.num_basis, "tau": cfg.ltm.tau, "M": cfg.ltm.num_samples,
                         "sticky": cfg.ltm.sticky, "D": cfg.ltm.num_bins, "seed": cfg.ltm.seed})
    if cfg.compressive_len:
        settings.update({"compressive_len": cfg.compressive_len, "compression_rate": cfg.compression_rate})
    return {"perplexity": round(math.exp(float(losses.mean())), 4), "tokens": int(len(losses)),
            "seconds": round(seconds, 3), "settings": settings, "by_position": by_position,
            "documents": [{"tokens": int(len(l)), "perplexity": round(math.exp(float(l.mean())), 4)} for l in per_doc]}
