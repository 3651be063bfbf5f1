"""What a model can reach on the sorting task from what it can see: reference lines for Figure 3.

For each length, on the evaluation examples (seed 12345, as `sorting evaluate`), the token accuracy
(teacher forced, like the models) of three rules that need no training:
- "exclusion only": any symbol not yet in the answer (uniform among them) — what a model gets by
  only learning that the answer is a permutation;
- "counts of the last W symbols": rank symbols by their counts in the last W symbols of the
  sequence (the reference rule on that window), skip those already in the answer — an ideal model
  that sees only W symbols, e.g. W = 107, what a Transformer-XL's first layer sees here (the
  last segment's 43 symbols + STM 64), and W = 171 with its second layer's STM;
- "counts of everything": the full rule, 100% by construction.

    .venv/bin/python scripts/experiments/sorting_ceilings.py   # writes results/sorting_ceilings.csv
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from infformer.experiments.sorting.task import NUM_SYMBOLS, make_batch, sorting_answer

ROOT = Path(__file__).resolve().parents[2]


def teacher_forced_accuracy(ranking: np.ndarray, answer: np.ndarray) -> float:
    """Predict, at each answer position, the first symbol of `ranking` not yet in the answer."""
    emitted, correct = set(), 0
    for truth in answer:
        correct += next(s for s in ranking if s not in emitted) == truth
        emitted.add(int(truth))
    return correct / NUM_SYMBOLS


def ceilings(length: int, examples: int = 1000, seed: int = 12345, windows=(107, 171)) -> list[dict]:
    batch = make_batch(length, examples, seed, 0)
    seqs, answers = batch[:, :length], batch[:, length + 1:]
    rows = [{"length": length, "rule": "exclusion only", "window": 0,
             # position k has 20 - k candidates left, one of them right
             "accuracy": round(100 * float(np.mean(1 / (NUM_SYMBOLS - np.arange(NUM_SYMBOLS)))), 2)}]
    for w in (*windows, length):
        acc = np.mean([teacher_forced_accuracy(sorting_answer(s[-w:]), a) for s, a in zip(seqs, answers, strict=False)])
        rows.append({"length": length, "rule": "counts of everything" if w == length else f"counts of the last {w}",
                     "window": w, "accuracy": round(100 * float(acc), 2)})
    return rows


def main() -> pd.DataFrame:
    table = pd.DataFrame([row for length in (256, 512, 1024) for row in ceilings(length)])
    (ROOT / "results").mkdir(exist_ok=True)
    table.to_csv(ROOT / "results" / "sorting_ceilings.csv", index=False)
    return table


if __name__ == "__main__":
    print(main().to_string(index=False))
