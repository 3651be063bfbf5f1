"""Issue 23's choice between training the memory alone (backbone frozen) and all weights (the paper's
two learning rates): both runs read the same segments in the same order, so their training losses
compare step by step; the backbone alone (SmolLM2 with the same 512-token segments, no memory) is
scored on those segments here, for what each gains.

    python scripts/experiments/frozen_vs_all.py --frozen runs/smollm2-mix --all build/runs/smollm2-mix-all \\
        --corpus build/corpus/mix --steps 250 --threads 1
Prints mean loss (nats per token) per window of steps; writes results/pretrained/frozen_vs_all.csv.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
import torch
import torch.nn.functional as F

from infformer.corpora.data import SegmentStreams, load_documents, split_heldout
from infformer.io.pretrained import load_pretrained, smollm2_gguf_path
from infformer.training.train import TrainConfig

ROOT = Path(__file__).resolve().parents[2]


def backbone_losses(corpus: str, steps: int, segment_len: int) -> list:
    """SmolLM2 alone on the first `steps` training segments of a one-stream run (as the runs read them)."""
    model, tokenizer = load_pretrained(smollm2_gguf_path(), segment_len=segment_len, stm_len=0)
    model.eval()
    _, docs = load_documents([corpus], tokenizer)
    streams = SegmentStreams([split_heldout(d, TrainConfig.heldout)[0] for d in docs], segment_len, 1)
    out = []
    with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
        for step in range(steps):
            inputs, targets, _ = streams.batch(step)
            logits, _ = model(inputs, model.initial_state(1, torch.device("cpu")))
            out.append(F.cross_entropy(logits.float().flatten(0, 1), targets.flatten()).item())
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frozen", required=True)
    p.add_argument("--all", required=True)
    p.add_argument("--corpus", required=True)
    p.add_argument("--steps", type=int, default=250)
    p.add_argument("--window", type=int, default=50)
    p.add_argument("--segment-len", type=int, default=512)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    frozen = pd.read_csv(Path(args.frozen) / "metrics.csv")["loss"].tolist()
    every = pd.read_csv(Path(args.all) / "metrics.csv")["loss"].tolist()
    steps = min(args.steps, len(frozen), len(every))
    table = pd.DataFrame({"step": range(1, steps + 1), "backbone": backbone_losses(args.corpus, steps, args.segment_len),
                          "frozen": frozen[:steps], "all_weights": every[:steps]})
    table.to_csv(ROOT / "results/pretrained/frozen_vs_all.csv", index=False)
    print(f"mean loss, nats per token, over the same {steps} training segments (one stream, 512 tokens each):")
    print("| steps | backbone alone | memory, backbone frozen | all weights | frozen − backbone | all − backbone |")
    print("|---|---|---|---|---|---|")
    for lo in range(0, steps, args.window):
        w = table.iloc[lo:lo + args.window]
        b, f, a = w.backbone.mean(), w.frozen.mean(), w.all_weights.mean()
        print(f"| {lo + 1}–{lo + len(w)} | {b:.4f} | {f:.4f} | {a:.4f} | {f - b:+.4f} | {a - b:+.4f} |")


if __name__ == "__main__":
    main()
