#!/usr/bin/env bash
# What SmolLM2-135M's local window costs, without any long-term memory (issue 23): bits per character
# on GPL-3 and the ssh(1) manual page for segments of L tokens with a short-term memory of S tokens.
#   scripts/experiments/pretrained_windows.sh   -> results/pretrained/windows.csv (one thread, float32, ~12 min)
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
export HF_HUB_OFFLINE=1
[ -d build/eval/real-english ] || "$PY" scripts/experiments/real_english.py --out build/eval/real-english
echo "segment_len,stm_len,bits_per_character,gpl3,ssh,seconds" > results/pretrained/windows.csv
for w in "256 256" "512 512" "1024 1024" "512 0" "1024 0" "2048 0" "4096 0"; do
  set -- $w
  "$PY" scripts/experiments/pretrained_models.py --out "build/models/w$1-$2" --segment-len "$1" --stm-len "$2" >/dev/null
  "$PY" -m infformer evaluate --text build/eval/real-english/legal-gpl3.txt build/eval/real-english/manual-ssh.txt \
    --model "build/models/w$1-$2/smollm2-local" --threads 1 --quiet > "build/models/w$1-$2/eval.json"
  "$PY" -c "import json,sys; d=json.load(open(sys.argv[1])); print(','.join(map(str, [$1, $2, d['bits_per_character'],
    *[x['bits_per_character'] for x in d['documents']], d['seconds']])))" "build/models/w$1-$2/eval.json" \
    >> results/pretrained/windows.csv
done
cat results/pretrained/windows.csv
