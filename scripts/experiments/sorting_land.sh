#!/usr/bin/env bash
# Land the sorting runs of sorting_converged.sh at the end of a session (issue 10):
#   - finished runs (results/sorting-converged/NAME.json exists): their reports keep why they
#     stopped (sorting_stopped.py), tables.py collects them and copies their curves to
#     results/curves/, and their run folders leave runs/sorting/ (and the index, if committed);
#   - runs in flight (a folder without a report): their latest resumable checkpoint (weights, Adam
#     state, train_state.json, metrics.csv; ~3-5 MB) is staged with `git add -f` (runs/ is ignored).
# It stages; it does not commit. Then write the rows of docs/experiments.md ("Trained to convergence") and runs/sorting/README.md's resume list
# (printed at the end) and commit.
#
#   scripts/experiments/sorting_land.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PY:-.venv/bin/python}
OUT=results/sorting-converged
"$PY" scripts/experiments/sorting_stopped.py
"$PY" scripts/experiments/tables.py > /dev/null
git add results
in_flight=()
for run in runs/sorting/*/; do
  name=$(basename "$run")
  if [ -f "$OUT/$name.json" ]; then
    git rm -rq --cached --ignore-unmatch "$run"
    rm -rf "$run"
    echo "finished: $name (folder removed)"
  elif [ -f "$run/train_state.json" ]; then
    git add -f "$run"
    in_flight+=("$name")
    echo "in flight: $name at step $("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["step"])' "$run/train_state.json")"
  fi
done
if [ ${#in_flight[@]} -gt 0 ]; then
  echo "resume with: scripts/experiments/sorting_converged.sh ${in_flight[*]}"
fi
