"""What one generated token costs, and how much of it could be cached (issue 27: Table 2's generated replies
take ~5 minutes a CMU-DoG conversation on a core, ~2.5 hours a model for 30 conversations).

`generate` feeds each new token through `model(token, state)`. The state keeps every layer's inputs of the
unfinished segment (`current`), so each token recomputes, in every layer, the keys and values of the
segment so far (grows with the tokens pending in the segment, p) and the long-term memory's value
projection of its N coefficients (N·e·e a layer, whatever p). Neither changes between two tokens of one
segment: `generate` keeps both (`MemoryState.with_cache`, session 17). This script measures, on the chosen
model (the linear ∞-former on SmolLM2 by default; eval, no_grad, float32):

  * seconds per generated token after a full segment and p = --early / --late pending tokens, without the
    cache and with it (interleaved, --rounds each; medians), and their ratio;
  * the work the cache skips done alone: the key/value projections of the pending tokens and the value
    projections of the memory's coefficients in all layers, their share of a token's time, and the
    speed-up they predict.

Usage: .venv/bin/python bench/generation_cost.py --threads 1 [--model DIR] [--early 50 --late 450]
"""
from __future__ import annotations

import argparse
import time

import _common as C
import torch

from infformer.io.checkpoint import load_checkpoint


def seconds(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return C.median(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(C.ROOT / "assets" / "models" / "smollm2-linear"))
    p.add_argument("--early", type=int, default=50, help="tokens pending in the segment, first setting")
    p.add_argument("--late", type=int, default=450, help="tokens pending in the segment, second setting")
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--threads", type=int, default=1)
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.set_grad_enabled(False)
    model, tokenizer, _ = load_checkpoint(args.model)
    L = model.cfg.segment_len
    if not 0 < args.early < args.late < L:
        p.error(f"need 0 < --early < --late < the segment length {L}")
    ids = C.austen_tokens(tokenizer, 2 * L)[None]
    states = {n: model(ids[:, :L + n])[1] for n in (args.early, args.late)}   # a full segment, then n pending
    token = ids[:, -1:]
    # the same states, their cache filled by one token (as generate's first call does)
    cached = {n: model(token, s.with_cache())[1] for n, s in states.items()}
    per_token = {n: [] for n in states}
    per_token_cached = {n: [] for n in states}
    for _ in range(args.rounds):   # interleaved, so machine noise lands on every setting alike
        for n, state in states.items():
            per_token[n].append(seconds(lambda s=state: model(token, s), 1))
            per_token_cached[n].append(seconds(lambda s=cached[n]: model(token, s), 1))
    per_token = {n: C.median(v) for n, v in per_token.items()}
    per_token_cached = {n: C.median(v) for n, v in per_token_cached.items()}

    def kv(n):   # every layer's key/value projection of n pending layer inputs
        for block, mem in zip(model.blocks, states[n].layers, strict=True):
            block.attn.key_value(block.ln_1(mem.current))

    def memory_values(n):   # every layer's value projection of its long-term memory's coefficients
        for block, mem in zip(model.blocks, states[n].layers, strict=True):
            block.ltm.value(mem.coefficients.float())

    print(C.machine_line())
    print(f"model {args.model}: {model.cfg.n_layers} layers, e = {model.cfg.d_model}, "
          f"N = {model.cfg.ltm.num_basis if model.cfg.ltm else 0}, segment {L}; float32, eval")
    rows = []
    for n in states:
        k, m = seconds(lambda n=n: kv(n), args.rounds), seconds(lambda n=n: memory_values(n), args.rounds)
        t = per_token[n]
        c = per_token_cached[n]
        rows.append([n, C.fmt_ms(t), C.fmt_ms(k), f"{k / t:.0%}", C.fmt_ms(m), f"{m / t:.0%}", f"{t / (t - k - m):.2f}x",
                     C.fmt_ms(c), f"{t / c:.2f}x"])
    C.print_table(["pending p", "a token", "keys/values of p", "share", "memory values", "share",
                   "predicted", "cached", "measured"], rows)
    print(f"ratio of a token's time, p = {args.late} over p = {args.early}: "
          f"{per_token[args.late] / per_token[args.early]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
