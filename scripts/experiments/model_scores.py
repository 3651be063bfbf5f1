"""A shipped model's scores, machine-readable, beside its weights (assets/models/NAME/scores.json),
from the evaluation JSON that `scripts/experiments/pretrained_eval.sh MODEL RESULTS_NAME` writes, so
the Experiments page and the README read the numbers of the model actually shipped and never a
table typed by hand (tests/test_model_scores.py checks they agree).

    python scripts/experiments/model_scores.py --results results/pretrained/small --model assets/models/austen-cmudog-sticky

Evaluation files made on another directory holding the very same files (a run's checkpoint copied into
assets/models/ to ship it) are accepted when its config and weights are byte-identical to the shipped
ones: scores.json then names that directory (`evaluated`) and the SHA-256 of each file (`sha256`), which
the test checks against the shipped files, so no 30-minute evaluation is repeated to change a path.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from pretrained_tables import TEXTS, later_half  # the evaluation texts, in table order, and the pooling

from infformer.io.checkpoint import model_digests as digests  # config.json and weights, by SHA-256

ROOT = Path(__file__).resolve().parents[2]


def same_files(model: Path, evaluated: str) -> dict:
    """The shipped model's digests when `evaluated` (a report's model directory) holds the same files;
    a SystemExit naming the difference otherwise."""
    other = Path(evaluated) if Path(evaluated).is_absolute() else ROOT / evaluated
    if not other.is_dir():
        raise SystemExit(f"the evaluation files were made on {evaluated}, which is not here to compare with {model}")
    ours, theirs = digests(model), digests(other)
    if ours != theirs:
        differ = sorted(k for k in ours.keys() | theirs.keys() if ours.get(k) != theirs.get(k))
        raise SystemExit(f"{evaluated} is not {model}: {', '.join(differ)} differ; evaluate the shipped directory "
                         f"(scripts/experiments/pretrained_eval.sh {model} NAME)")
    return ours


def scores(results: Path, name: str, model: Path | None = None) -> dict:
    """The scores of results/…/*.json for assets/models/NAME; with `model` (its directory), files evaluated on
    another directory are accepted when it holds the same files (same_files)."""
    rows, evaluated = [], set()
    for key, label in TEXTS.items():
        path = results / f"{key}.json"
        if not path.is_file():
            continue
        r = json.loads(path.read_text())
        if Path(r["model"]).name != name:
            evaluated.add(r["model"])
        rows.append({"text": label, "file": str(path.relative_to(ROOT)), "tokens": r["tokens"],
                     "bits_per_character": r["bits_per_character"], "perplexity": r["perplexity"],
                     "later_half_bits_per_character": later_half(r)})
    out = {"model": name, "command": f"scripts/experiments/pretrained_eval.sh assets/models/{name} {results.name}",
           "scores": rows}
    if evaluated:
        if model is None or len(evaluated) > 1:
            raise SystemExit(f"the evaluation files were made on {', '.join(sorted(evaluated))}, not on {name}")
        out["evaluated"] = evaluated.pop()
        out["sha256"] = same_files(model, out["evaluated"])
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", required=True, help="results/pretrained/NAME (pretrained_eval.sh's output)")
    p.add_argument("--model", required=True, help="the shipped model's directory under assets/models")
    args = p.parse_args()
    model = Path(args.model)
    out = scores((ROOT / args.results).resolve(), model.name, model)
    (model / "scores.json").write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
