"""The training entry runs unchanged under torchrun: two CPU processes (gloo) end with identical weights."""
import os
import subprocess
import sys
from pathlib import Path

import pytest
from safetensors.torch import load_file

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys, torch
from safetensors.torch import save_file
from infformer.core.config import LTMConfig, ModelConfig
from infformer.training.train import TrainConfig, train
torch.set_num_threads(1)
out = sys.argv[1]
cfg = ModelConfig.for_variant("sticky", d_model=32, n_layers=2, n_heads=2, d_ff=64, segment_len=16, stm_len=16,
                              ltm=LTMConfig(num_basis=16, num_samples=16, span_capacity=64))
model = train([sys.argv[2]], out, cfg, TrainConfig(steps=int(sys.argv[3]), batch_size=2, warmup=2, eval_every=0,
              checkpoint_every=3, vocab_size=300), progress=False)
rank = torch.distributed.get_rank() if torch.distributed.is_initialized() else int(__import__("os").environ["RANK"])
save_file({k: v.contiguous() for k, v in model.state_dict().items()}, f"{out}/weights.rank{rank}.safetensors")
"""


@pytest.mark.slow
def test_two_process_torchrun_gives_identical_weights(tmp_path):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text("It is a truth universally acknowledged, that a single man in possession of a good "
                      "fortune, must be in want of a wife. " * 60)
    script = tmp_path / "run.py"
    script.write_text(SCRIPT)
    out = tmp_path / "run"
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
           str(script), str(out), str(corpus)]
    r = subprocess.run(cmd + ["5"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = (load_file(str(out / f"weights.rank{i}.safetensors")) for i in (0, 1))
    assert w0.keys() == w1.keys()
    for k in w0:
        assert (w0[k] == w1[k]).all(), f"ranks disagree on {k}"
    assert (out / "memory.safetensors").is_file() and (out / "memory.rank1.safetensors").is_file()
    rows = (out / "metrics.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 5 and rows[-1].startswith("5,")

    # resume under torchrun: continues from the step-3 checkpoint to step 8, still in agreement
    r = subprocess.run(cmd + ["8"], capture_output=True, text=True, timeout=300, env=env)
    assert r.returncode == 0, r.stderr[-3000:]
    w0, w1 = (load_file(str(out / f"weights.rank{i}.safetensors")) for i in (0, 1))
    assert all((w0[k] == w1[k]).all() for k in w0)
    steps = [int(line.split(",")[0]) for line in (out / "metrics.csv").read_text().strip().splitlines()[1:]]
    assert steps == list(range(1, 9))
