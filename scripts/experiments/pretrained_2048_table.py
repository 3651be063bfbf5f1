"""Issue 23: the default's memory read with 2,048-token segments (the same weights, config changed:
`scripts/experiments/pretrained_extras.sh` builds build/models/NAME-2048) against SmolLM2's own
2,048-token window, beside the 512-token pair; bits per character from results/pretrained/.

    python scripts/experiments/pretrained_2048_table.py [--name infformer-mix]
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from pretrained_tables import TEXTS, later_half

ROOT = Path(__file__).resolve().parents[2]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--name", default="infformer-mix")
    args = p.parse_args()
    results = ROOT / "results" / "pretrained"
    runs = ("baseline", args.name, "baseline-2048", f"{args.name}-2048")
    print("| text | SmolLM2, 512 segments | + memory | SmolLM2, 2,048 segments | + memory | later half: SmolLM2, 2,048 | + memory |")
    print("|---|---|---|---|---|---|---|")
    for key, label in TEXTS.items():
        try:
            r = [json.loads((results / d / f"{key}.json").read_text()) for d in runs]
        except (FileNotFoundError, json.JSONDecodeError):  # not evaluated (yet)
            continue
        print(f"| {label} | " + " | ".join(f"{x['bits_per_character']:.4f}" for x in r)
              + f" | {later_half(r[2]):.4f} | {later_half(r[3]):.4f} |")


if __name__ == "__main__":
    main()
