"""Shared helpers of the benchmark scripts: paths, the machine line, Austen text and tokens, timing.

Not a benchmark itself. Every script imports it first, which also puts the project root on
sys.path so `import infformer` works when a script is run as `.venv/bin/python bench/NAME.py`.
"""
from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

AUSTEN = ROOT / "data" / "austen"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def flag_report(names=("avx512f", "amx_bf16", "avx512_bf16")) -> str:
    """Which of the CPU flags `names` this machine has ("avx512_bf16 yes, amx_bf16 no"): what decides
    whether bf16 is native here (infformer/core/precision.py)."""
    from infformer.core.precision import cpu_flags  # here, not at the top: most benchmarks never ask

    flags = cpu_flags()
    return ", ".join(f"{f} {'yes' if f in flags else 'no'}" for f in names)


def mem_total_gb() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 2 ** 20
    except OSError:
        pass
    return None


def mem_available_bytes() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def peak_rss_self_mib() -> float:
    """Peak resident memory of this process (VmHWM), in MiB.

    Not getrusage(RUSAGE_SELF).ru_maxrss: on Linux that survives fork + exec, so a child
    started from a big parent reports at least the parent's peak. VmHWM belongs to the address
    space, which exec replaces.
    """
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# Runs argv[1:] and prints its peak RSS (KiB) as the last stderr line. The wrapper is a small
# fresh process, so its child's ru_maxrss is the child's own (see peak_rss_self_mib).
PEAK_WRAPPER = ("import resource, subprocess, sys; rc = subprocess.run(sys.argv[1:]).returncode; "
                "print('peak-rss-kib', resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); "
                "sys.exit(rc)")


def machine_line() -> str:
    """One line naming the machine: CPU, core count, torch threads, RAM, torch and Python versions, date."""
    import torch
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = os.cpu_count()
    mem = mem_total_gb()
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"machine: {cpu_model()}, {os.cpu_count()} CPUs ({usable} usable), torch threads "
            f"{torch.get_num_threads()}, RAM {mem:.0f} GiB, {gpu}; torch {torch.__version__}, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}; "
            f"{datetime.datetime.now().astimezone().isoformat(timespec='seconds')}"
            if mem is not None else
            f"machine: {cpu_model()}, {os.cpu_count()} CPUs, torch threads {torch.get_num_threads()}, "
            f"torch {torch.__version__}")


def austen_text() -> str:
    """The six novels in file-name order, separated by blank lines (about 4 MB)."""
    files = sorted(AUSTEN.glob("*.txt"))
    if not files:
        raise SystemExit(f"error: no Austen text in {AUSTEN}")
    return "\n\n".join(f.read_text(encoding="utf-8") for f in files)


def austen_tokens(tokenizer, num_tokens: int):
    """`num_tokens` token ids [num_tokens] (int64 tensor) of Austen, the corpus repeated if it is too short."""
    import torch
    ids, _ = tokenizer.encode(austen_text())
    ids = torch.tensor(ids, dtype=torch.long)
    if len(ids) < num_tokens:
        ids = ids.repeat(-(-num_tokens // len(ids)))
    return ids[:num_tokens]


def median(xs) -> float:
    return statistics.median(xs)


def fmt_ms(seconds: float) -> str:
    return f"{seconds * 1e3:.2f} ms"


def fmt_bytes(n: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(n) < 1024 or unit == "GiB":
            return f"{n:.1f} {unit}" if unit != "B" else f"{int(n)} B"
        n /= 1024
    return f"{n:.1f} GiB"


def print_table(headers, rows) -> None:
    """A plain aligned text table."""
    cells = [[str(h) for h in headers]] + [[str(c) for c in r] for r in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(headers))]
    for k, r in enumerate(cells):
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=False))))
        if k == 0:
            print("  ".join("-" * w for w in widths))
