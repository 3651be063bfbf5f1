"""The documents against the code and the results: the README stays a front door (short, the two
Quick-start commands), its Python examples run as written (on the shipped default model), every
path the documents name exists, and the tables copied by hand into docs/experiments.md match
results/."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
EXPERIMENTS = ROOT / "docs" / "experiments.md"
DOCS = [README, *sorted((ROOT / "docs").glob("*.md"))]
# written under issue 22 beside this test; drop it from here once it is committed
PENDING: set = set()  # documents linked before they are written (none now)


def test_readme_is_a_front_door():
    """At most 150 lines, and Quick start is exactly the two commands of a fresh machine."""
    text = README.read_text()
    assert len(text.splitlines()) <= 150, "the README is a front door: move details to docs/"
    quick = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", quick, re.S)[1]
    commands = [line.split("#", 1)[0].strip() for line in block.splitlines() if line.strip()]
    assert commands == ["scripts/app.sh", "scripts/test.sh"]
    assert "scripts/test.sh --fast" in quick
    for script in ("app.sh", "test.sh"):
        assert (ROOT / "scripts" / script).is_file()


@pytest.mark.parametrize("doc", ["README.md", "docs/commands.md"])
def test_python_example_runs(tmp_path, doc):
    from infformer.io.checkpoint import DEFAULT_MODEL
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.skip("the shipped default model is missing")
    path = ROOT / doc
    if not path.is_file():
        pytest.skip(f"{doc} is missing")
    blocks = re.findall(r"```python\n(.*?)```", path.read_text(), re.S)
    assert blocks, f"{doc} has no python example"
    script = tmp_path / "example.py"
    script.write_text(blocks[0].replace("/tmp/memory.safetensors", str(tmp_path / "memory.safetensors")))
    r = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path,
                       env={"HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert r.returncode == 0, r.stderr[-2000:]
    assert "torch.Size([64, 3])" in r.stdout
    assert (tmp_path / "memory.safetensors").is_file()


def test_paths_named_in_the_documents_exist():
    """Every infformer/, scripts/, bench/ or tests/ path in README.md and docs/*.md, and every relative
    link (images included), points at something in the repository."""
    missing = []
    for doc in DOCS:
        text = doc.read_text()
        named = re.findall(r"(?<![\w./-])((?:infformer|scripts|bench|tests)/[\w./-]*\w)", text)
        for target in named:
            if not (ROOT / target).exists():
                missing.append(f"{doc.relative_to(ROOT)}: {target}")
        for link in re.findall(r"\]\(([^)\s]+)\)", text):
            if re.match(r"[a-z]+:", link) or link.startswith("#"):
                continue
            target = (doc.parent / link.split("#", 1)[0]).resolve()
            name = target.relative_to(ROOT).as_posix() if target.is_relative_to(ROOT) else str(target)
            if not target.exists() and name not in PENDING:
                missing.append(f"{doc.relative_to(ROOT)}: link {link}")
    assert not missing, missing


def test_converged_sorting_table_matches_the_results():
    """Every row of the hand-written per-run table (issue 10, docs/experiments.md) is a finished run of
    results/sorting_converged_runs.csv, with its accuracy, steps and reason for stopping, and no
    finished run is missing from it."""
    import pandas as pd
    text = EXPERIMENTS.read_text()
    section = text.split("### Trained to convergence", 1)[1].split("\n\n", 3)[2]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()[2:]]
    # sorted by (steps, reason, accuracy) on both sides, so rows pair up whatever the document's order
    ours = sorted((int(r[1].split()[0].replace(",", "")), "plateau" if "plateau" in r[1] else "steps",
                   float(re.match(r"\**([\d.]+)", r[4])[1])) for r in rows)
    runs = pd.read_csv(ROOT / "results" / "sorting_converged_runs.csv")
    expected = sorted(zip(runs["steps"], runs["stopped_by"], runs["accuracy"]))
    assert len(ours) == len(expected), "document rows against finished runs"
    for (steps, why, acc), (want_steps, want_why, want) in zip(ours, expected):
        assert (steps, why) == (want_steps, want_why) and abs(acc - want) <= 0.05 + 1e-9, (acc, steps, why)


def test_default_model_numbers_match_the_results():
    """The default model's table and lines in docs/experiments.md are what
    scripts/experiments/default_card.py prints from results/default/."""
    if not (ROOT / "results" / "default").is_dir():
        pytest.skip("results/default is missing")
    r = subprocess.run([sys.executable, str(ROOT / "scripts" / "experiments" / "default_card.py")],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-2000:]
    section = EXPERIMENTS.read_text().split("## The default model", 1)[1].split("\n## ", 1)[0]
    for block in r.stdout.strip().split("\n\n"):
        assert block.strip() in section, block[:200]


def test_architecture_names_every_subpackage_and_a_short_route():
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for init in (ROOT / "infformer").rglob("__init__.py"):
        package = init.parent.relative_to(ROOT).as_posix()
        if package != "infformer":
            assert f"`{package}/`" in text or f"{package}/" in text, package
    route = text.split("## The route of the user's text")[1].split("\n## ")[0]
    steps = [line for line in route.splitlines() if line[:3].rstrip(".").isdigit()]
    assert 0 < len(steps) <= 10
