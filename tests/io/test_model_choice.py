"""Which model runs when none is named: the memory on SmolLM2, or $INFFORMER_MODEL."""
import os
import subprocess
import sys
from pathlib import Path

from infformer.io.checkpoint import ASSETS, PRETRAINED_MODEL, SMALL_MODEL, default_model

ROOT = Path(__file__).resolve().parents[2]


def test_unset_means_the_pretrained_model():
    assert default_model("") == PRETRAINED_MODEL == ASSETS / "models" / "smollm2-sticky"


def test_a_shipped_name_or_a_directory():
    assert default_model("austen-cmudog-sticky") == SMALL_MODEL
    assert default_model("/some/checkpoint") == Path("/some/checkpoint")
    assert default_model("not-shipped") == Path("not-shipped")  # then loading it names the problem


def test_the_shipped_default_is_the_pretrained_model_outside_the_test_suite():
    env = {k: v for k, v in os.environ.items() if k != "INFFORMER_MODEL"}
    out = subprocess.run([sys.executable, "-c", "from infformer.io.checkpoint import DEFAULT_MODEL; print(DEFAULT_MODEL)"],
                         cwd=ROOT, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(out) == PRETRAINED_MODEL
    assert (PRETRAINED_MODEL / "config.json").is_file() and (PRETRAINED_MODEL / "README.md").is_file()
