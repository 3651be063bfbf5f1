"""Where the memory's attention lands on a region of the text, against the region's share of the memory.

For the queries' Gaussians N(μ, σ²), the attention mass on a token is Φ((b−μ)/σ) − Φ((a−μ)/σ)
over its span [a, b] in the memory the query read (DESIGN §3). Over all layers and heads:
  attention_fraction = mass on the region's tokens / mass on all tokens in the memory
  memory_share       = Σ span widths of the region's tokens / Σ span widths of all tokens
  ratio              = attention_fraction / memory_share   (1.0: the region gets what its size
                       alone would give it; above 1: the memory looks there on purpose)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .record import Trace, phrase_shares, sentence_bounds, span_mass_sum, traced_tokens


def shorten(text: str, max_chars: int) -> str:
    """One line of at most about max_chars characters, its middle cut out."""
    text = " ".join(text.split())
    if len(text) <= max_chars:
        return text
    half = (max_chars - 3) // 2
    return text[:half] + " … " + text[-half:]


def region_attention(trace: Trace, region_tokens, queries=None) -> dict:
    """region_tokens: indices of the traced tokens that form the region; queries: token indices
    (default: the trace's query tokens, or its last segment)."""
    return regions_attention(trace, [region_tokens], queries)[0]


def regions_attention(trace: Trace, regions: list, queries=None) -> list:
    """`region_attention` of each region (a list of token indices each) for the same queries, in one
    pass: the memory's history is replayed and each span's attention mass computed once for all the
    regions (Figure 4 asks for a document's four sections at every reply: a quarter of the time)."""
    queries = trace.default_queries() if queries is None else np.atleast_1d(np.asarray(queries, dtype=np.int64))
    in_region = np.zeros((len(regions), trace.num_tokens), bool)
    for r, tokens in enumerate(regions):
        in_region[r, np.asarray(tokens, dtype=np.int64)] = True
    by_update: dict = {}
    for q in queries:
        by_update.setdefault(trace.memory_seen_by(trace.segment_of(int(q))), []).append(int(q))
    mass = np.zeros(len(regions))    # on each region
    width = np.zeros(len(regions))
    mass_all = width_all = 0.0       # on every token in the memory
    for layer in range(trace.num_layers):
        history = trace.spans_at([u for u in by_update if u >= 0], layer)
        for update, qs in by_update.items():
            if update < 0:
                continue
            spans, tokens = history[update]
            traced = tokens - trace.token_offset
            keep = (tokens >= 0) & (traced >= 0) & (traced < trace.num_tokens)
            spans, traced = spans[keep], traced[keep]
            region = in_region[:, traced]                 # [R, C]
            mu = trace.mu[layer, qs].reshape(-1)
            sigma_sq = trace.sigma_sq[layer, qs].reshape(-1)
            m = span_mass_sum(spans, mu, sigma_sq)        # [C], summed over the queries
            mass += region @ m
            mass_all += m.sum()
            w = spans[:, 1] - spans[:, 0]
            width += len(qs) * (region @ w)               # weighted like the masses
            width_all += len(qs) * w.sum()
    out = []
    for r in range(len(regions)):
        fraction = mass[r] / mass_all if mass_all > 0 else float("nan")
        share = width[r] / width_all if width_all > 0 else float("nan")
        out.append({"attention_fraction": float(fraction), "memory_share": float(share),
                    "ratio": float(fraction / share) if share > 0 else float("nan"), "queries": int(len(queries))})
    return out


def tokens_in_chars(offsets, start: int, end: int) -> np.ndarray:
    """Indices of the tokens that overlap characters [start, end)."""
    o = np.asarray(offsets, dtype=np.int64).reshape(-1, 2)
    return np.flatnonzero((o[:, 1] > start) & (o[:, 0] < end))


def shares_by_part(trace: Trace, layer: int, parts: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """The share of the memory (Σ span widths) held by each of `parts` equal stretches of the text
    after every update: ([U, P] shares, [P + 1] token edges). A part not yet written holds 0; with
    linear sampling a written part's share falls by τ per update."""
    T = trace.num_text_tokens
    edges = np.unique(np.linspace(0, T, min(parts, T) + 1).round().astype(np.int64))
    U = trace.num_updates
    out = np.zeros((U, len(edges) - 1))
    history = trace.spans_at(range(U), layer)
    for u in range(U):
        spans, tokens = history[u]
        traced = tokens - trace.token_offset
        keep = (tokens >= 0) & (traced >= 0) & (traced < T)
        part = np.searchsorted(edges, traced[keep], side="right") - 1
        np.add.at(out[u], part, spans[keep, 1] - spans[keep, 0])
    return out, edges


# ----------------------------------------------------------------------------- excerpts and phrases
def excerpt_table(trace: Trace, mass, top: int = 5, max_chars: int = 160) -> pd.DataFrame:
    """The sentences of the document ranked by the attention mass their tokens received."""
    bounds = sentence_bounds(trace.text, trace.offsets, trace.num_text_tokens)
    mass = np.asarray(mass, dtype=np.float64)
    csum = np.concatenate([[0.0], np.cumsum(mass[:trace.num_text_tokens])])
    score = csum[bounds[:, 1]] - csum[bounds[:, 0]]
    total = max(csum[-1], 1e-30)
    order = np.argsort(-score)[:top]
    offsets = trace.offsets
    return pd.DataFrame({
        "rank": np.arange(1, len(order) + 1),
        "score": score[order],
        "share of mass": score[order] / total,
        "tokens": [f"{bounds[i, 0]}–{bounds[i, 1] - 1}" for i in order],
        "excerpt": [shorten(trace.text[offsets[bounds[i, 0], 0]:offsets[bounds[i, 1] - 1, 1]], max_chars) for i in order],
    })


def densest_window(mass, num_tokens: int, width: int) -> int:
    """Start of the width-token window of the document that received the most mass."""
    if num_tokens <= width:
        return 0
    csum = np.concatenate([[0.0], np.cumsum(np.asarray(mass, dtype=np.float64)[:num_tokens])])
    return int(np.argmax(csum[width:] - csum[:-width]))


def token_widths(trace: Trace, layer: int) -> np.ndarray:
    """Width of every document token's span in the final memory [T_text] (0: not held or forgotten)."""
    spans, span_tokens = trace.final_provenance(layer)
    tokens = traced_tokens(trace, span_tokens)
    keep = (tokens >= 0) & (tokens < trace.num_text_tokens)
    widths = np.zeros(trace.num_text_tokens)
    widths[tokens[keep]] = spans[keep, 1] - spans[keep, 0]
    return widths


def phrase_table(trace: Trace, layer: int, max_chars: int = 56) -> pd.DataFrame:
    """Every sentence (or phrase) of the text with the share of the final memory it holds
    (Σ (b − a) over its tokens), in text order."""
    bounds = sentence_bounds(trace.text, trace.offsets, trace.num_text_tokens)
    spans, span_tokens = trace.final_provenance(layer)
    shares = phrase_shares(spans, traced_tokens(trace, span_tokens), bounds)
    offsets = trace.offsets
    texts = [shorten(trace.text[offsets[a, 0]:offsets[b - 1, 1]], max_chars) for a, b in bounds]
    return pd.DataFrame({"phrase": texts, "first_token": bounds[:, 0], "tokens": bounds[:, 1] - bounds[:, 0],
                         "share": shares})


@dataclass(frozen=True)
class ExcerptView:
    """What the Excerpts page shows, from one call: the mass each token received, the top sentences,
    and where the densest `window` tokens start."""

    mass: np.ndarray          # [T] mass each token received from the queries (layers and heads averaged)
    table: pd.DataFrame       # excerpt_table
    window_start: int         # densest_window over the document
    share: np.ndarray         # [T_text] each document token's share of the final memory (last layer)


NEGLIGIBLE = 1e-6  # a token holding less of the memory than this is beyond its horizon (forgotten)


def memory_share(trace: Trace, layer: int | None = None) -> np.ndarray:
    """Each document token's share of the final memory [T_text] (its span's width over all widths;
    the last layer unless named), 0 for tokens still in the local window or never written."""
    widths = token_widths(trace, trace.num_layers - 1 if layer is None else layer)
    total = widths.sum()
    return widths / total if total > 0 else widths


def written_tokens(trace: Trace) -> int:
    """How many of the document's tokens were written to the long-term memory (the rest are still in
    the local window)."""
    written = np.flatnonzero(trace.update_kind > 0)
    return min(trace.num_text_tokens, int(trace.update_tokens[written[-1], 1])) if len(written) else 0


def forgotten_stretches(share: np.ndarray, held: int, min_tokens: int = 1) -> list:
    """[start, end) token ranges of the first `held` document tokens (those that were written to the
    long-term memory) whose share is below NEGLIGIBLE: what lies beyond the memory's horizon."""
    low = np.zeros(len(share) + 2, dtype=np.int8)
    low[1:-1] = share < NEGLIGIBLE
    low[1 + held:] = 0
    edges = np.flatnonzero(np.diff(low))
    return [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2]) if b - a >= min_tokens]


def excerpt_view(trace: Trace, queries, layers=None, heads=None, top: int = 5, window: int = 4000) -> ExcerptView:
    mass = trace.token_attention(list(queries), layers=layers, heads=heads)
    return ExcerptView(mass, excerpt_table(trace, mass, top=top), densest_window(mass, trace.num_text_tokens, window),
                       memory_share(trace))
