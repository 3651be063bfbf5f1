"""Why the sweep's regression error does not fall with N (Figure 3 right): the fit alone, replayed.

The trained sorting model writes the same memory vectors whatever basis a refit would use, so they
can be recorded once and the memory's chain of writes replayed offline with other bases: the first
write fits L vectors over [0, 1]; every later one refits the old signal's M linear samples into
[0, τ] and the L new vectors into (τ, 1] (`memory.linear_contraction`, the model's own update).
The error is the sweep's regression error (infformer/experiments/sorting/train.py): ‖X̄(t_i) − x_i‖ / ‖x_i‖ on
the vectors just written, averaged over vectors, writes, layers and examples. Only the fit changes
here, not the network, so this isolates what N and the widths allow: the sweep's models were each
trained with their own basis and write other vectors.

    .venv/bin/python scripts/experiments/sorting_regression_by_basis.py --threads 1
    # writes results/sorting_regression_by_basis.csv and prints it
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch

from infformer.core.basis import GaussianBasis
from infformer.core.hooks import record
from infformer.core.memory import linear_contraction, slot_midpoints
from infformer.core.regression import fit_coefficients, reconstruct
from infformer.experiments.sorting.task import make_batch
from infformer.experiments.sorting.train import answer_logits, relative_error
from infformer.io.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[2]
# (widths, N): the sweep's (widths ×16), the reference's widths at our N, and the paper's own N
BASES = ([((0.16, 0.8), n) for n in (8, 16, 32, 64, 128)] + [((0.01, 0.05), n) for n in (8, 16, 32, 64, 128)]
         + [((0.01, 0.05), n) for n in (256, 512, 1024, 2048)])


def record_writes(model, length: int, examples: int, seed: int, batch_size: int = 16) -> list[list[torch.Tensor]]:
    """Per batch and layer, the vectors each memory update wrote: a list (batches × layers) of [U, B, L, e]."""
    writes: dict = {}
    pending: dict = {}

    def hook(point, output):
        if point.what == "memory_vectors":
            pending[point.layer] = output.detach().float()
            return
        kind = output.detach()
        if bool((kind != kind[0]).any()):
            raise ValueError("rows of one batch wrote at different updates")  # one length per batch
        if int(kind[0]) > 0:
            writes.setdefault(point.layer, []).append(pending[point.layer])
    hooks = record(model, ("memory_vectors", "update_kind"), hook)
    batches = []
    try:
        for i in range(-(-examples // batch_size)):
            n = min(batch_size, examples - i * batch_size)
            writes.clear()
            answer_logits(model, torch.from_numpy(make_batch(length, n, seed, i)), grad=False, bf16=False)
            batches.append([torch.stack(writes[y]) for y in sorted(writes)])
    finally:
        hooks.remove()
    return batches


def replay_error(writes: torch.Tensor, basis: GaussianBasis, M: int, tau: float, ridge: float) -> float:
    """Mean relative error of the chain of writes [U, B, L, e] refitted with `basis`."""
    L = writes.shape[2]
    first = slot_midpoints(L).float()
    new = slot_midpoints(L, tau, 1.0).float()
    A, C = linear_contraction(basis, M, L, tau, ridge, False, "cpu", torch.float32)
    errors = []
    coefficients = None
    for x in writes:
        if coefficients is None:
            coefficients, t = fit_coefficients(x, first, basis, ridge), first
        else:
            coefficients, t = A @ coefficients + C @ x, new
        rec = reconstruct(coefficients, basis, t)
        errors.append(relative_error(rec, x).mean())
    return float(torch.stack(errors).mean())


def main(argv=None) -> pd.DataFrame:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default=str(ROOT / "assets" / "models" / "sorting-ltm-512"))
    p.add_argument("--length", type=int, default=512)
    p.add_argument("--examples", type=int, default=64)
    p.add_argument("--seed", type=int, default=12345)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "results" / "sorting_regression_by_basis.csv"))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    model, _, _ = load_checkpoint(args.model)
    ltm = model.cfg.ltm
    with torch.no_grad():
        batches = record_writes(model, args.length, args.examples, args.seed)
        rows = []
        for widths, n in BASES + [(tuple(ltm.widths), ltm.num_basis)]:
            basis = GaussianBasis.paper_layout(n, widths)
            per_layer = [[replay_error(w, basis, ltm.num_samples, ltm.tau, ltm.ridge) for w in layers]
                         for layers in batches]
            rows.append({"widths": f"{widths[0]:g}, {widths[1]:g}", "num_basis": n,
                         "regression_error": round(float(torch.tensor(per_layer).mean()), 4)})
    # the last row is the model's own basis: the same number `sorting evaluate` reports for it (a check)
    rows[-1]["widths"] += " (the model's own)"
    df = pd.DataFrame(rows)
    df.to_csv(args.out, index=False)
    print(df.to_string(index=False))
    return df


if __name__ == "__main__":
    main()
