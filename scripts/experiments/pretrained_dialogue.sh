#!/usr/bin/env bash
# Issue 27's Table 2 and Figure 4 on the pretrained backbone: one model on the CMU-DoG test split,
# the film's document read first, as the small models' Table 2 was made (scripts/experiments/variants.sh).
#
#   CMUDOG=../shared/data/cmu_dog/full scripts/experiments/pretrained_dialogue.sh MODEL_DIR NAME [--no-document]
#
# Writes results/pretrained/NAME/dialogue.json (dialogue-nodoc.json with --no-document): perplexity of
# the turns on all 619 test conversations (CONVERSATIONS=K: a seeded sample), replies generated for every
# turn from the second on in GENERATE (default 30) of them (top-p 0.9, ≤ 50 tokens, seed SEED, default 0)
# scored by F1 / ROUGE-1 / ROUGE-L, and with a long-term memory the section attention of the real replies
# against the shuffled control (Figure 4) and the perplexity with the read zeroed. One thread, float32.
# Skips a model whose JSON exists (a queue of models resumes where it stopped); the JSON is written whole.
# Cost measured on one shared core of an AMD EPYC without AMX (2026-12-06), SmolLM2 with the memory:
# ~16 s a conversation for perplexity, ~70-100 s a conversation for generation and section attention:
# about 3 hours for perplexity on all 619 and 40-50 minutes for 30 generated conversations.
# MODEL_DIR build/models/w512-0/smollm2-local is the baseline (see pretrained_eval.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:?model directory}; NAME=${2:?name}; shift 2
PY=${PY:-.venv/bin/python}
source scripts/experiments/ablation.sh
OUT=results/pretrained/$NAME
mkdir -p "$OUT"
file=$OUT/dialogue.json
extra=()
if [ "${1:-}" = --no-document ]; then file=$OUT/dialogue-nodoc.json; extra=(--no-document); fi
[ -f "$file" ] && { echo "$file exists: skipped"; exit 0; }
CONV=()
[ -n "${CONVERSATIONS:-}" ] && CONV=(--conversations "$CONVERSATIONS")
mapfile -t ablate < <(ablation "$MODEL")
[ ${#extra[@]} -gt 0 ] && ablate=()  # without the document the read-zeroed column is not asked for
export HF_HUB_OFFLINE=1
"$PY" -m infformer dialogue evaluate --model "$MODEL" --threads 1 --quiet --data "${CMUDOG:?set CMUDOG}" \
    --split test "${CONV[@]}" --generate-conversations "${GENERATE:-30}" --seed "${SEED:-0}" --position-bins 4 \
    "${extra[@]}" "${ablate[@]}" > "$file.tmp"
mv "$file.tmp" "$file"
echo "$file"
