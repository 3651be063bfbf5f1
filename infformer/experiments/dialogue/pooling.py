"""Reports of the parts of one split (`dialogue evaluate --part I/N`) pooled into one, exactly:
each part lists every conversation's tokens, characters and nats (and nats with the long-term
read zeroed), so the pooled perplexity is that of one run over all the parts' conversations.

Intervals resample whole conversations (uncertainty.ratio_interval): for the perplexity, and for
what the long-term read is worth (perplexity with the read zeroed over perplexity, paired on the
same tokens, so the spread of conversations' difficulty cancels), and for two evaluations compared
on the conversations both scored (`paired`: e.g. the backbone ÷ the ∞-former, or without ÷ with the
document), whatever parts each has done so far.

Generated replies pool the same way (`pool_replies`): a seeded sample of conversations (`--conversations K`)
cut into parts, each part's report keeping every reply's scores, so a replies job too long for one sitting
resumes a part at a time; and two models' replies pair turn by turn (`paired_replies`): every reply's seed is
fixed by (seed, conversation, turn), so a part's replies are those the whole run would have written.
"""
from __future__ import annotations

import math

from .metrics import mean_scores
from .section_attention import summarize_rows
from .uncertainty import cluster_interval, ratio_interval

# what the parts of one evaluation share (sample: the K of --conversations K, absent for parts of the split)
AGREE = ("model", "data", "split", "with_document", "seed", "sample")


def same_model(a: dict, b: dict) -> bool:
    """Whether two reports scored one model. Where both recorded `model_sha256`, the weights decide: byte-identical
    files anywhere (a worktree's copy, a run's checkpoint shipped in assets/models/) are one model, and a directory
    trained again (the Compressive memory, whose weights are not kept) holds another. Reports made before the
    digests were recorded: the same directory."""
    if a.get("model_sha256") and b.get("model_sha256"):
        return a["model_sha256"] == b["model_sha256"]
    return a.get("model") == b.get("model")


def weights_of(reports: list) -> dict | None:
    """The `model_sha256` the reports recorded (the first that did; `same_model` has made them agree), or None."""
    return next((r["model_sha256"] for r in reports if r.get("model_sha256")), None)


