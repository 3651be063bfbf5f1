"""Probe for issue 4: does the initial σ of the long-term attention decide whether it stays diffuse?

Trains two small sticky ∞-formers (2 × 128, N = 128) on Austen for STEPS steps, identical but for
the bias of w_σ: "default" (softplus(0) → σ ≈ 0.83) or "narrow" (σ starts at σ0 = 0.05), then
prints the held-out loss (20 segments × 6 books) and the median / 10th / 90th percentile of σ and
the spread of μ over the last validation segments.

    .venv/bin/python scripts/experiments/sigma_init_probe.py default 2000 [--tokenizer FILE]
    .venv/bin/python scripts/experiments/sigma_init_probe.py narrow 2000

The numbers in docs/experiments.md ("Why the attention starts narrow") were measured with the
tokenizer of the first default model (4,096 tokens trained on Austen; kept as
scripts/experiments/austen-4096-tokenizer.json).
"""
import argparse
import math
import time

import torch
import torch.nn.functional as F

from infformer.core.config import LTMConfig, ModelConfig
from infformer.core.hooks import record
from infformer.core.model import InfFormer
from infformer.corpora.data import SegmentStreams, load_documents, split_heldout
from infformer.io.tokenizer import Tokenizer


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mode", choices=["default", "narrow"])
    p.add_argument("steps", type=int)
    p.add_argument("--tokenizer", default="scripts/experiments/austen-4096-tokenizer.json")
    args = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    tok = Tokenizer.from_file(args.tokenizer)
    _, docs = load_documents(["data/austen"], tok)
    parts = [split_heldout(d, 0.05) for d in docs]
    cfg = ModelConfig.for_variant("sticky", vocab_size=tok.vocab_size, d_model=128, n_layers=2, n_heads=4, d_ff=512,
                                  ltm=LTMConfig(num_basis=128, num_samples=128))
    m = InfFormer(cfg)
    if args.mode == "narrow":
        for b in m.blocks:
            torch.nn.init.constant_(b.ltm.sigma.bias, math.log(math.expm1(0.05 ** 2)))  # σ starts at σ0 = 0.05
    streams = SegmentStreams([q[0] for q in parts], 128, 8)
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    state, t0 = m.initial_state(8), time.time()
    for step in range(args.steps):
        x, y, r = streams.batch(step)
        if r.any():
            state = state.reset(r)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, state = m(x, state)
            loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    m.eval()
    sig, mus = [], []
    hooks = record(m, {"sigma_sq", "mu"}, lambda point, o: (sig if point.what == "sigma_sq" else mus).append(o.detach()))
    val = SegmentStreams([q[1] for q in parts], 128, 6)
    s2, total, n = m.initial_state(6), 0.0, 0
    with torch.no_grad(), hooks:
        for k in range(20):
            x, y, r = val.batch(k)
            logits, s2 = m(x, s2)
            total += F.cross_entropy(logits.flatten(0, 1), y.flatten(), reduction="sum").item()
            n += y.numel()
    s = torch.cat([v[s2.layers[0].filled].flatten() for v in sig[-8:]]).sqrt()
    print(args.mode, "steps", args.steps, "val_loss", round(total / n, 3), "sigma median", round(s.median().item(), 3),
          "p10", round(s.quantile(0.1).item(), 3), "p90", round(s.quantile(0.9).item(), 3), "s", round(time.time() - t0),
          "mu std", round(torch.cat([v.flatten() for v in mus[-8:]]).std().item(), 3))


if __name__ == "__main__":
    main()
