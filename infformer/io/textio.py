"""Reading user text safely: one clear error naming the problem for empty, binary, undecodable or huge input."""
from __future__ import annotations

from pathlib import Path

MAX_TEXT_BYTES = 64 * 1024 * 1024  # 64 MiB, roughly 16M tokens: beyond that, split the file


class InputError(ValueError):
    """Bad user input; the message names the problem and is fit to show as is."""


def decode_text(data: bytes, name: str = "input", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """UTF-8 bytes -> text, refusing what is not a usable text."""
    if len(data) > max_bytes:
        raise InputError(f"{name} is {len(data):,} bytes; the limit is {max_bytes:,}")
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks binary (it contains NUL bytes), not text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{name} is not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})") from None
    if not text.strip():
        raise InputError(f"{name} is empty (no text to read)")
    return text


def read_text(path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: no such file")
    if p.is_dir():
        raise InputError(f"{p}: is a directory, not a text file")
    try:
        size = p.stat().st_size
        if size > max_bytes:
            raise InputError(f"{p} is {size:,} bytes; the limit is {max_bytes:,}")
        data = p.read_bytes()
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    return decode_text(data, str(p), max_bytes)