def pool_parts(reports: list) -> dict:
    """{model, …AGREE, model_sha256, parts, of, complete, conversations, tokens, characters, perplexity,
    perplexity_ci95, bits_per_character, [without_ltm_read: {perplexity, bits_per_character,
    ratio, ratio_ci95}], [section_attention: Figure 4 over the parts' conversations, when every part
    measured it]}. Raises ValueError on reports that are not disjoint parts of one evaluation."""
    if any("per_conversation" not in r for r in reports):
        raise ValueError("only reports of `dialogue evaluate --part I/N` pool")
    parts, n = check_parts(reports)
    first = reports[0]
    rows = conversation_rows(reports)
    tokens = sum(c["tokens"] for c in rows)
    characters = sum(c["characters"] for c in rows)
    nats = sum(c["nats"] for c in rows)
    ci = ratio_interval([c["nats"] for c in rows], [c["tokens"] for c in rows])
    out = {**{k: first.get(k) for k in AGREE}, "model_sha256": weights_of(reports), "parts": parts, "of": n,
           "complete": parts == list(range(1, n + 1)), "conversations": len(rows), "tokens": tokens, "characters": characters,
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


def check_parts(reports: list, agree: tuple = ()) -> tuple[list, int]:
    """(the part numbers, sorted; N) of reports that are disjoint parts of one evaluation cut into N; a
    ValueError naming what disagrees otherwise (also on the keys `agree`, e.g. the generation settings)."""
    if not reports:
        raise ValueError("no reports to pool")
    if any("part" not in r for r in reports):
        raise ValueError("only reports of `dialogue evaluate --part I/N` pool")
    first = reports[0]
    for r in reports[1:]:
        if not same_model(first, r):
            raise ValueError(f"parts of different models: {first.get('model')!r} and {r.get('model')!r} (evaluate "
                             "one directory, or byte-identical copies: their model_sha256 must agree)")
        for key in AGREE[1:] + ("settings",) + agree:
            if r.get(key) != first.get(key):
                raise ValueError(f"parts disagree on {key}: {first.get(key)!r} and {r.get(key)!r}")
    of = {r["part"][1] for r in reports}
    if len(of) > 1:
        raise ValueError(f"parts of different cuts: of {sorted(of)}")
    parts = [r["part"][0] for r in reports]
    if len(set(parts)) < len(parts):
        raise ValueError(f"a part appears twice: {sorted(parts)}")
    return sorted(parts), of.pop()


def pool_replies(reports: list) -> dict:
    """The generated replies of the parts of one seeded sample (`dialogue evaluate --conversations K --part I/N
    --generate-conversations K`), pooled as one run over the parts' conversations would report them: {…AGREE,
    model_sha256, generation, parts, of, complete, generated_conversations, turns, f1, rouge1, … (each with _ci95, resampling
    conversations), section_attention, examples (the first part's), reply_rows}. One report of the whole sample (no part) is returned
    as it is, its rows kept. A ValueError on reports that are not parts of one sample or keep no reply_rows."""
    if any(not r.get("reply_rows") and r.get("generated_conversations") for r in reports):
        raise ValueError("a report keeps no reply_rows (made before the replies were kept one by one): it cannot pool")
    if len(reports) == 1 and "part" not in reports[0]:
        r = reports[0]
        return {**r, "parts": [1], "of": 1, "complete": True}
    parts, n = check_parts(reports, ("generation",))
    rows = [row for r in reports for row in r.get("reply_rows") or []]
    keys = [k for k in rows[0] if k not in ("conversation", "turn")] if rows else []
    first = reports[0]
    sections = [row for r in reports for row in r.get("reply_section_rows") or []]
    return {**{k: first.get(k) for k in AGREE}, "model_sha256": weights_of(reports), "generation": first.get("generation"),
            "parts": parts, "of": n,
            "complete": parts == list(range(1, n + 1)),
            "generated_conversations": sum(r["generated_conversations"] for r in reports), "turns": len(rows),
            **mean_scores([{k: row[k] for k in keys} for row in rows], [row["conversation"] for row in rows],
                          first["seed"] or 0),
            "section_attention": summarize_rows(sections, first["seed"] or 0) if sections else None,
            "examples": first.get("examples"), "reply_rows": rows}


def paired_replies(a: dict, b: dict) -> dict | None:
    """Replies of `a` less those of `b` (each a `pool_replies` report) on the (conversation, turn) both
    generated: {conversations, replies, <score>: mean difference, <score>_ci95 (resampling conversations:
    paired, so how hard each turn is cancels)} for every score both kept. None when they share no reply; a
    ValueError when their replies were not sampled alike (seed, nucleus, length)."""
    if a.get("generation") != b.get("generation"):
        raise ValueError(f"replies generated differently: {a.get('generation')} and {b.get('generation')}")
    a_rows = {(r["conversation"], r["turn"]): r for r in a.get("reply_rows") or []}
    b_rows = {(r["conversation"], r["turn"]): r for r in b.get("reply_rows") or []}
    common = sorted(a_rows.keys() & b_rows.keys())
    if not common:
        return None
    convs = [c for c, _ in common]
    out = {"conversations": len(set(convs)), "replies": len(common)}
    for k in a_rows[common[0]].keys() & b_rows[common[0]].keys() - {"conversation", "turn"}:
        diff = [a_rows[c][k] - b_rows[c][k] for c in common]
        out[k] = sum(diff) / len(diff)
        out[f"{k}_ci95"] = cluster_interval(diff, convs, seed=a.get("seed") or 0)
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
