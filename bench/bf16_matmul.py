"""Is bf16 faster than float32 on this CPU? The probe behind `--precision auto` (core/precision.py).

One of SmolLM2-135M's matrix products (a 512-token segment through a 576 → 1,536 projection) timed
in float32, with bf16 tensors, and in float32 under bf16 autocast (as training runs it), interleaved
for --seconds each, with the CPU's bf16 flags. Prints GFLOP/s and the ratios; no assertions. Where the
CPU multiplies bf16 natively (AMX, AVX-512 BF16) bf16 is the faster; elsewhere it is emulated, and
`auto` keeps float32.

    .venv/bin/python bench/bf16_matmul.py --threads 1 [--seconds 2]
"""
from __future__ import annotations

import argparse
import time

import _common as C
import torch

from infformer.core.precision import CPU_BF16_FLAGS, native_bf16, training_bf16

ROWS, INNER, COLS = 512, 576, 1536  # a segment through SmolLM2's MLP up-projection


def gflops(product, seconds: float) -> float:
    product()  # warm-up
    start, n = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        product()
        n += 1
    return 2 * ROWS * INNER * COLS * n / (time.perf_counter() - start) / 1e9


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--seconds", type=float, default=2.0)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(C.machine_line())
    print("bf16 flags: " + C.flag_report(CPU_BF16_FLAGS)
          + f"; native bf16: {native_bf16('cpu')}; a new training run's choice (--precision auto): "
          + ("bf16" if training_bf16(None, "cpu") else "float32"))
    a, b = torch.randn(ROWS, INNER), torch.randn(INNER, COLS)
    a16, b16 = a.bfloat16(), b.bfloat16()

    def autocast_product():
        with torch.autocast("cpu", dtype=torch.bfloat16):
            return a @ b

    rates = {"float32": gflops(lambda: a @ b, args.seconds),
             "bf16 tensors": gflops(lambda: a16 @ b16, args.seconds),
             "bf16 autocast": gflops(autocast_product, args.seconds)}
    print(f"{ROWS} x {INNER} @ {INNER} x {COLS}, {args.threads} thread(s), {args.seconds:g} s each")
    for name, rate in rates.items():
        print(f"  {name:14s} {rate:8.1f} GFLOP/s   {rate / rates['float32']:6.3f} x float32")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
