"""Fixtures for every test (pytest finds them by itself): tiny models, a tiny tokenizer, checkpoint
and corpus, the command line, and the app tests' reference trace. Plain helpers are in helpers.py.

Everything is sized for a 2-core CPU that is busy with a training job: one torch thread, tiny
dimensions, modest hypothesis budgets. Nothing is downloaded; everything written goes to tmp_path.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
# The small model is the suite's default (it traces in a second); tests of the shipped default
# (the memory on SmolLM2) name it or unset this in a subprocess.
os.environ.setdefault("INFFORMER_MODEL", "austen-cmudog-sticky")
os.environ.setdefault("OMP_NUM_THREADS", "1")

import tempfile  # noqa: E402

import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402
from hypothesis.configuration import set_hypothesis_home_dir  # noqa: E402

# hypothesis keeps caches in ./.hypothesis; keep them out of the repository
set_hypothesis_home_dir(os.path.join(tempfile.gettempdir(), "infformer-tests-hypothesis"))

torch.manual_seed(0)
torch.set_num_threads(1)

# No example database: hypothesis must not write into the repository.
settings.register_profile("infformer", deadline=None, max_examples=40, database=None, derandomize=False,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.load_profile("infformer")

if str(Path(__file__).resolve().parent.parent) not in sys.path:  # the app tests import `pages`
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from helpers import ROOT, SAMPLE_TEXT, make_model, run_cli, tiny_config  # noqa: E402

from infformer import InfFormer  # noqa: E402


@pytest.fixture
def tiny_cfg():
    """Factory: tiny_cfg(variant, ltm=..., **ModelConfig fields)."""
    return tiny_config


@pytest.fixture
def tiny_model():
    """Factory: tiny_model(variant, seed, ltm=..., **fields) -> a random-init InfFormer in eval mode."""
    return make_model


# ----------------------------------------------------------------------- tokenizer / checkpoint
@pytest.fixture(scope="session")
def sample_text_file(tmp_path_factory) -> Path:
    p = tmp_path_factory.mktemp("text") / "sample.txt"
    p.write_text(SAMPLE_TEXT, encoding="utf-8")
    return p


@pytest.fixture(scope="session")
def tiny_tokenizer(sample_text_file):
    from infformer.io.tokenizer import Tokenizer
    return Tokenizer.train([sample_text_file], vocab_size=300)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_tokenizer) -> Path:
    """A random-init tiny sticky model with the tiny tokenizer, saved as a checkpoint directory."""
    from infformer.io.checkpoint import save_checkpoint
    torch.manual_seed(0)
    cfg = tiny_config("sticky", vocab_size=tiny_tokenizer.vocab_size)
    model = InfFormer(cfg).eval()
    d = tmp_path_factory.mktemp("ckpt") / "tiny"
    save_checkpoint(d, model, tiny_tokenizer, {"note": "random init, for tests"})
    return d


@pytest.fixture(scope="session")
def tiny_corpus(tmp_path_factory) -> Path:
    """Two small repetitive documents (a directory of .txt files)."""
    d = tmp_path_factory.mktemp("corpus")
    (d / "a.txt").write_text("the cat sat on the mat. the dog ate the bone. " * 60, encoding="utf-8")
    (d / "b.txt").write_text("one two three four five six seven eight nine ten. " * 60, encoding="utf-8")
    return d


# ----------------------------------------------------------------------- command line
@pytest.fixture
def cli():
    return run_cli


# ----------------------------------------------------------------------- app fixtures (found by pytest)
@pytest.fixture(scope="session")
def reference():
    """The default example traced with the core directly, under the default model's own settings
    (the app's defaults): (trace, fit targets, the example's text and query)."""
    import json

    import torch
    from app_helpers import DEFAULT_MODEL_DIR

    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.fit_targets import trace_with_targets
    examples = json.loads((ROOT / "assets/examples/examples.json").read_text())
    ex = examples["home_alone"]
    text = (ROOT / "assets/examples" / ex["file"]).read_text(encoding="utf-8")
    # the app's thread count (app.py), so that the reference and the app compute the same floats
    from infformer.core.settings import default_threads
    torch.set_num_threads(default_threads())
    model, tokenizer, _ = load_checkpoint(DEFAULT_MODEL_DIR)
    trace, targets = trace_with_targets(model, tokenizer, text, ex["query"])
    return trace, targets, text, ex["query"]


@pytest.fixture(scope="session")
def sorting_models(tmp_path_factory):
    """A directory holding one tiny sorting model, "sorting-tiny" (trained at length 40 for a few
    steps: the Sorting page needs a sorting checkpoint, not a good one)."""
    from infformer.experiments.sorting.train import SortingTrainConfig, sorting_model_config, train_sorting
    root = tmp_path_factory.mktemp("sorting-models")
    cfg = sorting_model_config("ltm", segment_len=16, stm_len=16, num_basis=16, d_model=32, n_layers=1, n_heads=2)
    tc = SortingTrainConfig(length=40, steps=3, batch_size=2, warmup=1, eval_every=0, eval_examples=2,
                            checkpoint_every=3, bf16=False)
    train_sorting(root / "sorting-tiny", cfg, tc, progress=False)
    return root
