"""Can the linear contraction B' = A·B + C·X run in bf16? (issue 12's idea list) — measured, no.

A = G[:, :M]·Ψ(s) is not a contraction in the 2-norm: its largest singular value is ~10-28 for
the paper's layouts (N = 256), so each update's bf16 rounding of B is amplified by the next ones.
This script applies the same random updates to B in float32 and with both products in bf16
(inputs rounded, float32 accumulation, as CPU and GPU bf16 matmuls do) and prints the relative
error of B after 1, 10, 50 and 200 updates, with A's largest entry and singular value, and the
float32 recursion's own error against float64. The read
(V = B W_V, r·V, W_O) has no such recursion; the fit and the contraction stay float32.

    .venv/bin/python bench/bf16_contraction.py [--updates 200] [--seed 0]
"""
from __future__ import annotations

import argparse

import _common as C
import torch

from infformer import GaussianBasis
from infformer.core.memory import linear_contraction


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--updates", type=int, default=200)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    print(C.machine_line())
    N, M, L, e, tau = 256, 256, 128, 256, 0.75
    checkpoints = sorted({1, 10, 50, args.updates} & set(range(1, args.updates + 1)))
    print(f"N = M = {N}, L = {L}, e = {e}, τ = {tau}; relative error ‖B_bf16 − B_fp32‖ / ‖B_fp32‖ after k updates")
    print(f"{'widths, λ':24s} {'max |A|':>8s} {'σ_max(A)':>9s} " + " ".join(f"{'k=' + str(k):>8s}" for k in checkpoints))
    for widths, ridge in (((0.005, 0.01), 0.5), ((0.01, 0.05), 1.0)):  # language models; sorting
        basis = GaussianBasis.paper_layout(N, widths)
        A, Cm = linear_contraction(basis, M, L, tau, ridge, False, "cpu", torch.float32)
        g = torch.Generator().manual_seed(args.seed)
        b32 = torch.randn(N, e, generator=g)
        b16, b64 = b32.clone(), b32.double()
        A64, C64 = linear_contraction(basis, M, L, tau, ridge, False, "cpu", torch.float64)
        errors = []
        for k in range(1, args.updates + 1):
            x = torch.randn(L, e, generator=g)
            b32 = A @ b32 + Cm @ x
            b16 = (A.bfloat16() @ b16.bfloat16()).float() + (Cm.bfloat16() @ x.bfloat16()).float()
            b64 = A64 @ b64 + C64 @ x.double()
            if k in checkpoints:
                errors.append(((b16 - b32).norm() / b32.norm()).item())
        print(f"{str(widths) + ', ' + str(ridge):24s} {A.abs().max().item():8.2f} "
              f"{torch.linalg.matrix_norm(A, 2).item():9.2f} " + " ".join(f"{x:8.4f}" for x in errors)
              + f"   float32 against float64 after {args.updates}: {((b32.double() - b64).norm() / b64.norm()).item():.1e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
