"""Issue 23's table: bits per character of the memory on SmolLM2 against the baseline (the same
backbone and local window, no long-term memory), with the memory's read zeroed, overall and in the
later half of each text, from results/pretrained/{baseline,NAME}/*.json.

    python scripts/experiments/pretrained_tables.py NAME [--baseline baseline]
    python scripts/experiments/pretrained_tables.py NAME --readme [--small small]
Writes results/pretrained_NAME.csv and prints the Markdown table docs/experiments.md quotes; with
--readme, the README's table instead: the small model, the baseline and NAME, overall and later half.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
TEXTS = {"legal-gpl3": "GPL-3 (legal)", "manual-ssh": "ssh(1) manual page", "policy-debian-python":
         "Debian Python policy (documentation)", "api-argparse": "argparse (Python API documentation)",
         "long-bash": "bash(1) manual page (long)", "austen-heldout": "held-out Austen (last 5% of each novel)",
         "cmudog-test": "CMU-DoG test dialogues (turns, document first)"}


def later_half(report: dict, key: str = "bits_per_character") -> float | None:
    """bits per character pooled over the position bins in the later half (by characters)."""
    bins = [b for b in report["by_position"] if b["start_fraction"] >= 0.5]
    if not bins or key not in bins[0]:
        return None
    chars = sum(b["characters"] for b in bins)
    return round(sum(b[key] * b["characters"] for b in bins) / chars, 4)


def row(name: str, base: dict, ours: dict) -> dict:
    zeroed = ours.get("without_ltm_read", {})
    return {"text": TEXTS.get(name, name), "tokens": ours["tokens"],
            "baseline": base["bits_per_character"], "infformer": ours["bits_per_character"],
            "read_zeroed": zeroed.get("bits_per_character"),
            "baseline_later_half": later_half(base), "infformer_later_half": later_half(ours),
            "read_zeroed_later_half": later_half(ours, "bits_per_character_without_ltm_read")}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("name")
    p.add_argument("--baseline", default="baseline")
    p.add_argument("--readme", action="store_true")
    p.add_argument("--small", default="small")
    args = p.parse_args()
    if args.readme:
        return readme_table(args.name, args.baseline, args.small)
    base_dir, ours_dir = ROOT / "results/pretrained" / args.baseline, ROOT / "results/pretrained" / args.name
    rows = []
    for name in TEXTS:
        b, o = base_dir / f"{name}.json", ours_dir / f"{name}.json"
        try:
            rows.append(row(name, json.loads(b.read_text()), json.loads(o.read_text())))
        except (FileNotFoundError, json.JSONDecodeError):  # not evaluated (yet)
            continue
    table = pd.DataFrame(rows)
    table.to_csv(ROOT / f"results/pretrained_{args.name}.csv", index=False)
    print("| text | tokens | baseline | ∞-former | read zeroed | later half: baseline | ∞-former | read zeroed |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        cells = [r["text"], f"{r['tokens']:,}"] + [("" if r[k] is None else f"{r[k]:.4f}") for k in
                 ("baseline", "infformer", "read_zeroed", "baseline_later_half", "infformer_later_half",
                  "read_zeroed_later_half")]
        print("| " + " | ".join(cells) + " |")


def readme_table(name: str, baseline: str, small: str) -> None:
    """The README's table: bits per character of the three models on each text, overall / later half."""
    root = ROOT / "results/pretrained"
    print("| text (never trained on) | tokens* | small model (5 M) | SmolLM2, 512-token segments | "
          "**default**: SmolLM2 + memory |")
    print("|---|---|---|---|---|")
    for key, label in TEXTS.items():
        try:
            reports = [json.loads((root / d / f"{key}.json").read_text()) for d in (small, baseline, name)]
        except (FileNotFoundError, json.JSONDecodeError):  # not evaluated (yet)
            continue
        cells = [f"{r['bits_per_character']:.3f} / {later_half(r):.3f}" for r in reports]
        cells[2] = f"**{cells[2]}**"
        print(f"| {label} | {reports[2]['tokens']:,} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
