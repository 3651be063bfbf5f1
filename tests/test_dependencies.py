"""pyproject.toml declares the dependencies; requirements.txt pins them; the pins satisfy the ranges."""
import tomllib
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent


def pins() -> dict:
    out = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line and not line.startswith("-"):
            name, version = line.split("==")
            out[name.lower()] = version
    return out


def test_every_declared_dependency_is_pinned_within_its_range():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = project["dependencies"] + [d for ds in project["optional-dependencies"].values() for d in ds]
    pinned = pins()
    assert pinned["torch"] == "2.13.0"
    for text in declared:
        req = Requirement(text)
        assert req.name.lower() in pinned, f"{req.name} is declared but not pinned in requirements.txt"
        assert req.specifier.contains(pinned[req.name.lower()]), (text, pinned[req.name.lower()])
