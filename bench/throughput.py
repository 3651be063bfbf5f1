"""Throughput and peak memory of `python -m infformer trace` on 100,000 tokens of Austen, and
(with --million) a million-token stream that must stay finite.

Part 1 (always, unless --no-cli): what a user gets from the command line. The input file is the
first characters of the Austen corpus that give --tokens tokens with the shipped model's
tokenizer. The CLI runs as a subprocess with the shipped default model; reported are its
`tokens_per_second` and `seconds` from summary.json (tokenize + trace), the end-to-end wall
time of the process (start-up, model load, trace and the four output files), and its peak
resident memory (ru_maxrss of the CLI process, taken by a small wrapper process that starts it:
the benchmark's own ru_maxrss would leak into a direct child's, see _common.peak_rss_self_mib).

Part 2 (--million): the memory is unbounded in time, so a long stream must not blow up. Streams
--million-tokens (1,000,000) tokens of Austen (the corpus repeated if it is too short) through the
model segment by segment with the memory carried (plain forward, no trace, no_grad), checks after
every segment that the logits and every layer's memory coefficients are finite (no NaN/inf), and
prints tokens/s and the largest |coefficient| seen. Then, if enough memory is free, traces the
same stream with `run_with_trace` and prints `Trace.nbytes()` next to the bound stated in
infformer/tracing/record.py's docstring (read from it: "about X bytes per token plus ~Y MB").
Usage: .venv/bin/python bench/throughput.py [--tokens 100000] [--million]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C  # noqa: F401  (puts the project root on sys.path)
import numpy as np
import torch

from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint


def austen_prefix(tokenizer, num_tokens: int) -> tuple[str, int]:
    """The shortest prefix of the Austen corpus (repeated if needed) that has `num_tokens` tokens."""
    text = C.austen_text()
    ids, offsets = tokenizer.encode(text)
    while len(ids) < num_tokens:
        text = text + "\n\n" + C.austen_text()
        ids, offsets = tokenizer.encode(text)
    end = offsets[num_tokens - 1][1]
    prefix = text[:end]
    return prefix, len(tokenizer.encode(prefix)[0])


def run_cli(args, tokenizer) -> None:
    text, n = austen_prefix(tokenizer, args.tokens)
    with tempfile.TemporaryDirectory(prefix="infformer-bench-") as tmp:
        tmp = Path(tmp)
        inp, out = tmp / "austen.txt", tmp / "out"
        inp.write_text(text, encoding="utf-8")
        cli = [sys.executable, "-m", "infformer", "trace", str(inp), "--out", str(out), "--quiet"]
        if args.model != str(DEFAULT_MODEL):
            cli += ["--model", args.model]
        cmd = [sys.executable, "-c", C.PEAK_WRAPPER] + cli  # measures the CLI's own peak RSS
        env = dict(os.environ, PYTHONPATH=str(C.ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        print(f"input: {len(text):,} characters of Austen = {n:,} tokens -> {inp.name}")
        print("command: python -m infformer trace INPUT.txt --out OUT --quiet"
              + (f" --model {args.model}" if args.model != str(DEFAULT_MODEL) else ""), flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=C.ROOT, env=env, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if proc.returncode != 0:
            print(f"FAILED: exit {proc.returncode}\n{proc.stderr[-2000:]}")
            raise SystemExit(1)
        peak_kib = int(proc.stderr.strip().splitlines()[-1].split()[1])  # KiB, from the wrapper
        summary = json.loads((out / "summary.json").read_text())
        files = {f.name: f.stat().st_size for f in sorted(out.iterdir())}
    print()
    C.print_table(["quantity", "value"], [
        ["tokens (summary.json)", f"{summary['num_tokens']:,}"],
        ["segments / memory updates", f"{summary['num_segments']:,} / {summary['num_memory_updates']:,}"],
        ["trace seconds (summary.json)", f"{summary['seconds']:.1f}"],
        ["tokens/s (summary.json)", f"{summary['tokens_per_second']:,.1f}"],
        ["process wall time, end to end", f"{wall:.1f} s"],
        ["tokens/s end to end", f"{summary['num_tokens'] / wall:,.1f}"],
        ["peak memory (ru_maxrss)", f"{peak_kib / 1024:,.0f} MiB"],
    ])
    print("output files: " + ", ".join(f"{k} {C.fmt_bytes(v)}" for k, v in files.items()))
    print(f"\nthroughput: {summary['tokens_per_second']:,.1f} tokens/s (trace), peak memory {peak_kib / 1024:,.0f} MiB")


def docstring_bound() -> tuple[float, float, str]:
    """The size bound as infformer/tracing/record.py's docstring states it: (bytes per token, fixed bytes, the sentence).

    Read from the docstring (not copied here), so the check follows the module's own promise.
    """
    import re

    import infformer.tracing.record as trace_module
    doc = " ".join((trace_module.__doc__ or "").split())
    m = re.search(r"about (\d+(?:\.\d+)?) bytes per token plus ~(\d+(?:\.\d+)?) MB[^.]*", doc)
    if not m:
        raise SystemExit("error: no 'about X bytes per token plus ~Y MB' bound in infformer/tracing/record.py's docstring")
    return float(m.group(1)), float(m.group(2)) * 1e6, m.group(0)


def run_million(args, model, tokenizer) -> None:
    cfg = model.cfg
    L = cfg.segment_len
    T = args.million_tokens
    ids = C.austen_tokens(tokenizer, T)[None]
    corpus = len(tokenizer.encode(C.austen_text())[0])
    print(f"\n--million: {T:,} tokens ({T / corpus:.2f} x the {corpus:,}-token Austen corpus), "
          f"{-(-T // L):,} segments, memory carried throughout, plain forward, no_grad", flush=True)
    state, first_bad, max_coef, max_logit = None, None, 0.0, 0.0
    n_seg = -(-T // L)
    report_every = max(1, n_seg // 10)
    t0 = time.perf_counter()
    with torch.no_grad():
        for s in range(n_seg):
            logits, state = model(ids[:, s * L:(s + 1) * L], state)
            coefs = torch.stack([m.coefficients for m in state.layers])
            ok = bool(torch.isfinite(logits).all()) and bool(torch.isfinite(coefs).all())
            if not ok and first_bad is None:
                first_bad = s
            if ok:
                max_coef = max(max_coef, float(coefs.abs().max()))
                max_logit = max(max_logit, float(logits.abs().max()))
            if (s + 1) % report_every == 0 or s + 1 == n_seg:
                el = time.perf_counter() - t0
                print(f"  {min((s + 1) * L, T):>9,} tokens  {el:7.1f}s  {min((s + 1) * L, T) / el:8,.0f} tokens/s  "
                      f"max|coef| so far {max_coef:.4g}  now {float(coefs.abs().max()):.4g}", flush=True)
    seconds = time.perf_counter() - t0
    final = torch.stack([m.coefficients for m in state.layers])
    print()
    C.print_table(["quantity", "value"], [
        ["tokens streamed", f"{T:,}"],
        ["memory updates", f"{state.num_updates:,}"],
        ["seconds / tokens/s", f"{seconds:.1f} / {T / seconds:,.0f}"],
        ["all logits and coefficients finite", "yes" if first_bad is None else f"NO (first at segment {first_bad})"],
        ["max |coefficient| over the stream", f"{max_coef:.4g}"],
        ["max |coefficient| at the end", f"{float(final.abs().max()):.4g}"],
        ["max |logit| over the stream", f"{max_logit:.4g}"],
        ["memory state nbytes at the end", f"{state.nbytes():,}"],
        ["peak memory of this process (VmHWM)", f"{C.peak_rss_self_mib():,.0f} MiB"],
    ])
    print(f"\nmillion-token stream finite: {'yes' if first_bad is None else 'NO'}; {T / seconds:,.0f} tokens/s; "
          f"max |coefficient| {max_coef:.4g}")

    if args.no_million_trace:
        return
    per_token, fixed, stated = docstring_bound()
    bound = per_token * T + fixed
    avail = C.mem_available_bytes()
    if avail is not None and avail < 3 * bound:
        print(f"\ntrace of the million-token run skipped: {C.fmt_bytes(avail)} free, want 3 x {C.fmt_bytes(bound)}")
        return
    from infformer.tracing.run import run_with_trace
    print(f"\ntracing the same {T:,} tokens with run_with_trace ...", flush=True)
    t0 = time.perf_counter()
    _, _, trace = run_with_trace(model, ids)
    seconds = time.perf_counter() - t0
    n = trace.nbytes()
    fields = sorted(((k, v.nbytes) for k, v in vars(trace).items() if hasattr(v, "nbytes")), key=lambda kv: -kv[1])
    print(f"traced in {seconds:.1f}s ({T / seconds:,.0f} tokens/s); "
          f"finite token losses: {bool(np.isfinite(trace.token_loss[:-1]).all())}")
    C.print_table(["trace field", "nbytes", "bytes/token"],
                  [[k, f"{v:,}", f"{v / T:.1f}"] for k, v in fields if v > 0.001 * n]
                  + [["total Trace.nbytes()", f"{n:,}", f"{n / T:.1f}"]])
    print(f"\nTrace.nbytes() = {C.fmt_bytes(n)} ({n / 1e6:.1f} MB) for {T:,} tokens; infformer/tracing/record.py states "
          f"'{stated}' -> {per_token:g} x {T:,} B + {fixed / 1e6:g} MB = {bound / 1e6:.1f} MB: "
          f"{'within' if n <= bound else 'ABOVE'} ({n / bound:.2f} x); "
          f"peak memory of this process {C.peak_rss_self_mib():,.0f} MiB")


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", default=str(DEFAULT_MODEL), help="checkpoint directory (default: the shipped model)")
    p.add_argument("--tokens", type=int, default=100_000, help="tokens of Austen for the CLI trace (default 100000)")
    p.add_argument("--no-cli", action="store_true", help="skip part 1 (the CLI trace)")
    p.add_argument("--million", action="store_true", help="also run part 2: the million-token stream")
    p.add_argument("--million-tokens", type=int, default=1_000_000, help="length of that stream (default 1000000)")
    p.add_argument("--no-million-trace", action="store_true", help="in part 2, do not build the Trace")
    args = p.parse_args(argv)
    if args.tokens < 1 or args.million_tokens < 1:
        p.error("token counts must be >= 1")

    print(C.machine_line())
    model, tokenizer, _ = load_checkpoint(args.model)
    cfg = model.cfg
    print(f"model: {args.model} ({cfg.variant}; {cfg.n_layers} layers x {cfg.d_model}, segment {cfg.segment_len}, "
          f"{model.num_parameters():,} parameters)")
    if not args.no_cli:
        run_cli(args, tokenizer)
    if args.million:
        run_million(args, model, tokenizer)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
