#!/usr/bin/env bash
# Issue 27's Table 2 and Figure 4 on the pretrained backbone: one model on the CMU-DoG test split,
# the film's document read first, as the small models' Table 2 was made (scripts/experiments/variants.sh).
#
#   CMUDOG=../shared/data/cmu_dog/full scripts/experiments/pretrained_dialogue.sh MODEL_DIR NAME [--no-document]
#
# 1. Perplexity of the turns on all 619 test conversations, a part at a time: the split put in a seeded
#    order (SEED, default 0) and cut into PARTS (default 6, ~103 conversations each); PART_LIST (default
#    all, "1 2 … PARTS"; empty: none) says which parts to run now. Each part writes
#    results/pretrained/NAME/dialogue[-nodoc]-part-I-of-N.json with every conversation's nats, and with a
#    long-term memory the nats with its read zeroed (ABLATE=0: not); pretrained_dialogue_table.py pools the parts exactly.
#    SECTIONS=1 (a long-term memory, with the document): also Figure 4 on every conversation of each part
#    scored now (`--section-attention`: one trace each, which gives the perplexity too: ~1.2 times a part's
#    time, bench/figure4_cost.py). SECTIONS=all: and for each part scored before without it, Figure 4 in
#    dialogue-sections-part-I-of-N.json (the same nats again, no read-zeroed pass). The table pools Figure 4
#    over the parts measured so far.
# 2. Replies (REPLIES=G, default 30; 0: none): a seeded sample of G conversations (REPLY_SEED, default 1),
#    a reply generated for every turn from the second on (top-p 0.9, ≤ 50 tokens) scored by F1 / ROUGE-1 /
#    ROUGE-L / METEOR, and with a long-term memory the section attention of the real replies against the
#    shuffled control (Figure 4), the sample cut into REPLY_PARTS (default 3, ~10 conversations each; 1: one
#    file, as before session 19) of which REPLY_PART_LIST (default all) run now:
#    results/pretrained/NAME/dialogue[-nodoc]-replies-seedS-part-I-of-R.json, each reply's scores kept, so
#    the table pools the parts and pairs two models' replies turn by turn (a reply's seed is fixed by
#    (seed, conversation, turn): the parts write the very replies one run would).
# 3. Figure 4 alone (FIGURE4=K, default 0: none; a long-term memory, with the document): the section attention
#    of the real replies on a seeded sample of K conversations (REPLY_SEED), no replies generated (~40 s a
#    conversation): results/pretrained/NAME/dialogue-sections-seedS.json.
# Every file is written whole and skipped when it exists, so a queue resumes where it stopped.
# RESULTS=DIR writes under DIR/NAME instead of results/pretrained/NAME.
# Cost measured on one core of an AMD EPYC without AMX (2026-12-06), SmolLM2 with the memory, float32:
# ~14 s a conversation for perplexity (twice that with the read-zeroed pass): a part ~25-50 minutes;
# the replies ~3 minutes a conversation with generation's cache (a reply of up to 50 tokens for each of ~30
# turns): the linear ∞-former's 30 conversations (925 replies) took 90 minutes beside another job (session 18).
# MODEL_DIR build/models/w512-0/smollm2-local is the baseline (see pretrained_eval.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=${1:?model directory}; NAME=${2:?name}; shift 2
PY=${PY:-.venv/bin/python}
source scripts/experiments/ablation.sh
OUT=${RESULTS:-results/pretrained}/$NAME
mkdir -p "$OUT"
stem=$OUT/dialogue
extra=()
if [ "${1:-}" = --no-document ]; then stem=$OUT/dialogue-nodoc; extra=(--no-document); fi
PARTS=${PARTS:-6}
mapfile -t memory < <(ablation "$MODEL")   # --ablate-ltm with a long-term memory, else nothing
[ ${#extra[@]} -gt 0 ] && memory=()  # the sections and the read-zeroed column need the document
ablate=("${memory[@]}")
# ABLATE=0: no read-zeroed pass (half the time). A memory fine-tuned from a zero output projection with the
# backbone frozen, read zeroed, is the backbone on the same segments, so the baseline's own run
# (build/models/w512-0, with the document) gives that column once for every memory variant.
[ "${ABLATE:-1}" = 0 ] && ablate=()
sections=()
if [[ ${SECTIONS:-0} =~ ^(1|all)$ ]] && [ ${#memory[@]} -gt 0 ]; then sections=(--section-attention); fi
export HF_HUB_OFFLINE=1
evaluate() {  # evaluate FILE ARGS...: one `dialogue evaluate` into FILE, unless it exists
  local file=$1; shift
  [ -f "$file" ] && { echo "$file exists: skipped"; return 0; }
  "$PY" -m infformer dialogue evaluate --model "$MODEL" --threads 1 --quiet --data "${CMUDOG:?set CMUDOG}" \
      --split test --position-bins 4 "${extra[@]}" "$@" > "$file.tmp"
  mv "$file.tmp" "$file"
  echo "$file"
}
for part in ${PART_LIST-$(seq 1 "$PARTS")}; do
  file=$stem-part-$part-of-$PARTS.json
  if [ "${SECTIONS:-0}" = all ] && [ ${#sections[@]} -gt 0 ] && [ -f "$file" ] && ! grep -q '"section_rows"' "$file"; then
    evaluate "$stem-sections-part-$part-of-$PARTS.json" --part "$part/$PARTS" --seed "${SEED:-0}" \
        --generate-conversations 0 "${sections[@]}"
  else
    evaluate "$file" --part "$part/$PARTS" --seed "${SEED:-0}" --generate-conversations 0 "${ablate[@]}" "${sections[@]}"
  fi
done
K=${FIGURE4:-0}
if [ "$K" -gt 0 ] && [ ${#memory[@]} -gt 0 ]; then
  evaluate "$stem-sections-seed${REPLY_SEED:-1}.json" --conversations "$K" --seed "${REPLY_SEED:-1}" \
      --generate-conversations 0 --section-attention
fi
G=${REPLIES:-30}
if [ "$G" -gt 0 ]; then
  S=${REPLY_SEED:-1}
  R=${REPLY_PARTS:-3}
  [ "$R" -gt "$G" ] && R=$G   # no empty part
  if [ "$R" = 1 ]; then
    evaluate "$stem-replies-seed$S.json" --conversations "$G" --generate-conversations "$G" --seed "$S"
  else
    for part in ${REPLY_PART_LIST-$(seq 1 "$R")}; do
      evaluate "$stem-replies-seed$S-part-$part-of-$R.json" --conversations "$G" --part "$part/$R" \
          --generate-conversations "$G" --seed "$S"
    done
  fi
fi
