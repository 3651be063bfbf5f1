#!/usr/bin/env bash
# Issue 23: what a model writes after modern prompts (a Wi-Fi support question, a news lead, install
# instructions) and after a question about a document read into its memory: nucleus 0.9, seed 0,
# 60 new tokens. Writes results/pretrained/generations-NAME.md.
#   scripts/experiments/generations.sh MODEL_DIR NAME
set -euo pipefail
cd "$(dirname "$0")/../.."
MODEL=$1; NAME=$2
PY=${PY:-.venv/bin/python}
OUT=results/pretrained/generations-$NAME.md
export HF_HUB_OFFLINE=1
gen() { "$PY" -m infformer generate --model "$MODEL" --threads 1 --max-new-tokens 60 --top-p 0.9 --sample-seed 0 "$@"; }
{
  echo "# Generations: $NAME (\`scripts/experiments/generations.sh $MODEL $NAME\`)"
  echo
  echo "Nucleus sampling, top-p 0.9, sample seed 0, 60 new tokens, one thread. The prompt in bold."
  for prompt in \
    "Q: My laptop connects to the Wi-Fi but no web page loads. What should I check first?
A:" \
    "BERLIN (Reuters) - The German government on Tuesday announced" \
    "To install the package on Debian, run the following commands:"; do
    echo
    echo "**${prompt//$'\n'/ }**$(gen --prompt "$prompt" | tr '\n' ' ')"
  done
  echo
  echo "After the first 3,000 characters of the GPL-3 read into the memory (\`--context-file\`):"
  head -c 3000 /usr/share/common-licenses/GPL-3 > /tmp/gpl3-head.txt
  prompt="Q: What does this license let me do with the program?
A:"
  echo
  echo "**${prompt//$'\n'/ }**$(gen --context-file /tmp/gpl3-head.txt --prompt "$prompt" | tr '\n' ' ')"
} > "$OUT"
cat "$OUT"
