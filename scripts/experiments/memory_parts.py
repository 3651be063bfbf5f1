"""Which part of a trained memory's read helps or hurts (issue 23): next-token loss (nats per token) of a
text with the memory as trained, with its output projection's bias zeroed, with its read zeroed
(W_O = 0: the backbone), and with the bias alone (a constant vector a layer once the memory is filled).

    python scripts/experiments/memory_parts.py --model assets/models/smollm2-sticky [--text F] [--chars 14000]
"""
from __future__ import annotations

import argparse

import torch

from infformer.io.checkpoint import load_checkpoint
from infformer.io.textio import read_text
from infformer.training.evaluate import token_losses


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", required=True)
    p.add_argument("--text", default="build/eval/real-english/legal-gpl3.txt")
    p.add_argument("--chars", type=int, default=14_000)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    model, tokenizer, _ = load_checkpoint(args.model)
    ids = tokenizer.encode(read_text(args.text)[: args.chars])[0]
    params = dict(model.named_parameters())
    saved = {n: p.detach().clone() for n, p in params.items() if ".ltm.out." in n}

    def loss(keep_weight: bool, keep_bias: bool) -> float:
        with torch.no_grad():
            for n, v in saved.items():
                keep = keep_weight if n.endswith("weight") else keep_bias
                params[n].copy_(v if keep else torch.zeros_like(v))
            return float(token_losses(model, ids).mean())
    rows = {"memory as trained": loss(True, True), "W_O bias zeroed": loss(True, False),
            "read zeroed (the backbone)": loss(False, False), "W_O bias alone": loss(False, True)}
    print(f"{args.text}: first {len(ids):,} tokens, nats per token")
    for name, value in rows.items():
        print(f"  {name:28s} {value:.4f}")


if __name__ == "__main__":
    main()
