"""What several tests share that is not a fixture: tiny model configurations, random tokens, the
sample text, and running the command line in a subprocess. Import it (`from helpers import ...`);
fixtures live in conftest.py, which pytest finds by itself."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import torch

from infformer import InfFormer, LTMConfig, ModelConfig

ROOT = Path(__file__).resolve().parent.parent

# INFFORMER_EXAMPLES_SCALE=10: ten times the hypothesis examples, for a bug hunt (not for CI)
EXAMPLES_SCALE = float(os.environ.get("INFFORMER_EXAMPLES_SCALE", "1"))


def examples(n: int) -> int:
    """A test's hypothesis budget, scaled by INFFORMER_EXAMPLES_SCALE."""
    return max(1, int(n * EXAMPLES_SCALE))


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


def random_tokens(n: int, batch: int = 1, seed: int = 0, vocab: int = VOCAB) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, vocab, (batch, n), generator=g)


def cli_env() -> dict:
    env = dict(os.environ)
    env.update(HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1", PYTHONDONTWRITEBYTECODE="1",
               PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""), TQDM_DISABLE="1")
    return env


def run_cli(args, cwd, timeout: float = 180) -> subprocess.CompletedProcess:
    """`python -m infformer ARGS` in a subprocess (cwd inside tmp_path, so nothing lands in the repo)."""
    return subprocess.run([sys.executable, "-m", "infformer", *map(str, args)], cwd=str(cwd), env=cli_env(),
                          capture_output=True, text=True, timeout=timeout)
