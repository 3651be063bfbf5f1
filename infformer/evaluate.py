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


def perplexity_report(model: InfFormer, ids, position_bins: int = 10, on_segment=None) -> dict:
    """Perplexity over the text and in `position_bins` equal stretches of it (does memory help later?)."""
    if len(ids) < 2:
        raise ValueError("the text needs at least 2 tokens to score")
    t0 = time.perf_counter()
    losses = token_losses(model, ids, on_segment)
    seconds = time.perf_counter() - t0
    edges = np.linspace(0, len(losses), min(position_bins, len(losses)) + 1).round().astype(int)
    by_position = [{"start_token": int(a), "end_token": int(b), "perplexity": round(math.exp(losses[a:b].mean()), 4)}
                   for a, b in zip(edges[:-1], edges[1:]) if b > a]
    cfg = model.cfg
    settings = {"variant": cfg.variant, "segment_len": cfg.segment_len, "stm_len": cfg.stm_len,
                "layers": cfg.n_layers, "d_model": cfg.d_model}
    if cfg.ltm is not None:
        settings.update({"N": cfg.ltm.num_basis, "tau": cfg.ltm.tau, "M": cfg.ltm.num_samples,
                         "sticky": cfg.ltm.sticky, "D": cfg.ltm.num_bins, "seed": cfg.ltm.seed})
    if cfg.compressive_len:
        settings.update({"compressive_len": cfg.compressive_len, "compression_rate": cfg.compression_rate})
    return {"perplexity": round(math.exp(float(losses.mean())), 4), "tokens": int(len(losses)),
            "seconds": round(seconds, 3), "settings": settings, "by_position": by_position}
