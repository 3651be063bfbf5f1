#!/usr/bin/env bash
# On a lent accelerator, in one call (issue 12): the CUDA tests, a training step, per-segment cost and
# throughput. Through the device tool:  run  command="bench/gpu_check.sh"  timeout_s=600
# The numbers come back as $OUT/gpu_results.md, to be added to bench/RESULTS.md here.
# The device machine's python3 holds a CUDA PyTorch, pytest, hypothesis, safetensors and tokenizers.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-results}
python3 bench/gpu_check.py --out "$OUT/gpu_results.md" "$@" 2>&1 | tee "$OUT/gpu_check.log"
