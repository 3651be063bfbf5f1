"""The files `trace` writes (summary.json, tokens.csv, queries.csv, histograms.csv), written so that
a reader never sees a half-written trace and memory stays bounded whatever the text's length.

- Checked before the work: `prepare(out)` refuses an --out under a file, unwritable, or on a disk
  without room for the estimated files, and creates the temporary folder the files go to first.
- Written in chunks: queries.csv has layers × tokens × heads rows (16 M rows for 58,000 tokens on a
  30-layer model); building it as one table took 900 MB for a 1 MB text. Rows go out a chunk at a time.
- Atomic: every file goes to a temporary folder beside --out, then into --out, summary.json last.
  summary.json is the marker of a complete trace: a run killed while writing leaves no summary.json
  beside files of another run (the old one is removed first) and the temporary folder is deleted.
"""
from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path

BYTES_PER_ROW = 64        # queries.csv, measured: 50-60 bytes a row; the disk check's estimate
FILES = ("tokens.csv", "queries.csv", "histograms.csv", "summary.json")


class OutputError(ValueError):
    """An --out that cannot hold the trace; the message names the problem."""


def estimated_bytes(num_tokens: int, layers: int, heads: int) -> int:
    """Rough size of the files for a trace (queries.csv dominates)."""
    return int(num_tokens * (layers * heads * BYTES_PER_ROW + 200))


def prepare(out, expected_bytes: int = 0) -> Path:
    """Check that `out` can be written, before any work, and return an empty temporary folder beside it."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise OutputError(f"--out {out}: exists and is not a directory")
    parent = out.parent
    while not parent.exists():  # the nearest folder that exists: the new ones are made inside it
        parent = parent.parent
    if not parent.is_dir():
        raise OutputError(f"--out {out}: {parent} is a file, not a directory")
    if not os.access(parent if not out.exists() else out, os.W_OK | os.X_OK):
        raise OutputError(f"--out {out}: no permission to write in {out if out.exists() else parent}")
    free = shutil.disk_usage(parent).free
    if expected_bytes > free:
        raise OutputError(f"--out {out}: the trace's files need about {expected_bytes / 1e6:,.0f} MB and the disk has "
                          f"{free / 1e6:,.0f} MB free")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir()
    except OSError as e:
        raise OutputError(f"--out {out}: cannot create it ({e.strerror})") from None
    return tmp


def write_csv(path: Path, chunks) -> None:
    """Write DataFrames one after the other as one CSV file (the header once)."""
    with open(path, "w", encoding="utf-8", newline="") as f:
        first = True
        for df in chunks:
            df.to_csv(f, index=False, header=first)
            first = False


def write_trace(trace, tmp: Path, out, summary: dict, tokenizer=None) -> None:
    """Write the four files into `tmp` (from `prepare`), then move them into `out`, summary.json last."""
    out = Path(out)
    try:
        trace.tokens_table(tokenizer).to_csv(tmp / "tokens.csv", index=False)
        write_csv(tmp / "queries.csv", trace.queries_chunks())
        write_csv(tmp / "histograms.csv", trace.histograms_chunks())
        summary = {k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in summary.items()}
        (tmp / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=False), encoding="utf-8")
        out.mkdir(parents=True, exist_ok=True)
        (out / "summary.json").unlink(missing_ok=True)  # no summary beside another run's files, even for a moment
        for name in FILES:  # summary.json last: its presence means the trace is complete
            os.replace(tmp / name, out / name)
    except OSError as e:
        raise OutputError(f"--out {out}: writing the trace failed ({e.strerror or e}); nothing half-written was left "
                          "under that name") from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
