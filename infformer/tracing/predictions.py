"""What the model made of a text, token by token: what each token cost (surprisal), what the model
expected instead (top-k predictions), what the long-term memory was worth at each token (the same
text with the read zeroed), and these pooled over equal stretches of the text. Also finding a word in
the text, to make it a query. Pure functions of a trace and arrays; the ablated losses come from
`training.evaluate.surprisal_without_ltm_read`.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .record import Trace, disjoint_offsets


def token_characters(trace: Trace) -> np.ndarray:
    """[T] characters each token covers (multi-byte pieces counted once), for bits per character."""
    o = disjoint_offsets(trace.offsets) if trace.offsets is not None else np.zeros((trace.num_tokens, 2), np.int64)
    return (o[:, 1] - o[:, 0]).astype(np.int64)


def costs_on_tokens(a: Trace, b: Trace) -> np.ndarray:
    """[T_a] what trace b's model paid for the characters of each of a's tokens: b's tokens may cut the
    same text elsewhere (another tokenizer), so each of b's token costs is spread evenly over the
    characters it covers and summed over each of a's tokens. Same tokens: b's surprisal itself.
    NaN where a's token has no cost (its first) or covers no character b paid for (b's first token).
    Both traces must be of the same text."""
    if a.text != b.text:
        raise ValueError("the two traces are of different texts")
    sb = b.surprisal()
    if a.offsets is not None and b.offsets is not None and np.array_equal(a.token_ids, b.token_ids) \
            and np.array_equal(a.offsets, b.offsets):
        return sb.astype(np.float64)
    per_char = np.zeros(len(a.text) + 1, np.float64)
    paid = np.zeros(len(a.text) + 1, bool)
    ob = disjoint_offsets(b.offsets)
    for (s, e), cost in zip(ob, sb, strict=True):
        if e > s and not np.isnan(cost):
            per_char[s:e] = cost / (e - s)
            paid[s:e] = True
    cum, cum_paid = np.concatenate([[0.0], np.cumsum(per_char)]), np.concatenate([[0], np.cumsum(paid)])
    oa = disjoint_offsets(a.offsets)
    out = cum[oa[:, 1]] - cum[oa[:, 0]]
    out[(cum_paid[oa[:, 1]] - cum_paid[oa[:, 0]]) == 0] = np.nan
    out[np.isnan(a.surprisal())] = np.nan
    return out


def scores(losses, characters) -> dict:
    """Perplexity and bits per character of the tokens with a loss (NaN: not scored)."""
    losses, characters = np.asarray(losses, np.float64), np.asarray(characters, np.int64)
    keep = ~np.isnan(losses)
    n, chars = int(keep.sum()), int(characters[keep].sum())
    if not n:
        return {"tokens": 0, "perplexity": None, "bits_per_character": None}
    nats = float(losses[keep].sum())
    return {"tokens": n, "perplexity": math.exp(nats / n), "bits_per_character": nats / math.log(2) / max(1, chars)}


def stretch_table(trace: Trace, parts: int = 10, without=None) -> pd.DataFrame:
    """The document (the query excluded) in `parts` equal stretches of tokens: perplexity and bits per
    character of each, and with `without` (surprisal with the read zeroed, [T]) the same numbers
    without the memory and what it was worth (nats per token, positive: it helped)."""
    n = trace.num_text_tokens
    surprisal, chars = trace.surprisal()[:n], token_characters(trace)[:n]
    edges = np.linspace(0, n, max(1, min(parts, n)) + 1).round().astype(int)
    rows = []
    for k in range(len(edges) - 1):
        a, b = edges[k], edges[k + 1]
        row = {"stretch": k + 1, "tokens": f"{a:,}–{b - 1:,}", **_named(scores(surprisal[a:b], chars[a:b]))}
        if without is not None:
            other = scores(np.asarray(without)[a:b], chars[a:b])
            row["perplexity without the memory"] = other["perplexity"]
            row["memory worth (nats/token)"] = float(np.nanmean(np.asarray(without)[a:b] - surprisal[a:b])) \
                if row["scored"] else None
        rows.append(row)
    return pd.DataFrame(rows)


def _named(s: dict) -> dict:
    return {"scored": s["tokens"], "perplexity": s["perplexity"], "bits per character": s["bits_per_character"]}


def worth(trace: Trace, without) -> np.ndarray:
    """[T] nats the long-term read saved at each token: its surprisal with the read zeroed minus with
    it (positive: the memory helped; negative: it hurt; NaN for the first token)."""
    return np.asarray(without, np.float32) - trace.surprisal()


def predictions(trace: Trace, token: int, decode) -> list:
    """The model's top next-token guesses *for* `token` (made at the position before it):
    [(text, probability)], `decode(ids) -> str`. Empty for the first token."""
    if token <= 0 or trace.top_ids is None:
        return []
    return [(decode([int(i)]), float(p)) for i, p in zip(trace.top_ids[token - 1], trace.top_probs[token - 1],
                                                          strict=True)]


def find_phrase(trace: Trace, phrase: str, limit: int = 200) -> np.ndarray:
    """First tokens of up to `limit` occurrences of `phrase` in the traced text (case-insensitive)."""
    phrase = phrase.strip().casefold()
    if not phrase or trace.offsets is None:
        return np.zeros(0, np.int64)
    text = trace.text.casefold() if len(trace.text.casefold()) == len(trace.text) else trace.text
    starts, at = [], text.find(phrase)
    while at >= 0 and len(starts) < limit:
        starts.append(at)
        at = text.find(phrase, at + 1)
    if not starts:
        return np.zeros(0, np.int64)
    ends = np.asarray(trace.offsets)[:, 1]
    return np.unique(np.searchsorted(ends, np.asarray(starts), side="right"))
