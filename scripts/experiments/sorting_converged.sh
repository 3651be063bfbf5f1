#!/usr/bin/env bash
# Figure 3 trained to convergence (issue 10): every run trains until its validation accuracy stops
# rising (the plateau rule: 8 validations, 4,000 steps, without a gain of 0.5 points) or 20,000 steps
# (the paper's budget), whichever comes first; two training seeds per point.
#
#   scripts/experiments/sorting_converged.sh [RUN ...]     # all runs (or those named), resuming each
#   scripts/experiments/sorting_converged.sh --list        # the queue, one run name a line
#   DEVICE=cuda ...                                          # on an accelerator (see sorting_gpu.sh)
#
# Scale as scripts/experiments/sorting.sh (segment 64 + STM 64, 2 layers × 128, lengths 256/512/1,024,
# N = 32, widths ×16 for the N sweep), and:
# - float32 (--no-bf16): on CPUs without native bf16 (AVX-512 BF16; the first sessions' machines)
#   autocast made a step 5-15× slower, and the numbers do not depend on it;
# - the ∞-former gates the vectors it writes to the long-term memory (--gate, as the authors'
#   configurations do); `ltm-512-s*` without the gate is the ablation;
# - the Compressive Transformer trains its compressor with Rae et al.'s attention-reconstruction loss
#   (the default of `sorting train --variant compressive`).
# Each run: runs/sorting/NAME (resumable; checkpoints every 500 steps), its evaluation on 1,000
# fresh examples (seed 12345) in results/sorting-converged/NAME.json. One thread per run: start two
# of these scripts with disjoint RUN lists to use both cores.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
STEPS=${STEPS:-20000}
DEVICE=${DEVICE:-cpu}   # cuda on a lent accelerator (scripts/experiments/sorting_gpu.sh)
COMMON=(--device "$DEVICE" --segment-len 64 --stm-len 64 --layers 2 --dropout 0 --steps "$STEPS" --eval-every 500
        --checkpoint-every 500 --plateau-patience 8 --no-bf16 --threads 1 --quiet)
OUT=results/sorting-converged

queue() {  # NAME LENGTH ARGS..., one line each
  for seed in 0 1; do
    for length in 512 1024 256; do
      echo "ltm-$length-gate-s$seed $length --variant ltm --gate --num-basis 32 --seed $seed"
      echo "stm-$length-s$seed $length --variant stm --seed $seed"
      echo "compressive-$length-s$seed $length --variant compressive --num-basis 32 --seed $seed"
    done
    echo "ltm-512-s$seed 512 --variant ltm --num-basis 32 --seed $seed"   # the gate ablation
    for n in 8 16 32 64 128; do   # Figure 3 right: one pair of widths at every N (the reference's ×16, as N is the paper's ÷16)
      echo "ltm-512-n$n-gate-s$seed 512 --variant ltm --gate --num-basis $n --widths 0.16 0.8 --seed $seed"
    done
  done
}

if [ "${1:-}" = "--list" ]; then queue | cut -d' ' -f1; exit 0; fi
mkdir -p runs/sorting "$OUT"
queue | while read -r name length args; do
  if [ $# -gt 0 ] && ! printf '%s\n' "$@" | grep -qx "$name"; then continue; fi
  [ -f "$OUT/$name.json" ] && continue
  echo "== $name ($(date +%T))"
  # shellcheck disable=SC2086  # args is a list of options
  "$PY" -m infformer sorting train --out "runs/sorting/$name" --length "$length" "${COMMON[@]}" $args < /dev/null
  "$PY" -m infformer sorting evaluate --model "runs/sorting/$name" --length "$length" --examples 1000 \
      --seed 12345 --threads 1 --device "$DEVICE" > "$OUT/$name.json.tmp" < /dev/null
  # why training ended (the run folder is deleted once its results land, so the report keeps it)
  "$PY" -c "import json, sys; r = json.load(open(sys.argv[1])); s = json.load(open(sys.argv[2]))
r['stopped_by'] = 'plateau' if s.get('stopped') else 'steps'; json.dump(r, open(sys.argv[1], 'w'), indent=2)" \
      "$OUT/$name.json.tmp" "runs/sorting/$name/train_state.json"
  mv "$OUT/$name.json.tmp" "$OUT/$name.json"   # tables never read half a report
done
