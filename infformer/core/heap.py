"""The process's heap, kept near what it holds. glibc's malloc raises its mmap threshold as large
blocks are freed, so the per-segment tensors of a long trace end up on the heap, which fragments
and never shrinks: tracing a 1 MB text grew from 460 MB to 1,010 MB though the record it builds
is 100 MB. A fixed threshold (blocks from 128 KiB on get their own mapping, returned when freed)
kept it at 530 MB (`bench/load.py` measures the server; the CLI's numbers are in the README).
Both functions do nothing where glibc is not the allocator."""
from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3   # mallopt's parameter numbers (malloc.h)
THRESHOLD = 128 * 1024                        # glibc's own starting value, kept fixed


def _libc():
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def bound_heap() -> bool:
    """Fix malloc's mmap and trim thresholds (call once, early). True where it took effect."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_MMAP_THRESHOLD, THRESHOLD)) and bool(libc.mallopt(M_TRIM_THRESHOLD, THRESHOLD))


def release_memory() -> None:
    """Hand freed heap pages back to the system now (after large results are dropped)."""
    libc = _libc()
    if libc is not None and hasattr(libc, "malloc_trim"):
        libc.malloc_trim(0)
