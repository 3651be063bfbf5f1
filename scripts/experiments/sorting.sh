#!/usr/bin/env bash
# The paper's Figure 3 at CPU scale: every sorting run, its evaluation, and the result tables.
#
#   scripts/experiments/sorting.sh            # train (resuming what exists), evaluate, tabulate
#
# Scale (the paper's in brackets): segment 64 + short-term memory 64 [1,024 + 1,024]; lengths
# 256, 512, 1,024 [4,000, 8,000, 16,000], i.e. length / (segment + STM) = 2, 4, 8; 2 layers × 128
# [3 × 300]; N = 32 basis functions [512], i.e. N / segment = 1/2 as in the paper, and
# N ∈ {8, 16, 32, 64, 128} [128 … 2,048] at the middle length, with the reference's widths and with
# widths ×16 (runs named -wide); fresh examples every step (seed 0)
# instead of a fixed 8,000-example training set, hence no dropout [0.1]; STEPS steps of batch 8
# [20,000], Adam 1e-3 with 100 warm-up steps and cosine decay [2e-4].
# Runs go to runs/sorting/, evaluations (fresh seed 12345, 1,000 examples) to results/sorting/.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
STEPS=${STEPS:-2000}
EXAMPLES=${EXAMPLES:-1000}
COMMON=(--segment-len 64 --stm-len 64 --layers 2 --dropout 0 --steps "$STEPS" --threads 1 --quiet)
mkdir -p runs/sorting results/sorting

run() {  # run NAME LENGTH ARGS...: train (resumes), then evaluate on fresh examples (seed 12345)
    local name=$1 length=$2; shift 2
    echo "== $name ($(date +%T))"
    "$PY" -m infformer sorting train --out "runs/sorting/$name" --length "$length" "${COMMON[@]}" "$@"
    "$PY" -m infformer sorting evaluate --model "runs/sorting/$name" --length "$length" \
        --examples "$EXAMPLES" --seed 12345 > "results/sorting/$name.json.tmp"
    mv "results/sorting/$name.json.tmp" "results/sorting/$name.json"   # tables.py never reads half a report
}

for length in 256 512 1024; do   # Figure 3 left
    run "stm-$length" "$length" --variant stm
    run "compressive-$length" "$length" --variant compressive --num-basis 32
    run "ltm-$length" "$length" --variant ltm --num-basis 32
done
for n in 16 64 128; do           # Figure 3 right (N = 32 is ltm-512)
    run "ltm-512-n$n" 512 --variant ltm --num-basis "$n"
done
# N = 16 never left chance with the reference's absolute widths (centres 1/7 apart, widths 0.01 and
# 0.05): the sweep again with the widths scaled like every other length here (×16: 0.16, 0.8)
for n in 16 8 32 64 128; do
    run "ltm-512-n$n-wide" 512 --variant ltm --num-basis "$n" --widths 0.16 0.8
done
run "ltm-512-n8" 512 --variant ltm --num-basis 8
"$PY" scripts/experiments/sorting_ceilings.py
"$PY" scripts/experiments/tables.py
