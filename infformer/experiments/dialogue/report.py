"""Table 2's reply scores and the section-attention measure over a set of CMU-DoG conversations.

For each conversation: replies generated for every turn from the second on (replies.py), scored
against the real turns (reply_metrics.py); and, for a model with a long-term memory reading the
document, one trace of the real conversation from which each real reply's attention on its
writer's section is measured (section_attention.py).
"""
from __future__ import annotations

import numpy as np
import torch

from ...tracing.run import trace_text
from .metrics import mean_scores, reply_scores
from .reading import conversation_text
from .replies import conversation_replies, newline_tokens
from .section_attention import section_ratios, summarize_rows


@torch.no_grad()
def section_rows_of(model, tokenizer, documents: dict, conversations: list, progress=None) -> list:
    """Figure 4's raw material: for every real reply (every turn from the second on) of each
    conversation, read with its film's document first, {conversation, turn, doc_idx, ratios}: the
    memory's attention ratio on each document section (section_attention.section_ratios; None where
    the memory held none of a section). One trace per conversation; kept per reply so that reports
    of parts of a split pool (pooling.py)."""
    return traced_conversations(model, tokenizer, documents, conversations, progress)[0]


@torch.no_grad()
def traced_conversations(model, tokenizer, documents: dict, conversations: list, progress=None) -> tuple[list, list]:
    """(`section_rows_of`'s rows, each conversation's token losses [T - 1]) from the same traces: the losses
    are the model's own (`Trace.token_loss`, one float32 log-softmax per position, as a perplexity pass
    computes them), so perplexity and Figure 4 come from one pass over each conversation."""
    rows, losses = [], []
    for i, conv in enumerate(conversations):
        document = documents[conv.document]
        text, turn_chars = conversation_text(document, conv)
        _, _, trace = trace_text(model, tokenizer, text)
        losses.append(trace.token_loss[:-1])
        for k in range(1, len(conv.turns)):
            ratios = section_ratios(trace, document.sections, *turn_chars[k])
            rows.append({"conversation": conv.id, "turn": k, "doc_idx": int(conv.turns[k][1]),
                         "ratios": [float(r) if np.isfinite(r) else None for r in ratios]})
        if progress is not None:
            progress(i + 1, len(conversations))
    return rows, losses


@torch.no_grad()
def generation_report(model, tokenizer, documents: dict, conversations: list, *, with_document: bool = True,
                      top_p: float = 0.9, max_new_tokens: int = 50, seed: int = 0, progress=None,
                      examples: int = 3) -> dict:
    """{conversations, turns, f1, rouge1, rougeL, rouge1_recall, rougeL_recall (each with a _ci95
    interval over conversations), section_attention, examples, reply_rows, reply_section_rows}: mean scores
    over every generated reply, section attention (None without a long-term memory or without the document),
    the first `examples` replies for a reader to look at, and every reply's scores ({conversation, turn,
    f1, …}) and Figure 4 rows (None where not measured), so that reports of parts of a sample pool and two
    models' replies pair turn by turn (pooling.pool_replies, pooling.paired_replies)."""
    stops = newline_tokens(tokenizer)
    measure_sections = with_document and model.cfg.ltm is not None
    scores, rows, shown = [], [], []
    score_convs, turns = [], []   # each reply's conversation (for the intervals) and turn
    for i, conv in enumerate(conversations):
        document = documents[conv.document] if with_document else None
        for reply in conversation_replies(model, tokenizer, document, conv, top_p=top_p,
                                          max_new_tokens=max_new_tokens, seed=seed, stops=stops):
            scores.append(reply_scores(reply.generated, reply.reference))
            score_convs.append(conv.id)
            turns.append(reply.turn)
            if len(shown) < examples:
                shown.append({"conversation": reply.conversation, "turn": reply.turn, "speaker": reply.speaker,
                              "reference": reply.reference, "generated": reply.generated})
        if measure_sections:
            rows += section_rows_of(model, tokenizer, documents, [conv])
        if progress is not None:
            progress(i + 1, len(conversations))
    return {"conversations": len(conversations), "turns": len(scores), **mean_scores(scores, score_convs, seed),
            "section_attention": summarize_rows(rows, seed) if measure_sections else None,
            "examples": shown,
            "reply_rows": [{"conversation": c, "turn": k, **s} for c, k, s in zip(score_convs, turns, scores, strict=True)],
            "reply_section_rows": rows if measure_sections else None}
