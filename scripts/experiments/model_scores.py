"""A shipped model's scores, machine-readable, beside its weights (assets/models/NAME/scores.json),
from the evaluation JSON that `scripts/experiments/pretrained_eval.sh MODEL RESULTS_NAME` writes, so
the Experiments page and the README read the numbers of the model actually shipped and never a
table typed by hand (tests/test_model_scores.py checks they agree).

    python scripts/experiments/model_scores.py --results results/pretrained/small --model assets/models/austen-cmudog-sticky
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# the evaluation texts, in table order (build/eval/real-english: scripts/experiments/real_english.py)
TEXTS = {"legal-gpl3": "GPL-3 (legal)", "manual-ssh": "ssh(1) manual page",
         "policy-debian-python": "Debian Python policy", "api-argparse": "argparse documentation",
         "long-bash": "bash(1) manual page (20k tokens)", "austen-heldout": "held-out Austen (last 5% of each novel)",
         "cmudog-test": "CMU-DoG test dialogues (20, document first)"}


def later_half(report: dict) -> float | None:
    bins = [b for b in report.get("by_position", []) if b["start_fraction"] >= 0.5]
    chars = sum(b["characters"] for b in bins)
    return round(sum(b["bits_per_character"] * b["characters"] for b in bins) / chars, 4) if chars else None


def scores(results: Path, name: str) -> dict:
    rows = []
    for key, label in TEXTS.items():
        path = results / f"{key}.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        rows.append({"text": label, "file": str(path.relative_to(ROOT)), "tokens": r["tokens"],
                     "bits_per_character": r["bits_per_character"], "perplexity": r["perplexity"],
                     "later_half_bits_per_character": later_half(r)})
    return {"model": name, "command": f"scripts/experiments/pretrained_eval.sh assets/models/{name} {results.name}",
            "scores": rows}


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True, help="results/pretrained/NAME (pretrained_eval.sh's output)")
    p.add_argument("--model", required=True, help="the shipped model's directory under assets/models")
    args = p.parse_args()
    model = Path(args.model)
    out = scores((ROOT / args.results).resolve(), model.name)
    (model / "scores.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
