"""The README's Python example runs as written (on the shipped default model)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_readme_python_example_runs(tmp_path):
    from infformer.checkpoint import DEFAULT_MODEL
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
