"""One sorting training step as the converged runs take it (issue 10's compute), before and after
the complex-product rotary embedding (infformer/core/attention.py), interleaved in one run.

The recipe of scripts/experiments/sorting_converged.sh: 2 layers × 128, 4 heads, segments of 64 with
a short-term memory of 64, batch 8, float32, one thread; every segment but the last without
gradients. Times are CPU seconds of this thread (time.thread_time): with two trainings on a
two-core machine, wall time swings far more than CPU time.

    .venv/bin/python bench/sorting_step.py [--length 512] [--variant ltm] [--steps 20] [--threads 1]
"""
from __future__ import annotations

import argparse
import statistics
import time
from unittest import mock

import _common as C
import torch
import torch.nn.functional as F

import infformer.core.attention
from infformer.core.config import LTMConfig, ModelConfig
from infformer.core.model import InfFormer
from infformer.experiments.sorting.train import NUM_SYMBOLS, answer_logits, make_batch


def rotary_before(x, positions, base):
    """The rotary embedding before session 8: strided halves, four products and a stack."""
    d = x.shape[-1]
    inv_freq = base ** (-torch.arange(0, d, 2, device=x.device, dtype=torch.float32) / d)
    angles = positions.to(torch.float32).unsqueeze(-1) * inv_freq
    cos, sin = angles.cos().to(x.dtype), angles.sin().to(x.dtype)
    x1, x2 = x[..., 0::2], x[..., 1::2]
    return torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1).flatten(-2)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--length", type=int, default=512)
    p.add_argument("--variant", choices=("ltm", "stm", "compressive"), default="ltm")
    p.add_argument("--steps", type=int, default=20, help="timed steps per version (interleaved)")
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    common = dict(vocab_size=22, d_model=128, n_layers=2, n_heads=4, d_ff=256, dropout=0.0, segment_len=64, stm_len=64)
    if args.variant == "ltm":   # the converged runs' ∞-former: N = 32, the gate
        cfg = ModelConfig.for_variant("ltm", ltm=LTMConfig(num_basis=32, widths=(0.01, 0.05), tau=0.75,
                                                           num_samples=32, gate=True), **common)
    elif args.variant == "compressive":
        cfg = ModelConfig.for_variant("compressive", compressive_len=32, **common)
    else:
        cfg = ModelConfig.for_variant("stm", **common)
    model = InfFormer(cfg)
    opt = torch.optim.Adam(model.parameters(), lr=1e-4)

    def step(i: int) -> float:
        t0 = time.thread_time()
        batch = torch.from_numpy(make_batch(args.length, 8, 0, i))
        logits = answer_logits(model, batch, grad=True, bf16=False)
        loss = F.cross_entropy(logits.flatten(0, 1), batch[:, -NUM_SYMBOLS:].flatten())
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        opt.step()
        return time.thread_time() - t0

    versions = {"rotary before (strided halves)": lambda: mock.patch.object(infformer.core.attention, "rotary", rotary_before),
                "rotary now (complex product)": lambda: mock.patch.object(infformer.core.attention, "rotary",
                                                                         infformer.core.attention.rotary)}
    times = {name: [] for name in versions}
    for i in range(3):  # warm-up
        step(i)
    for i in range(args.steps):
        for name, patch in versions.items():
            with patch():
                times[name].append(step(i))
    print(C.machine_line())
    print(f"sorting training step, {args.variant}, length {args.length}, batch 8, 2 × 128, CPU ms (median of {args.steps}):")
    med = {name: 1e3 * statistics.median(v) for name, v in times.items()}
    for name, ms in med.items():
        print(f"  {name:32s} {ms:8.1f}")
    before, now = med.values()
    print(f"  step speed-up: {before / now:.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
