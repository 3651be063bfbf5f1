"""Issue 27's first table on the pretrained backbone: bits per character of each memory variant
fine-tuned from SmolLM2 under one recipe and budget (runs/smollm2-mix's: frozen backbone, the mixed
corpus in one order, 512-token segments, lr 5e-4, evaluated at the same step), beside SmolLM2 alone with
the same segments, overall and in the later half of each text, with the mean and spread over seeds.

    python scripts/experiments/pretrained_variants_table.py [--results results/pretrained]
        [--variant "∞-former, sticky=infformer-mix,variant-sticky-s1"] [--variant "∞-former=variant-ltm-s0"]
        [--csv results/pretrained_variants.csv]
Reads RESULTS/{baseline,NAME}/*.json (scripts/experiments/pretrained_eval.sh MODEL NAME); prints Markdown,
and with --csv writes the same numbers one row per (text, model) for the Experiments page.
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

from pretrained_tables import TEXTS, later_half

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_VARIANTS = ["Compressive=variant-compressive-s0", "∞-former=variant-ltm-s0,variant-ltm-s1",
                    "∞-former, sticky=infformer-mix,variant-sticky-s1"]
BASELINE = "SmolLM2, 512-token segments"


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
    head = ["text", BASELINE] + list(runs)
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


def rows(results: Path, variants: list) -> list:
    """The table one row per (text, model): mean and standard deviation over seeds (None for one seed)."""
    out = []
    models = [(BASELINE, ["baseline"])] + [(label, names.split(",")) for label, names in
                                           (v.split("=", 1) for v in variants)]
    for label, names in models:
        seeds = [load(results, n) for n in names]
        for key, title in TEXTS.items():
            have = [s[key] for s in seeds if key in s]
            if not have:
                continue
            bpc, late = [r["bits_per_character"] for r in have], [later_half(r) for r in have]
            out.append({"text": title, "model": label, "seeds": len(have),
                        "bits_per_character": round(statistics.mean(bpc), 4),
                        "bits_per_character_sd": round(statistics.stdev(bpc), 4) if len(bpc) > 1 else None,
                        "later_half": round(statistics.mean(late), 4),
                        "later_half_sd": round(statistics.stdev(late), 4) if len(late) > 1 else None})
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=ROOT / "results" / "pretrained")
    p.add_argument("--variant", action="append", help="LABEL=NAME[,NAME...] (seeds pooled)")
    p.add_argument("--csv", type=Path, help="also write the rows here (results/pretrained_variants.csv for the app)")
    args = p.parse_args()
    if args.csv:
        import pandas as pd
        pd.DataFrame(rows(args.results, args.variant or DEFAULT_VARIANTS)).to_csv(args.csv, index=False)
    print("bits per character, overall / later half\n")
    print(table(args.results, args.variant or DEFAULT_VARIANTS))


if __name__ == "__main__":
    main()
