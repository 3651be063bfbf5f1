"""Record why finished sorting runs stopped in their reports (results/sorting-converged/NAME.json:
"stopped_by": "plateau" or "steps", from runs/sorting/NAME/train_state.json), for reports written
before sorting_converged.sh did it itself; the run folder is deleted once its results land.

    .venv/bin/python scripts/experiments/sorting_stopped.py
"""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

for report in sorted((ROOT / "results" / "sorting-converged").glob("*.json")):
    r = json.loads(report.read_text())
    state = ROOT / "runs" / "sorting" / report.stem / "train_state.json"
    if "stopped_by" in r or not state.exists():
        continue
    s = json.loads(state.read_text())
    r["stopped_by"] = "plateau" if s.get("stopped") else "steps"
    report.write_text(json.dumps(r, indent=2) + "\n")
    print(f"{report.stem}: {r['stopped_by']} at step {s.get('step')}")
