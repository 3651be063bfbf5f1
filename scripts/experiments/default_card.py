"""The default model's numbers as Markdown, from results/default/*.json (written by default_eval.sh).

    python scripts/experiments/default_card.py [--model lm-ft-sticky-5k] [--base lm-base2]

Prints the table docs/experiments.md ("The default model") and the model card quote, so no number is
typed by hand; tests/test_readme.py checks that the document still says what this prints.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "results" / "default"


def load(kind: str, name: str):
    path = OUT / f"{kind}-{name}.json"
    return json.loads(path.read_text()) if path.is_file() else None


def fmt(x, digits=2):
    return "—" if x is None else f"{x:,.{digits}f}"


def later_half(report: dict, key: str) -> float | None:
    """Pooled over the second half of the position bins (token-weighted), for `perplexity` keys."""
    import math
    bins = [b for b in report["by_position"] if b["start_fraction"] >= 0.5 and b.get(key) and b["tokens"]]
    if not bins:
        return None
    nats = sum(math.log(b[key]) * b["tokens"] for b in bins)
    return math.exp(nats / sum(b["tokens"] for b in bins))


def rows(model: str, base: str) -> list:
    out = []
    for name, label in ((model, "∞-former (sticky), fine-tuned"), (base, "base (no long-term memory)")):
        a, w, h = load("austen", name), load("wrapped", name), load("homealone", name)
        d, n = load("dialogue", name), load("nodoc", name)
        out.append({
            "model": label, "name": name,
            "austen_ppl": a and a["perplexity"], "austen_bpc": a and a["bits_per_character"],
            "austen_ppl_zeroed": a and a.get("without_ltm_read", {}).get("perplexity"),
            "austen_bpc_zeroed": a and a.get("without_ltm_read", {}).get("bits_per_character"),
            "austen_later_ppl": a and later_half(a, "perplexity"),
            "austen_later_ppl_zeroed": later_half(a, "perplexity_without_ltm_read") if a and "without_ltm_read" in a else None,
            "para_bpc": w and w["documents"][0]["bits_per_character"],
            "wrap_bpc": w and w["documents"][1]["bits_per_character"],
            "homealone_bpc": h and h["bits_per_character"], "homealone_ppl": h and h["perplexity"],
            "dialogue_ppl": d and d["perplexity"], "dialogue_bpc": d and d["bits_per_character"],
            "dialogue_ppl_zeroed": d and d.get("without_ltm_read", {}).get("perplexity"),
            "dialogue_later_ppl": d and later_half(d, "perplexity"),
            "dialogue_later_ppl_zeroed": later_half(d, "perplexity_without_ltm_read") if d and "without_ltm_read" in d else None,
            "nodoc_ppl": n and n["perplexity"], "conversations": d and d["conversations"], "turn_tokens": d and d["tokens"],
        })
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="lm-ft-sticky-5k")
    p.add_argument("--base", default="lm-base2")
    args = p.parse_args(argv)
    r = rows(args.model, args.base)
    print("| | held-out Austen (paragraphs): ppl / bits per char | same, read zeroed | a held-out passage: "
          "paragraphs / wrapped at 70 (bits per char) | Home Alone document (bits per char) | CMU-DoG test dialogue "
          "ppl (turns only): with document / read zeroed / without document |")
    print("|---|---|---|---|---|---|")
    for x in r:
        print(f"| {x['model']} | {fmt(x['austen_ppl'])} / {fmt(x['austen_bpc'], 3)} | "
              f"{fmt(x['austen_ppl_zeroed'])} / {fmt(x['austen_bpc_zeroed'], 3)} | "
              f"{fmt(x['para_bpc'], 3)} / {fmt(x['wrap_bpc'], 3)} | {fmt(x['homealone_bpc'], 3)} | "
              f"{fmt(x['dialogue_ppl'])} / {fmt(x['dialogue_ppl_zeroed'])} / {fmt(x['nodoc_ppl'])} |")
    m = r[0]
    print()
    print(f"Later half of each text (position bins 0.5–1.0), perplexity with the read / zeroed: Austen "
          f"{fmt(m['austen_later_ppl'])} / {fmt(m['austen_later_ppl_zeroed'])}; CMU-DoG turns "
          f"{fmt(m['dialogue_later_ppl'])} / {fmt(m['dialogue_later_ppl_zeroed'])}. "
          f"Dialogue: {m['conversations']} test conversations, {m['turn_tokens']:,} scored tokens."
          if m["conversations"] else "")
    pk = load("passkey", args.model)
    if pk:
        print(f"\nPass-key sentence: attention fraction / memory share, mean ratio {pk['mean_ratio']:.2f} over depths "
              + ", ".join(f"{d['depth']:g}: {d['attention_fraction']:.2e}/{d['memory_share']:.2e}" for d in pk["depths"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
