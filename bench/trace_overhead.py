"""Trace overhead: `run_with_trace` time / plain forward time on the same text (target <= 1.5).

The app and `python -m infformer trace` read the memory through `run_with_trace`, which attaches
recorders to the hook points and copies μ, σ², histograms, sample positions, coefficient
snapshots and per-token losses to numpy after every segment. That must stay cheap next to the
model itself. Both sides run the shipped default model (eval, no_grad) segment by segment over
the same --tokens of Austen from an empty memory:

  plain: `logits, state = model(segment, state)` for every segment;
  trace: `run_with_trace(model, tokens)` (the same loop, recorded; the state keeps no token spans,
         the trace replays them from the recorded samples);
  trace with spans (before session 7): `run_with_trace(model, tokens, provenance=True)`, the state
         carrying its own capacity-bounded spans as every trace did before.

Repetitions are interleaved (the order rotates every repeat) and medians are compared. The
breakdown splits the trace's time into its model calls with the recorders attached (the
trace's own per-segment `seconds`) and the bookkeeping around them.
Usage: .venv/bin/python bench/trace_overhead.py [--tokens 20000 --repeats 5]
"""
from __future__ import annotations

import argparse
import time

import _common as C  # noqa: F401  (puts the project root on sys.path)
import torch

from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint
from infformer.tracing.run import run_with_trace


def plain(model, ids):
    L = model.cfg.segment_len
    state = None
    t0 = time.perf_counter()
    with torch.no_grad():
        for a in range(0, ids.shape[1], L):
            _, state = model(ids[:, a:a + L], state)
    return time.perf_counter() - t0, state


def traced(model, ids, provenance=False):
    t0 = time.perf_counter()
    _, state, trace = run_with_trace(model, ids, provenance=provenance)
    return time.perf_counter() - t0, state, trace


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="checkpoint directory (default: the shipped model)")
    p.add_argument("--tokens", type=int, default=20_000, help="tokens of Austen per run (default 20000)")
    p.add_argument("--repeats", type=int, default=5, help="runs of each side, interleaved (default 5)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = p.parse_args(argv)
    if args.tokens < 1 or args.repeats < 1:
        p.error("--tokens and --repeats must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)

    print(C.machine_line())
    model, tokenizer, _ = load_checkpoint(args.model)
    cfg = model.cfg
    ids = C.austen_tokens(tokenizer, args.tokens)[None]
    n_seg = -(-args.tokens // cfg.segment_len)
    print(f"model: {args.model} ({cfg.variant}); {args.tokens:,} tokens of Austen = {n_seg} segments of "
          f"{cfg.segment_len}; {args.repeats} interleaved repeats per side (after one warm-up of each)")

    plain(model, ids[:, :4 * cfg.segment_len])      # warm-up: caches, allocator, lazy init
    traced(model, ids[:, :4 * cfg.segment_len])
    spans = "trace with spans (before)"
    times = {"plain": [], "trace": [], "trace model calls": [], spans: []}
    same = None
    nbytes = None
    sides = ["plain", "trace", spans]
    for r in range(args.repeats):
        order = sides[r % 3:] + sides[:r % 3]
        for side in order:
            if side == "plain":
                dt, state_plain = plain(model, ids)
                times["plain"].append(dt)
            elif side == spans:
                times[spans].append(traced(model, ids, provenance=True)[0])
            else:
                dt, state_trace, trace = traced(model, ids)
                times["trace"].append(dt)
                times["trace model calls"].append(float(trace.seconds.sum()))
                nbytes = trace.nbytes()
        if same is None:
            same = all(torch.equal(a.coefficients, b.coefficients)
                       for a, b in zip(state_plain.layers, state_trace.layers, strict=False))
        print(f"  repeat {r + 1}/{args.repeats}: plain {times['plain'][-1]:.2f}s, trace {times['trace'][-1]:.2f}s",
              flush=True)

    mp, mt, mc, ms = (C.median(times[k]) for k in ("plain", "trace", "trace model calls", spans))
    print()
    C.print_table(["run", "median s", "min s", "max s", "tokens/s (median)"],
                  [[k, f"{C.median(v):.3f}", f"{min(v):.3f}", f"{max(v):.3f}", f"{args.tokens / C.median(v):,.0f}"]
                   for k, v in times.items()])
    print()
    print(f"trace / plain (medians): {mt / mp:.3f}   (target <= 1.5)")
    print(f"  of which model calls with recorders / plain: {mc / mp:.3f}; "
          f"bookkeeping outside the model calls: {mt - mc:.3f}s ({(mt - mc) / mp:.1%} of plain)")
    print(f"trace without the state's spans: {ms / mt:.2f}× faster than with them (before)")
    print(f"same final memory coefficients (plain vs trace): {'yes' if same else 'NO'}; "
          f"trace size {C.fmt_bytes(nbytes)} for {args.tokens:,} tokens")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
