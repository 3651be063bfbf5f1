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

from pretrained_tables import TEXTS, later_half  # the evaluation texts, in table order, and the pooling

ROOT = Path(__file__).resolve().parents[2]


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
