"""∞-former versus full causal attention of the same width and depth over the same text.

Full attention over T tokens costs O(T²) time and memory per layer; the ∞-former reads a local
window plus N basis coefficients, so it costs O(T). This script measures the wall time of both
over the first T tokens of Austen (the shipped tokenizer) at --lengths (4k, 16k, 64k), in
no_grad, with random-init models of the default dims (infformer.core.config.ModelConfig defaults:
width 256, 4 layers, 4 heads, d_ff 1024, vocabulary 4096) so neither side has an advantage:

  full:      InfFormer(ModelConfig.for_variant("none", segment_len=T)): stm_len 0, no long-term
             memory, one forward over all T tokens (one causal attention over everything);
  ∞-former:  InfFormer(ModelConfig.for_variant(V)) with V = "ltm" (the ModelConfig default,
             linear sampling) and "sticky" (as shipped), streamed segment by segment (128 tokens,
             short-term memory 128, N = 256 basis functions, memory carried).

Every (model, length) run happens in a fresh child process (after a small warm-up forward in
that process), so a full-attention run that runs out of memory is reported instead of taking
the benchmark down: the child gets an address-space limit of --mem-fraction of the memory free
at start, and a wall-clock limit of --timeout seconds. Runs are interleaved (full, ltm, sticky,
then the reverse order, ...) and medians of --repeats runs are reported; a model whose single
run takes more than --long seconds is run once per length. Also reported: each child's peak
resident memory. Usage: .venv/bin/python bench/vs_full_attention.py [--lengths 4096 16384 65536]
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _common as C  # noqa: F401  (puts the project root on sys.path)
import torch

METHODS = ("full", "ltm", "sticky")
LABEL = {"full": "full attention", "ltm": "∞-former (ltm)", "sticky": "∞-former (sticky)"}


def build(method: str, T: int):
    from infformer.core.config import ModelConfig
    from infformer.core.model import InfFormer
    torch.manual_seed(0)
    cfg = ModelConfig.for_variant("none", segment_len=T) if method == "full" else ModelConfig.for_variant(method)
    return InfFormer(cfg).eval()


def worker(method: str, T: int, ids_path: str, threads: int | None) -> None:
    """Child process: time one forward pass of `method` over the first T tokens; print JSON."""
    if threads:
        torch.set_num_threads(threads)
    ids = torch.load(ids_path)[None, :T]
    result = {"method": method, "T": T}
    try:
        model = build(method, T)
        L = model.cfg.segment_len
        with torch.no_grad():
            if method == "full":
                model(ids[:, :min(T, 256)])                       # warm-up (small)
                t0 = time.perf_counter()
                logits, _ = model(ids)
                result["seconds"] = time.perf_counter() - t0
                result["finite"] = bool(torch.isfinite(logits[0, -1]).all())
            else:
                state = None
                for a in range(0, min(T, 4 * L), L):              # warm-up: fills the solve-matrix cache
                    _, state = model(ids[:, a:a + L], state)
                state = None
                t0 = time.perf_counter()
                for a in range(0, T, L):
                    logits, state = model(ids[:, a:a + L], state)
                result["seconds"] = time.perf_counter() - t0
                result["finite"] = bool(torch.isfinite(logits).all())
    except (RuntimeError, MemoryError) as e:
        msg = str(e).splitlines()[0][:160]
        result["error"] = "out of memory" if ("alloc" in msg.lower() or isinstance(e, MemoryError)) else msg
        result["detail"] = msg
    result["peak_mib"] = C.peak_rss_self_mib()
    print(json.dumps(result), flush=True)


def run_child(method, T, ids_path, args, mem_limit):
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", method, str(T), ids_path]
    if args.threads:
        cmd += ["--threads", str(args.threads)]

    def limit():  # an allocation beyond this fails with an error instead of waking the OOM killer
        if mem_limit:
            resource.setrlimit(resource.RLIMIT_AS, (mem_limit, mem_limit))

    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=args.timeout, preexec_fn=limit, cwd=C.ROOT)
    except subprocess.TimeoutExpired:
        return {"method": method, "T": T, "error": f"slower than the {args.timeout:.0f} s limit"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["?"])[-1][:160]
        why = "killed (out of memory?)" if proc.returncode < 0 else f"exit {proc.returncode}: {tail}"
        if "alloc" in proc.stderr.lower() or "memory" in tail.lower():
            why = "out of memory"
        return {"method": method, "T": T, "error": why}
    return json.loads(lines[-1])


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--lengths", type=int, nargs="+", default=[4096, 16384, 65536],
                   help="token counts (default 4096 16384 65536)")
    p.add_argument("--methods", nargs="+", choices=METHODS, default=list(METHODS),
                   help="which models to time (default: all three)")
    p.add_argument("--repeats", type=int, default=3, help="runs per model and length, interleaved (default 3)")
    p.add_argument("--long", type=float, default=60.0,
                   help="a model whose run takes longer than this (s) runs once per length (default 60)")
    p.add_argument("--timeout", type=float, default=1200.0, help="wall-clock limit of one run in s (default 1200)")
    p.add_argument("--mem-fraction", type=float, default=0.85,
                   help="address-space limit of a run, as a fraction of the memory free at start (default 0.85)")
    p.add_argument("--threads", type=int, default=None, help="torch threads in each run (default: torch's choice)")
    p.add_argument("--worker", nargs=3, metavar=("METHOD", "T", "IDS"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker:
        worker(args.worker[0], int(args.worker[1]), args.worker[2], args.threads)
        return 0
    if min(args.lengths) < 1 or args.repeats < 1:
        p.error("lengths and --repeats must be >= 1")
    if args.threads:
        torch.set_num_threads(args.threads)

    print(C.machine_line())
    from infformer.core.config import ModelConfig
    from infformer.io.checkpoint import DEFAULT_MODEL
    from infformer.io.tokenizer import Tokenizer
    tokenizer = Tokenizer.from_file(DEFAULT_MODEL / "tokenizer.json")
    cfg = ModelConfig()
    print(f"models: random init, width {cfg.d_model}, {cfg.n_layers} layers, {cfg.n_heads} heads, d_ff {cfg.d_ff}, "
          f"vocabulary {cfg.vocab_size}; ∞-former segment {cfg.segment_len}, stm {cfg.stm_len}, "
          f"N={cfg.ltm.num_basis}, M={cfg.ltm.num_samples}, tau={cfg.ltm.tau}")
    avail = C.mem_available_bytes()
    mem_limit = int(avail * args.mem_fraction) if avail else None
    print(f"each run in a child process; address-space limit {C.fmt_bytes(mem_limit) if mem_limit else 'none'}, "
          f"time limit {args.timeout:.0f} s; {args.repeats} interleaved repeats (1 if a run takes > {args.long:.0f} s)")
    ids = C.austen_tokens(tokenizer, max(args.lengths))

    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="infformer-bench-") as tmp:
        ids_path = os.path.join(tmp, "ids.pt")
        torch.save(ids, ids_path)
        for T in args.lengths:
            runs = {m: [] for m in args.methods}
            failed, once = {}, set()
            for r in range(args.repeats):
                order = args.methods if r % 2 == 0 else args.methods[::-1]
                for m in order:
                    if m in failed or (m in once and runs[m]):
                        continue
                    res = run_child(m, T, ids_path, args, mem_limit)
                    if "error" in res:
                        failed[m] = res
                        detail = f" ({res['detail']})" if res.get("detail") and res["detail"] != res["error"] else ""
                        print(f"  T={T:>6}: {LABEL[m]:<18} {res['error']}{detail}", flush=True)
                        continue
                    runs[m].append(res)
                    if res["seconds"] > args.long:
                        once.add(m)
                    print(f"  T={T:>6}: {LABEL[m]:<18} {res['seconds']:8.2f} s  peak {res['peak_mib']:,.0f} MiB"
                          f"{'' if res['finite'] else '  NON-FINITE logits'}", flush=True)
            results[T] = (runs, failed)

    print()
    headers = ["tokens"]
    for m in args.methods:
        headers += [f"{LABEL[m]} s", "peak MiB"]
    ratio_methods = [m for m in args.methods if m != "full"] if "full" in args.methods else []
    headers += [f"{LABEL[m]} / full" for m in ratio_methods]
    rows = []
    ratio_lines = []
    for T, (runs, failed) in results.items():
        row = [f"{T:,}"]
        med = {}
        for m in args.methods:
            if runs[m]:
                med[m] = C.median([x["seconds"] for x in runs[m]])
                row += [f"{med[m]:.2f}" + (f" (n={len(runs[m])})" if len(runs[m]) != args.repeats else ""),
                        f"{max(x['peak_mib'] for x in runs[m]):,.0f}"]
            else:
                row += [failed[m]["error"], "-"]
        for m in ratio_methods:
            if m in med and "full" in med:
                row.append(f"{med[m] / med['full']:.3f}")
                ratio_lines.append(f"T={T:>6,}: {LABEL[m]} / full attention = {med[m] / med['full']:.3f} "
                                   f"(full is {med['full'] / med[m]:.2f}x the time)")
            else:
                row.append("n/a (full failed)" if m in med else "n/a")
                if m in med:
                    ratio_lines.append(f"T={T:>6,}: full attention: {failed['full']['error']}; "
                                       f"{LABEL[m]} {med[m]:.2f} s")
        rows.append(row)
    C.print_table(headers, rows)
    print()
    print("time ratios (∞-former / full attention, medians; < 1 means the ∞-former is faster):")
    for line in ratio_lines:
        print("  " + line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
