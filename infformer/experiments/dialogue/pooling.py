"""Reports of the parts of one split (`dialogue evaluate --part I/N`) pooled into one, exactly:
each part lists every conversation's tokens, characters and nats (and nats with the long-term
read zeroed), so the pooled perplexity is that of one run over all the parts' conversations.

Intervals resample whole conversations (uncertainty.ratio_interval): for the perplexity, and for
what the long-term read is worth (perplexity with the read zeroed over perplexity, paired on the
same tokens, so the spread of conversations' difficulty cancels), and for two evaluations compared
on the conversations both scored (`paired`: e.g. the backbone ÷ the ∞-former, or without ÷ with the
document), whatever parts each has done so far.
"""
from __future__ import annotations

import math

from .section_attention import summarize_rows
from .uncertainty import ratio_interval

AGREE = ("model", "data", "split", "with_document", "seed")   # what the parts of one evaluation share


def same_model(a: dict, b: dict) -> bool:
    """Whether two reports scored one model: the same directory, or byte-identical files elsewhere (both
    recorded `model_sha256`: a worktree's copy, a run's checkpoint shipped in assets/models/)."""
    return a.get("model") == b.get("model") or bool(a.get("model_sha256")) and a.get("model_sha256") == b.get("model_sha256")


def pool_parts(reports: list) -> dict:
    """{model, …AGREE, parts, of, complete, conversations, tokens, characters, perplexity,
    perplexity_ci95, bits_per_character, [without_ltm_read: {perplexity, bits_per_character,
    ratio, ratio_ci95}], [section_attention: Figure 4 over the parts' conversations, when every part
    measured it]}. Raises ValueError on reports that are not disjoint parts of one evaluation."""
    if not reports:
        raise ValueError("no reports to pool")
    if any("part" not in r or "per_conversation" not in r for r in reports):
        raise ValueError("only reports of `dialogue evaluate --part I/N` pool")
    first = reports[0]
    for r in reports[1:]:
        if not same_model(first, r):
            raise ValueError(f"parts of different models: {first.get('model')!r} and {r.get('model')!r} (evaluate "
                             "one directory, or byte-identical copies: their model_sha256 must agree)")
        for key in AGREE[1:] + ("settings",):
            if r.get(key) != first.get(key):
                raise ValueError(f"parts disagree on {key}: {first.get(key)!r} and {r.get(key)!r}")
    of = {r["part"][1] for r in reports}
    if len(of) > 1:
        raise ValueError(f"parts of different cuts: of {sorted(of)}")
    parts = [r["part"][0] for r in reports]
    if len(set(parts)) < len(parts):
        raise ValueError(f"a part appears twice: {sorted(parts)}")
    rows = conversation_rows(reports)
    tokens = sum(c["tokens"] for c in rows)
    characters = sum(c["characters"] for c in rows)
    nats = sum(c["nats"] for c in rows)
    ci = ratio_interval([c["nats"] for c in rows], [c["tokens"] for c in rows])
    n = of.pop()
    out = {**{k: first.get(k) for k in AGREE}, "parts": sorted(parts), "of": n,
           "complete": sorted(parts) == list(range(1, n + 1)), "conversations": len(rows), "tokens": tokens, "characters": characters,
           "perplexity": math.exp(nats / tokens), "perplexity_ci95": [math.exp(x) for x in ci] if ci else None,
           "bits_per_character": nats / math.log(2) / characters}
    if all("nats_without_ltm_read" in c for c in rows):
        zeroed = sum(c["nats_without_ltm_read"] for c in rows)
        worth = ratio_interval([c["nats_without_ltm_read"] - c["nats"] for c in rows], [c["tokens"] for c in rows])
        out["without_ltm_read"] = {"perplexity": math.exp(zeroed / tokens),
                                   "bits_per_character": zeroed / math.log(2) / characters,
                                   "ratio": math.exp((zeroed - nats) / tokens),
                                   "ratio_ci95": [math.exp(x) for x in worth] if worth else None}
    if all("section_rows" in r for r in reports):   # Figure 4 over every conversation of the parts
        out["section_attention"] = summarize_rows([row for r in reports for row in r["section_rows"]], first["seed"] or 0)
    return out


def conversation_rows(reports: list) -> list:
    """Every scored conversation's row (tokens, characters, nats, …) of the parts; a ValueError when one
    appears twice."""
    rows = [c for r in reports for c in r["per_conversation"] if c.get("tokens")]
    ids = [c["conversation"] for c in rows]
    if len(set(ids)) < len(ids):
        raise ValueError("a conversation appears in two parts")
    return rows


def paired(a: list, b: list) -> dict | None:
    """Perplexity of evaluation `a` over that of `b` (each a list of part reports) on the conversations both
    scored: {conversations, tokens, ratio, ratio_ci95 (resampling conversations; paired, so how hard each
    conversation is cancels)}. None when they share no conversation. A ValueError when a shared conversation
    has different token counts: then the two did not score the same text."""
    a_rows = {c["conversation"]: c for c in conversation_rows(a)}
    b_rows = {c["conversation"]: c for c in conversation_rows(b)}
    common = sorted(a_rows.keys() & b_rows.keys())
    if not common:
        return None
    for c in common:
        if a_rows[c]["tokens"] != b_rows[c]["tokens"]:
            raise ValueError(f"conversation {c}: {a_rows[c]['tokens']} tokens in one and {b_rows[c]['tokens']} in the other")
    tokens = [a_rows[c]["tokens"] for c in common]
    diff = [a_rows[c]["nats"] - b_rows[c]["nats"] for c in common]
    ci = ratio_interval(diff, tokens)
    return {"conversations": len(common), "tokens": sum(tokens), "ratio": math.exp(sum(diff) / sum(tokens)),
            "ratio_ci95": [math.exp(x) for x in ci] if ci else None}
