#!/usr/bin/env bash
# Issue 23's evaluation: a model on real modern English it never trained on, held-out Austen and
# CMU-DoG test dialogues (document first), each as JSON in results/pretrained/NAME/.
#   scripts/experiments/pretrained_eval.sh MODEL_DIR NAME [--ablate-ltm]
# MODEL_DIR: a checkpoint (the memory on SmolLM2, or build/models/w512-0/smollm2-local, the baseline:
# SmolLM2 with the same 512-token segments and no long-term memory, made by
# `python scripts/experiments/pretrained_models.py --out build/models/w512-0 --segment-len 512 --stm-len 0`).
# The texts: `python scripts/experiments/real_english.py` (build/eval/real-english). One thread, float32.
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=$1; NAME=$2; shift 2
PY=${PY:-.venv/bin/python}
OUT=results/pretrained/$NAME
CMUDOG=${CMUDOG:-../shared/data/cmu_dog/full}
mkdir -p "$OUT"
export HF_HUB_OFFLINE=1
json() {  # json FILE COMMAND...: write the command's JSON whole (a table never reads half a file)
  local file=$1; shift
  "$@" > "$file.tmp" && mv "$file.tmp" "$file"
}
[ -d build/eval/real-english ] || "$PY" scripts/experiments/real_english.py --out build/eval/real-english
for text in legal-gpl3 manual-ssh policy-debian-python api-argparse long-bash; do
  json "$OUT/$text.json" "$PY" -m infformer evaluate --text "build/eval/real-english/$text.txt" --model "$MODEL" \
    --threads 1 --quiet --position-bins 4 "$@"
  echo "$OUT/$text.json"
done
json "$OUT/austen-heldout.json" "$PY" -m infformer evaluate --text data/austen --heldout 0.05 --model "$MODEL" \
  --threads 1 --quiet --position-bins 4 "$@"
echo "$OUT/austen-heldout.json"
if [ -d "$CMUDOG" ]; then
  json "$OUT/cmudog-test.json" "$PY" -m infformer dialogue evaluate --data "$CMUDOG" --split test \
    --conversations ${CONVERSATIONS:-20} --generate-conversations 0 --model "$MODEL" --threads 1 --quiet \
    --position-bins 4 "$@"
  echo "$OUT/cmudog-test.json"
fi
