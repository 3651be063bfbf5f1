#!/usr/bin/env bash
# Issue 23's measurements beside pretrained_eval.sh, for one memory checkpoint on SmolLM2:
#  - the same weights read with longer segments (2,048 tokens) on GPL-3 and ssh(1), against SmolLM2's
#    own 2,048-token window (results/pretrained/windows.csv);
#  - the horizon and whether the memory looks by content (horizon_question.py, bf16);
#  - the pass-key haystack at 4,000 words (passkey_attention.py);
#  - generations after modern prompts (generations.sh).
#   scripts/experiments/pretrained_extras.sh MODEL_DIR NAME
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=$1; NAME=$2
PY=${PY:-.venv/bin/python}
OUT=results/pretrained
export HF_HUB_OFFLINE=1
L2048=build/models/$NAME-2048   # the same memory, config.json with segment_len 2048 (weights linked)
mkdir -p "$L2048" "$OUT/$NAME-2048"
for f in "$MODEL"/model*.safetensors; do ln -sf "$(realpath "$f")" "$L2048/"; done
"$PY" - "$MODEL/config.json" "$L2048/config.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1])); c["model"]["segment_len"] = 2048
json.dump(c, open(sys.argv[2], "w"), indent=2)
PY
for text in legal-gpl3 manual-ssh; do
  "$PY" -m infformer evaluate --text "build/eval/real-english/$text.txt" --model "$L2048" --threads 1 --quiet \
    --position-bins 4 > "$OUT/$NAME-2048/$text.json"
  echo "$OUT/$NAME-2048/$text.json"
done
"$PY" scripts/experiments/horizon_question.py --model "$MODEL" --bf16 --threads 1 > "$OUT/horizon-$NAME.json"
echo "$OUT/horizon-$NAME.json"
"$PY" scripts/experiments/passkey_attention.py --model "$MODEL" --length 4000 --threads 1 > "$OUT/passkey-$NAME.json"
echo "$OUT/passkey-$NAME.json"
scripts/experiments/generations.sh "$MODEL" "$NAME" > /dev/null
echo "$OUT/generations-$NAME.md"
