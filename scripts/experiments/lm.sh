#!/usr/bin/env bash
# The paper's Table 1 at CPU scale, from scratch on Austen: five memory variants, identical but for
# the memory, then the held-out perplexity of each and the result tables.
#
#   scripts/experiments/lm.sh                   # all five (resuming what exists), then evaluate
#   scripts/experiments/lm.sh none stm          # some of them (e.g. one list per CPU core)
#
# Every run: the default model's tokenizer (4,096 byte-level BPE), 4 layers × 256, segment 128,
# STM 128 (none: no STM), N = 256 / slots 256, the six books streamed in order (8 streams, seed 0),
# 2,000 steps × 8 × 128 tokens, AdamW 1e-3, bf16, one CPU thread; the ∞-formers start their
# attention Gaussians at σ = 0.05 (see docs/experiments.md "Why the attention starts narrow").
# Evaluation: the held-out last 5% of every book, each read from an empty memory with the memory
# carried through it (results/lm/VARIANT.json).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
STEPS=${STEPS:-2000}
VARIANTS=("$@")
[ ${#VARIANTS[@]} -eq 0 ] && VARIANTS=(none stm compressive ltm sticky)
mkdir -p runs/lm results/lm

for v in "${VARIANTS[@]}"; do
    echo "== $v ($(date +%T))"
    extra=()
    case $v in ltm|sticky) extra=(--sigma-init 0.05) ;; esac
    "$PY" -m infformer train data/austen --out "runs/lm/$v" --variant "$v" --steps "$STEPS" --eval-every 500 \
        --tokenizer scripts/experiments/austen-4096-tokenizer.json --threads 1 --quiet "${extra[@]}"
    "$PY" -m infformer evaluate --model "runs/lm/$v" --text data/austen --heldout 0.05 --quiet > "results/lm/$v.json.tmp"
    mv "results/lm/$v.json.tmp" "results/lm/$v.json"
done
"$PY" scripts/experiments/tables.py
