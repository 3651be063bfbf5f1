#!/usr/bin/env bash
# Tables 1 and 2 (issue 11): the variants fine-tuned from one base (runs/lm-base2) under one budget
# and one data order (scripts/experiments/default_model.sh), then evaluated alike.
#
#   scripts/experiments/variants.sh train VARIANT      # stm | compressive | ltm | sticky (resumes)
#   CMUDOG=../shared/data/cmu_dog/full scripts/experiments/variants.sh eval VARIANT
#   CMUDOG=... scripts/experiments/variants.sh dialogue VARIANT   # Table 2 only (dialogue-V.json)
#   CMUDOG=... scripts/experiments/variants.sh nodoc    # the paper's "without document" row (stm)
#   MODEL=DIR: evaluate DIR under the name VARIANT (e.g. MODEL=runs/lm-ft-sticky-5k ... eval sticky-5k)
#
# VARIANT stm is the paper's "GPT-2" row (the base fine-tuned further with its short-term memory
# only); compressive, ltm (∞-former) and sticky add their memory to every layer. Evaluations, one
# thread each, JSON in results/variants/:
#   austen-V.json    held-out Austen as paragraphs (last 5% of each book, its memory carried), by position
#   cmudog-V.json    every 4th CMU-DoG test conversation after its film's document (build/eval/cmudog-test), by position
#   dialogue-V.json  CMU-DoG test: perplexity of the turns (all 619 conversations, or CONVERSATIONS=K seeded),
#                    replies generated for every turn from the second on in GENERATE (default 30) of
#                    them (top-p 0.9, ≤ 50 tokens, seed 0) scored by F1 / ROUGE-1 / ROUGE-L, and the
#                    section attention of the real replies
# A model with a long-term memory is also scored with its read zeroed (--ablate-ltm).
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
source scripts/experiments/ablation.sh
OUT=results/variants
CONV=()  # perplexity on every test conversation (619) unless CONVERSATIONS=K asks for a seeded sample
[ -n "${CONVERSATIONS:-}" ] && CONV=(--conversations "$CONVERSATIONS")
GEN=${GENERATE:-30}
mkdir -p "$OUT"
json() {  # json FILE COMMAND...: write the command's JSON atomically (tables never read half a file)
  local file=$1; shift
  "$@" > "$file.tmp" && mv "$file.tmp" "$file"
}
case "${1:-}" in
  train) scripts/experiments/default_model.sh "$([ "${2:?variant}" = ltm ] && echo linear || echo "$2")" ;;
  eval|dialogue)   # dialogue: Table 2 only
    v=${2:?variant}; m=${MODEL:-runs/lm-ft-$v}
    mapfile -t ablate < <(ablation "$m")  # --ablate-ltm, or nothing without a memory
    [ -d build/eval/cmudog-test ] || "$PY" scripts/build_corpus.py --cmudog "${CMUDOG:?set CMUDOG}" \
        --heldout-out build/eval/cmudog-test --every 4
    run() { "$PY" -m infformer "$@" --model "$m" --threads 1 --quiet; }
    if [ "$1" = eval ]; then
      json "$OUT/austen-$v.json" run evaluate --text build/corpus/austen --heldout 0.05 "${ablate[@]}"
      json "$OUT/cmudog-$v.json" run evaluate --text build/eval/cmudog-test "${ablate[@]}"
    fi
    json "$OUT/dialogue-$v.json" run dialogue evaluate --data "${CMUDOG:?set CMUDOG}" --split test \
        "${CONV[@]}" --generate-conversations "$GEN" --seed 0 "${ablate[@]}" ;;
  nodoc)
    json "$OUT/dialogue-stm-nodoc.json" "$PY" -m infformer dialogue evaluate --model runs/lm-ft-stm --threads 1 --quiet \
        --data "${CMUDOG:?set CMUDOG}" --split test "${CONV[@]}" --generate-conversations "$GEN" --seed 0 \
        --no-document ;;
  *) echo "usage: $0 train|eval|dialogue VARIANT, or nodoc" >&2; exit 2 ;;
esac
