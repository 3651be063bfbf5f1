"""How wide a model's long-term attention reads: percentiles of σ over every query of a text.

    .venv/bin/python scripts/experiments/sigma_stats.py [--model DIR] [--chars 60000] FILE

The numbers in docs/experiments.md ("Why the attention starts narrow"): Persuasion's first 60,000
characters (data/austen/4_persuasion.txt) with the default model of the time (the focused
assets/models/austen-sticky, shipped from commit 389d9a0 to 14265f2) and with the first default model
(the same path before 389d9a0, 2026-11-26); both are in git history.
"""
import argparse

import numpy as np
import torch

from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint
from infformer.io.textio import read_text
from infformer.tracing.run import trace_text

parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
parser.add_argument("file")
parser.add_argument("--model", default=DEFAULT_MODEL)
parser.add_argument("--chars", type=int, default=60_000, help="read the text's first CHARS characters")
args = parser.parse_args()
torch.set_num_threads(1)
model, tokenizer, _ = load_checkpoint(args.model)
_, _, trace = trace_text(model, tokenizer, read_text(args.file)[: args.chars])
sigma = np.sqrt(np.asarray(trace.sigma_sq, dtype=np.float64))
p10, p50, p90 = np.nanpercentile(sigma, [10, 50, 90])
print(f"{args.model}: σ median {p50:.3f}, 10th–90th percentile {p10:.3f}–{p90:.3f} "
      f"({np.isfinite(sigma).sum():,} query × head values)")
