"""Issue 27's first table on the pretrained backbone: bits per character of each memory variant
fine-tuned from SmolLM2 under one recipe and budget (runs/smollm2-mix's: frozen backbone, the mixed
corpus in one order, 512-token segments, lr 5e-4, evaluated at the same step), beside SmolLM2 alone with
the same segments, overall and in the later half of each text, with the mean and spread over seeds.

    python scripts/experiments/pretrained_variants_table.py [--results results/pretrained]
        [--variant "∞-former, sticky=infformer-mix,variant-sticky-s1"] [--variant "∞-former=variant-ltm-s0"]
Reads RESULTS/{baseline,NAME}/*.json (scripts/experiments/pretrained_eval.sh MODEL NAME); prints Markdown.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from pretrained_tables import TEXTS, later_half

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VARIANTS = ["∞-former, sticky=infformer-mix,variant-sticky-s1", "∞-former=variant-ltm-s0"]


def load(results: Path, name: str) -> dict:
    return {p.stem: json.loads(p.read_text()) for p in sorted((results / name).glob("*.json"))}


def cell(values: list) -> str:
    values = [v for v in values if v is not None]
    if not values:
        return "–"
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return f"{statistics.mean(values):.3f} ± {statistics.stdev(values):.3f} (n={len(values)})"


def table(results: Path, variants: list) -> str:
    base = load(results, "baseline")
    runs = {label: [load(results, n) for n in names.split(",")] for label, names in
            (v.split("=", 1) for v in variants)}
    head = ["text", "SmolLM2, 512-token segments"] + list(runs)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key, title in TEXTS.items():
        if key not in base:
            continue
        cells = [f"{base[key]['bits_per_character']:.3f} / {later_half(base[key]):.3f}"]
        for seeds in runs.values():
            have = [s[key] for s in seeds if key in s]
            cells.append(f"{cell([r['bits_per_character'] for r in have])} / {cell([later_half(r) for r in have])}"
                         if have else "–")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=ROOT / "results" / "pretrained")
    p.add_argument("--variant", action="append", help="LABEL=NAME[,NAME...] (seeds pooled)")
    args = p.parse_args()
    print("bits per character, overall / later half\n")
    print(table(args.results, args.variant or DEFAULT_VARIANTS))


if __name__ == "__main__":
    main()
