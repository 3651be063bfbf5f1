#!/usr/bin/env bash
# Every number of the default model's card and its section of docs/experiments.md (issue 8), as JSON in results/default/.
#
#   CMUDOG=../shared/data/cmu_dog/full [CONVERSATIONS=150] scripts/experiments/default_eval.sh [MODEL] [BASE]
#
# MODEL (default runs/lm-ft-sticky-5k, the shipped default) and BASE (default runs/lm-base2), each run on one thread:
#   austen-<m>.json      held-out Austen as paragraphs (the last 5% of every book), with the read zeroed too
#   wrapped-<m>.json     one held-out passage as paragraphs and hard-wrapped at 70 (wrapped_pair.py)
#   homealone-<m>.json   the Home Alone document
#   dialogue-<m>.json    CMU-DoG test: document then conversation, only the turns scored, read zeroed too
#   nodoc-<m>.json       the same conversations without the document
#   passkey-<m>.json     attention on the pass-key sentence against its share of the memory
#   generate-<m>.txt     a greedy continuation of a one-paragraph modern prompt (ending a paragraph)
#   generate-storm-<m>.txt  the same for a prompt that stops mid-sentence
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
source scripts/experiments/ablation.sh
MODEL=${1:-runs/lm-ft-sticky-5k}
BASE=${2-runs/lm-base2}  # "" (given explicitly): the model only
CONV=()  # CONVERSATIONS=K: a seeded sample of K test conversations (seed 0) instead of all 619
[ -n "${CONVERSATIONS:-}" ] && CONV=(--conversations "$CONVERSATIONS" --seed 0)
OUT=results/default
mkdir -p "$OUT" build/eval
"$PY" scripts/experiments/wrapped_pair.py --out build/eval >/dev/null
PROMPT="The city council met on Tuesday night to discuss the new bus routes. Residents who had waited for years \
for a direct line to the hospital spoke first, and several of them brought letters from neighbours who could not come."
STORM="When the storm reached the coast on Friday morning, the fishermen had already pulled their boats onto the \
beach. By noon the wind was so strong that"
for m in "$MODEL" ${BASE:+"$BASE"}; do
  name=$(basename "$m")
  mapfile -t ablate < <(ablation "$m")  # --ablate-ltm, or nothing without a memory
  run() { "$PY" -m infformer "$@" --model "$m" --threads 1 --quiet; }
  run evaluate --text build/corpus/austen --heldout 0.05 "${ablate[@]}" > "$OUT/austen-$name.json"
  run evaluate --text build/eval/persuasion_tail_paragraphs.txt build/eval/persuasion_tail_wrapped70.txt \
      > "$OUT/wrapped-$name.json"
  run evaluate --text assets/examples/home_alone.txt > "$OUT/homealone-$name.json"
  run dialogue evaluate --data "${CMUDOG:?set CMUDOG}" --split test "${CONV[@]}" "${ablate[@]}" --generate-conversations 0 > "$OUT/dialogue-$name.json"
  run dialogue evaluate --data "$CMUDOG" --split test "${CONV[@]}" --no-document --generate-conversations 0 > "$OUT/nodoc-$name.json"
  "$PY" -m infformer generate --model "$m" --threads 1 --prompt "$PROMPT" --max-new-tokens 80 > "$OUT/generate-$name.txt"
  "$PY" -m infformer generate --model "$m" --threads 1 --prompt "$STORM" --max-new-tokens 80 > "$OUT/generate-storm-$name.txt"
  if [ ${#ablate[@]} -gt 0 ]; then
    "$PY" scripts/experiments/passkey_attention.py --model "$m" --threads 1 > "$OUT/passkey-$name.json"
  fi
done
