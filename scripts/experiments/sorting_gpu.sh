#!/usr/bin/env bash
# Issue 10 on a lent accelerator, in one call of the device tool: every run of sorting_converged.sh at
# once (PARALLEL processes share the GPU, one CPU thread each), each ending at its plateau, at STEPS, or
# when BUDGET seconds have passed (then its latest checkpoint, every 500 steps, resumes here or there).
#
#   device run:  scripts/experiments/sorting_gpu.sh            (timeout_s 600; BUDGET=420 by default)
#   a dry run here:  DEVICE=cpu STEPS=40 BUDGET=60 PARALLEL=2 ONLY="ltm-256-gate-s0 stm-256-s0" scripts/experiments/sorting_gpu.sh
#
# What comes back ($OUT, at most 8 files of 16 MB): sorting-runs.tar.gz.part-* (runs/sorting/*/ without
# optimizer state: config, weights, metrics, train_state; results/sorting-converged/*.json) and a log.
# Here: cat the parts | tar xz, then `scripts/experiments/sorting_converged.sh` resumes every run that did
# not finish (on the CPU, from its weights and a fresh optimizer: say so beside its numbers).
# The device machine's python3 has torch, numpy, safetensors and tokenizers; pandas/plotly are not needed.
set -uo pipefail
cd "$(dirname "$0")/../.."
export PY=${PY:-$(command -v python3)} DEVICE=${DEVICE:-cuda} STEPS=${STEPS:-20000}
BUDGET=${BUDGET:-420} PARALLEL=${PARALLEL:-14} OUT=${OUT:-build/sorting-gpu}
mkdir -p "$OUT"
names=${ONLY:-$(scripts/experiments/sorting_converged.sh --list)}
echo "$(date +%T) $DEVICE: $(echo $names | wc -w) runs, $PARALLEL at a time, ${BUDGET}s" > "$OUT/sorting-gpu.log"
# Each run gets what is left of the budget (timeout signals its whole process group, the python too);
# a run that starts with under 30 s left is skipped.
export DEADLINE=$(( $(date +%s) + BUDGET ))
# shellcheck disable=SC2086,SC2016  # one run name per argument; $vars expand in the inner shell
printf '%s\n' $names | xargs -P "$PARALLEL" -I{} sh -c 'left=$(( DEADLINE - $(date +%s) ))
    [ "$left" -gt 30 ] || { echo "$(date +%T) {} skipped"; exit 0; }
    timeout --signal=INT "$left" scripts/experiments/sorting_converged.sh {} > build/sorting-gpu-{}.log 2>&1
    echo "$(date +%T) {} rc=$?"' >> "$OUT/sorting-gpu.log" 2>&1
echo "$(date +%T) stopped; finished: $(ls results/sorting-converged 2>/dev/null | wc -l)" >> "$OUT/sorting-gpu.log"
tar czf - --exclude=optimizer.safetensors runs/sorting results/sorting-converged build/sorting-gpu-*.log 2>/dev/null \
    | split -b 15M - "$OUT/sorting-runs.tar.gz.part-"
ls -la "$OUT" >> "$OUT/sorting-gpu.log"
cat "$OUT/sorting-gpu.log"
