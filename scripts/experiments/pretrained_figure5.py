"""Issue 27's Figure 5 on a real CMU-DoG test document: which phrases hold the most of the final
long-term memory after a whole conversation was read (the film's document first), for the ∞-former
trained with sticky memories and the one trained with linear sampling, both on frozen SmolLM2.

    python scripts/experiments/pretrained_figure5.py --data ../shared/data/cmu_dog/full
        [--sticky assets/models/smollm2-sticky] [--linear runs/smollm2-mix-ltm] [--seed 1]
        [--out results/pretrained/figure5.json] [--threads 1] [--also K]
A phrase's share is Σ (b − a) of its tokens' spans in the final memory, averaged over the layers
(tracing.regions.phrase_table per layer). Writes the JSON the Experiments page draws (every phrase,
both models) and prints the top phrases and how concentrated each memory is.
"""
from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

import numpy as np
import torch

from infformer.corpora import cmudog
from infformer.experiments.dialogue.reading import conversation_text, select_conversations
from infformer.io.atomic import write_atomically
from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.regions import memory_share, phrase_table, tokens_in_chars
from infformer.tracing.run import trace_text

ROOT = Path(__file__).resolve().parents[2]


def layer_averaged_phrases(trace) -> list:
    """[{phrase, first_token, tokens, share}] over every sentence of the text, the share averaged over layers."""
    tables = [phrase_table(trace, layer) for layer in range(trace.num_layers)]
    share = np.mean([t["share"].to_numpy() for t in tables], axis=0)
    first = tables[0]
    return [{"phrase": p, "first_token": int(f), "tokens": int(n), "share": float(s)}
            for p, f, n, s in zip(first["phrase"], first["first_token"], first["tokens"], share, strict=True)]


def concentration(phrases: list) -> dict:
    """How unevenly the memory is spread: the top tenth of phrases' share, and the effective number
    of phrases (exp of the shares' entropy; every phrase alike gives their count)."""
    s = np.sort(np.array([p["share"] for p in phrases]))[::-1]
    s = s / s.sum() if s.sum() > 0 else s
    nz = s[s > 0]
    return {"phrase_count": len(s), "top_tenth_share": float(s[: max(1, len(s) // 10)].sum()),
            "effective_phrases": float(math.exp(-(nz * np.log(nz)).sum())) if len(nz) else 0.0}


def section_shares(trace, sections) -> list:
    """Each document section's share of the final memory (characters [a, b) of the text), averaged over layers."""
    share = np.mean([memory_share(trace, layer) for layer in range(trace.num_layers)], axis=0)
    return [float(share[tokens_in_chars(trace.offsets[: len(share)], a, b)].sum()) for a, b in sections]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data", required=True, help="the condensed CMU-DoG directory")
    p.add_argument("--sticky", default="assets/models/smollm2-sticky")
    p.add_argument("--linear", default="runs/smollm2-mix-ltm")
    p.add_argument("--seed", type=int, default=1, help="which test conversation (a seeded choice)")
    p.add_argument("--out", type=Path, default=ROOT / "results" / "pretrained" / "figure5.json")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--top", type=int, default=12)
    p.add_argument("--also", type=int, default=0, metavar="K",
                   help="also each section's share of the memory on K more test conversations (seeds S+1 … S+K), "
                        "to see whether the one shown is typical")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    conv = select_conversations(cmudog.conversations(args.data, "test"), 1, args.seed)[0]
    document = cmudog.documents(args.data)[conv.document]
    text, _ = conversation_text(document, conv)
    looked = [int(d) for _, d, _ in conv.turns]
    out = {"conversation": conv.id, "film": document.title, "seed": args.seed, "characters": len(text),
           "turns_by_section": [looked.count(k) for k in range(len(document.sections))],
           "share": "Σ span widths in the final memory, averaged over layers", "models": {}}
    tests, documents = cmudog.conversations(args.data, "test"), cmudog.documents(args.data)
    more = list(dict.fromkeys(select_conversations(tests, 1, args.seed + j)[0] for j in range(1, args.also + 1)))
    more = [c for c in more if c.id != conv.id]
    out["more"] = [{"conversation": c.id, "film": documents[c.document].title,
                    "turns_by_section": [[int(d) for _, d, _ in c.turns].count(k) for k in range(4)]} for c in more]
    for name, path in (("sticky", args.sticky), ("linear", args.linear)):
        model, tokenizer, _ = load_checkpoint(path, seed=args.seed)
        for row, c in zip(out["more"], more, strict=True):
            d = documents[c.document]
            row[name] = section_shares(trace_text(model, tokenizer, conversation_text(d, c)[0])[2], d.sections)
        _, _, trace = trace_text(model, tokenizer, text)
        phrases = layer_averaged_phrases(trace)
        out["tokens"] = int(trace.num_text_tokens)
        out["models"][name] = {"model": str(path), "sticky": bool(trace.ltm["sticky"]),
                               **concentration(phrases), "section_shares": section_shares(trace, document.sections),
                               "phrases": phrases}
    body = json.dumps(out, indent=1, ensure_ascii=False) + "\n"
    write_atomically(args.out, lambda tmp: tmp.write_text(body, encoding="utf-8"))
    print(f"{document.title}, test conversation {conv.id}: {out['tokens']:,} tokens ({args.out})")
    for name, m in out["models"].items():
        print(f"\n{name} ({m['model']}): top tenth of {m['phrase_count']} phrases hold {m['top_tenth_share']:.1%}; "
              f"effective phrases {m['effective_phrases']:.1f}; sections' shares "
              + ", ".join(f"{x:.1%}" for x in m["section_shares"])
              + f" (turns written looking at each: {out['turns_by_section']})")
        for ph in sorted(m["phrases"], key=lambda r: -r["share"])[: args.top]:
            print(f"  {ph['share']:6.2%}  [{ph['first_token']:>5}] {ph['phrase']}")
    for row in out["more"]:
        print(f"\n{row['film']} ({row['conversation'][:8]}, turns looking at each section {row['turns_by_section']}): "
              + "; ".join(f"{name} " + ", ".join(f"{x:.1%}" for x in row[name]) for name in ("sticky", "linear")))


if __name__ == "__main__":
    main()
