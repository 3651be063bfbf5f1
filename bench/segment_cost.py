"""Cost per segment stays flat as the stream grows (the ∞-former's central promise).

The long-term memory is a fixed number N of basis coefficients per layer, contracted and refitted
every segment, so the work of one segment (local attention over short-term memory + segment,
continuous attention over N coefficients, one memory update) must not depend on how much text
came before. This script streams real text (Austen, tokenized with the model's own tokenizer)
through the shipped default model (eval, no_grad), `segment_len` tokens per `model(tokens, state)`
call, and compares the time of the segments around segment --early (10) with those around
segment --late (1000). Reported:

  * in-stream: each window's median of the per-segment times measured while streaming;
  * re-run, interleaved (the ratio to quote): the memory state is a value, so the state before
    each window segment is kept and the same segment is re-run from it, alternating early and
    late, --rounds times; medians over all of those runs. Interleaving cancels machine noise
    (other processes, frequency changes) that would otherwise land on one window only.

Also prints the memory state's size (MemoryState.nbytes) at both points: it must be equal.
Target: late / early <= 1.2.  Usage: .venv/bin/python bench/segment_cost.py [--late 1000 ...]
"""
from __future__ import annotations

import argparse
import time

import _common as C  # noqa: F401  (puts the project root on sys.path)
import torch

from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="checkpoint directory (default: the shipped model)")
    p.add_argument("--early", type=int, default=10, help="first segment of the early window (default 10)")
    p.add_argument("--late", type=int, default=1000, help="first segment of the late window (default 1000)")
    p.add_argument("--window", type=int, default=20, help="segments per window (default 20)")
    p.add_argument("--rounds", type=int, default=3, help="interleaved re-runs of each window segment (default 3)")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's choice)")
    args = p.parse_args(argv)
    if not 0 <= args.early < args.late or args.early + args.window > args.late or args.window < 1:
        p.error("need 0 <= early, early + window <= late, window >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)

    print(C.machine_line())
    model, tokenizer, _ = load_checkpoint(args.model)
    cfg = model.cfg
    L = cfg.segment_len
    num_segments = args.late + args.window
    ids = C.austen_tokens(tokenizer, num_segments * L)[None]
    ltm = cfg.ltm
    print(f"model: {args.model} ({cfg.variant}; {cfg.n_layers} layers x {cfg.d_model}, segment {L}, "
          f"stm {cfg.stm_len}" + (f", N={ltm.num_basis}, M={ltm.num_samples}, tau={ltm.tau}" if ltm else "") + ")")
    print(f"stream: {num_segments} segments x {L} tokens = {num_segments * L:,} tokens of Austen")

    windows = {"early": range(args.early, args.early + args.window),
               "late": range(args.late, args.late + args.window)}
    wanted = {s: name for name, r in windows.items() for s in r}
    kept: dict[int, object] = {}           # segment -> state before it
    in_stream = {"early": [], "late": []}
    all_times = []
    nbytes = {}
    state = None
    t_stream = time.perf_counter()
    with torch.no_grad():
        for s in range(num_segments):
            seg = ids[:, s * L:(s + 1) * L]
            if s in wanted:
                kept[s] = state
            t0 = time.perf_counter()
            logits, state = model(seg, state)
            dt = time.perf_counter() - t0
            all_times.append(dt)
            if s in wanted:
                in_stream[wanted[s]].append(dt)
            if s == args.early:
                nbytes["early"] = state.nbytes()
            if s == args.late:
                nbytes["late"] = state.nbytes()
            if (s + 1) % 100 == 0:
                print(f"  ... {s + 1}/{num_segments} segments, {time.perf_counter() - t_stream:.0f}s", flush=True)
        stream_seconds = time.perf_counter() - t_stream

        rerun = {"early": [], "late": []}
        for _ in range(args.rounds):
            for se, sl in zip(windows["early"], windows["late"], strict=False):
                for name, s in (("early", se), ("late", sl)):
                    seg = ids[:, s * L:(s + 1) * L]
                    t0 = time.perf_counter()
                    model(seg, kept[s])
                    rerun[name].append(time.perf_counter() - t0)

    print(f"streamed {num_segments * L:,} tokens in {stream_seconds:.1f}s "
          f"({num_segments * L / stream_seconds:,.0f} tokens/s)\n")
    block = max(1, num_segments // 10)
    print("in-stream median per block of segments (the whole curve, for trends):")
    print("  " + ", ".join(f"{a}-{min(a + block, num_segments) - 1}: {C.median(all_times[a:a + block]) * 1e3:.1f}"
                           for a in range(0, num_segments, block)) + " ms\n")
    e0, l0 = windows["early"], windows["late"]
    rows = []
    for name in ("early", "late"):
        r = windows[name]
        rows.append([f"segments {r.start}-{r.stop - 1}", C.fmt_ms(C.median(in_stream[name])),
                     C.fmt_ms(C.median(rerun[name])), f"{len(rerun[name])}", f"{nbytes[name]:,}"])
    C.print_table(["window", "in-stream median", "re-run median (interleaved)", "re-runs", "state nbytes"], rows)
    ratio_stream = C.median(in_stream["late"]) / C.median(in_stream["early"])
    ratio = C.median(rerun["late"]) / C.median(rerun["early"])
    print()
    print(f"ratio segment ~{l0.start} / segment ~{e0.start} (in-stream):   {ratio_stream:.3f}")
    print(f"ratio segment ~{l0.start} / segment ~{e0.start} (interleaved): {ratio:.3f}   (target <= 1.2)")
    same = nbytes["early"] == nbytes["late"]
    print(f"memory state nbytes at segment {e0.start}: {nbytes['early']:,}; at segment {l0.start}: "
          f"{nbytes['late']:,} -> {'equal' if same else 'DIFFERENT'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
