"""The README's Python example runs as written (on the shipped default model)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_example_runs(tmp_path):
    from infformer.io.checkpoint import DEFAULT_MODEL
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.skip("the shipped default model is missing")
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, re.S)
    assert blocks, "README has no python example"
    script = tmp_path / "example.py"
    script.write_text(blocks[0].replace("/tmp/memory.safetensors", str(tmp_path / "memory.safetensors")))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "torch.Size([64, 3])" in r.stdout
    assert (tmp_path / "memory.safetensors").is_file()


def test_readme_converged_sorting_table_matches_the_results():
    """Every row of the README's hand-written per-run table (issue 10) is a finished run of
    results/sorting_converged_runs.csv, with its accuracy, steps and reason for stopping, and no
    finished run is missing from it."""
    import pandas as pd
    readme = (ROOT / "README.md").read_text()
    section = readme.split("#### Trained to convergence", 1)[1].split("\n\n", 3)[2]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()[2:]]
    # sorted by (steps, reason, accuracy) on both sides, so rows pair up whatever the README's order
    ours = sorted((int(r[1].split()[0].replace(",", "")), "plateau" if "plateau" in r[1] else "steps",
                   float(re.match(r"\**([\d.]+)", r[4])[1])) for r in rows)
    runs = pd.read_csv(ROOT / "results" / "sorting_converged_runs.csv")
    expected = sorted(zip(runs["steps"], runs["stopped_by"], runs["accuracy"]))
    assert len(ours) == len(expected), "README rows against finished runs"
    for (steps, why, acc), (want_steps, want_why, want) in zip(ours, expected):
        assert (steps, why) == (want_steps, want_why) and abs(acc - want) <= 0.05 + 1e-9, (acc, steps, why)
