"""Shared fixtures for the model-core tests: tiny configurations, a tiny tokenizer and checkpoint,
and a helper that runs the command line in a subprocess.

Everything is sized for a 2-core CPU that is busy with a training job: one torch thread, tiny
dimensions, modest hypothesis budgets. Nothing is downloaded; everything written goes to tmp_path.
"""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
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

# INFFORMER_EXAMPLES_SCALE=10: ten times the hypothesis examples, for a bug hunt (not for CI)
EXAMPLES_SCALE = float(os.environ.get("INFFORMER_EXAMPLES_SCALE", "1"))


def examples(n: int) -> int:
    """A test's hypothesis budget, scaled by INFFORMER_EXAMPLES_SCALE."""
    return max(1, int(n * EXAMPLES_SCALE))

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from infformer import InfFormer, LTMConfig, ModelConfig  # noqa: E402

VOCAB = 64

# A short, repetitive text: enough to train a byte-level BPE of ~300 tokens and a tiny model.
SAMPLE_TEXT = (
    "It is a truth universally acknowledged, that a single man in possession of a good fortune, "
    "must be in want of a wife. The pass key is 71432. Remember it.\n\n"
    + "The grass is green. The sky is blue. The cat sat on the mat. " * 20
    + "\n\nEmma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition, "
    "seemed to unite some of the best blessings of existence.\n"
)


def tiny_ltm(**changes) -> LTMConfig:
    fields = dict(num_basis=16, num_samples=16, num_bins=16, span_capacity=64)
    fields.update(changes)
    return LTMConfig(**fields)


def tiny_config(variant: str = "ltm", *, ltm: LTMConfig | None = None, **fields) -> ModelConfig:
    base = dict(vocab_size=VOCAB, d_model=32, n_layers=2, n_heads=2, d_ff=64, dropout=0.0,
                segment_len=8, stm_len=8)
    base.update(fields)
    return ModelConfig.for_variant(variant, ltm=ltm or tiny_ltm(), **base)


def make_model(variant: str = "ltm", seed: int = 0, *, ltm: LTMConfig | None = None, **fields) -> InfFormer:
    torch.manual_seed(seed)
    return InfFormer(tiny_config(variant, ltm=ltm, **fields)).eval()


@pytest.fixture
def tiny_cfg():
    """Factory: tiny_cfg(variant, ltm=..., **ModelConfig fields)."""
    return tiny_config


@pytest.fixture
def tiny_model():
    """Factory: tiny_model(variant, seed, ltm=..., **fields) -> a random-init InfFormer in eval mode."""
    return make_model


def random_tokens(n: int, batch: int = 1, seed: int = 0, vocab: int = VOCAB) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, n), generator=g)


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
def cli_env() -> dict:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""), TQDM_DISABLE="1")
    return env


def run_cli(args, cwd, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m infformer ARGS` in a subprocess (cwd inside tmp_path, so nothing lands in the repo)."""
    return subprocess.run([sys.executable, "-m", "infformer", *map(str, args)], cwd=str(cwd), env=cli_env(),
                          capture_output=True, text=True, timeout=timeout)


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

    from conftest_app import DEFAULT_MODEL_DIR

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
