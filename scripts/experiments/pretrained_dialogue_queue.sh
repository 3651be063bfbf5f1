#!/usr/bin/env bash
# Issue 27's dialogue evaluations on the CPU, most needed first, LANES at a time (default 2: one thread
# each, two processes on this 2-core machine), each a `pretrained_dialogue.sh` call whose file is skipped
# when it exists, so the queue resumes wherever an earlier session stopped (a job cut off leaves only a .tmp):
#
#   CMUDOG=../shared/data/cmu_dog/full nohup scripts/experiments/pretrained_dialogue_queue.sh > build/dialogue-queue.log 2>&1 &
#   scripts/experiments/pretrained_dialogue_queue.sh --list       the jobs, in order
#
# Order: SmolLM2 with the document on the same 512-token segments (it is either ∞-former with its read zeroed,
# nats for nats, so no memory model needs a read-zeroed pass of its own: ABLATE=0 halves their time), the two
# ∞-formers part by part (with Figure 4 from here on: SECTIONS=1), the ∞-former without the document, the
# Compressive row (its memory trained again, ~90 minutes, then part 1), generated replies (30 conversations
# a model in three parts, ~45-110 minutes a model on a core), the second seeds (part 1 of each is enough to
# pair them; then the rest), Figure 4 for the parts scored before it was cheap (SECTIONS=all: ~40-55 minutes
# a part), and last the Compressive row's replies (its memory trained again first). Costs here (AMD EPYC, one thread, float32, two jobs
# at once): a baseline part ~18 minutes with the document and ~8 without, a memory part ~25-30 minutes.
# The baseline keeps the absolute path of its first parts (pool_parts refuses parts of different models).
# DIALOGUE=script replaces pretrained_dialogue.sh (the tests use a stand-in).
set -euo pipefail
cd "$(dirname "$0")/../.."
BASE=${BASELINE:-$PWD/build/models/w512-0/smollm2-local}
RUN=${DIALOGUE:-scripts/experiments/pretrained_dialogue.sh}
PARTS="1 2 3 4 5 6"

jobs() {
  local p
  for p in $PARTS; do echo "PART_LIST=$p REPLIES=0 $RUN $BASE baseline"; done
  for p in $PARTS; do   # SECTIONS=1: Figure 4 with each part scored now (~1.2 times a part's time)
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=1 $RUN runs/smollm2-mix-ltm variant-ltm-s0"
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=1 $RUN assets/models/smollm2-sticky infformer-mix"
  done
  for p in $PARTS; do echo "PART_LIST=$p REPLIES=0 $RUN runs/smollm2-mix-ltm variant-ltm-s0 --no-document"; done
  echo "PART_LIST=1 ${COMPRESSIVE:-scripts/experiments/pretrained_compressive.sh}"   # trained again (~90 min), part 1
  # replies a third of the sample at a time (~30 minutes a part with a memory), each reply's scores kept: the rows
  # with no replies yet first, then the ∞-former and SmolLM2 again (their session-18 files kept no reply's
  # scores, so they could not pair)
  for m in "assets/models/smollm2-sticky infformer-mix" "$BASE baseline --no-document" \
           "runs/smollm2-mix-ltm variant-ltm-s0" "$BASE baseline"; do
    for p in 1 2 3; do echo "PART_LIST= REPLIES=30 REPLY_PARTS=3 REPLY_PART_LIST=$p $RUN $m"; done
  done
  for p in $PARTS; do
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=1 $RUN runs/smollm2-mix-ltm-s1 variant-ltm-s1"
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=1 $RUN runs/smollm2-mix-sticky-s1 variant-sticky-s1"
  done
  for p in $PARTS; do   # Figure 4 for the parts scored before without it
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=all $RUN runs/smollm2-mix-ltm variant-ltm-s0"
    echo "PART_LIST=$p REPLIES=0 ABLATE=0 SECTIONS=all $RUN assets/models/smollm2-sticky infformer-mix"
  done
  # Last, the Compressive replies, a sixth of the sample a job: the first job trains its memory again (~90-110
  # minutes: its weights are not kept), the others wait for it (pretrained_compressive.sh's lock), then two
  # lanes share the six parts (~18 minutes each): ~2.5 hours in all, which must fall within one session (the
  # memory is lost with the machine), so start the queue at a session's beginning when these are what is left.
  for p in 1 2 3 4 5 6; do
    echo "PART_LIST= REPLIES=30 REPLY_PARTS=6 REPLY_PART_LIST=$p ${COMPRESSIVE:-scripts/experiments/pretrained_compressive.sh}"
  done
}
if [ "${1:-}" = --list ]; then jobs; exit 0; fi
if [ -z "${DIALOGUE:-}" ] && [ ! -f "$BASE/config.json" ]; then   # the baseline is a build artefact
  .venv/bin/python scripts/experiments/pretrained_models.py --out "$(dirname "$BASE")" --segment-len 512 --stm-len 0
fi
export CMUDOG=${CMUDOG:?set CMUDOG to the condensed CMU-DoG directory} OMP_NUM_THREADS=1
# shellcheck disable=SC2016  # the job line is split into its VAR=value words and command in the inner shell
jobs | xargs -P "${LANES:-2}" -I{} sh -c 'echo "$(date +%T) start {}"; env {} || echo "$(date +%T) FAILED {}"; echo "$(date +%T) done {}"'
