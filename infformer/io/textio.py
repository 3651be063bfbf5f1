"""Reading user text safely: one clear error naming the problem for empty, binary, undecodable or huge input."""
from __future__ import annotations

import os
import stat
from pathlib import Path

MAX_TEXT_BYTES = 64 * 1024 * 1024  # 64 MiB, roughly 16M tokens: beyond that, split the file
MAX_TRACE_BYTES = 4 * 1024 * 1024  # `trace` keeps every token's record: 4 MiB (~1M tokens) bounds its memory
MAX_QUERY_CHARS = 10_000           # a query is a question or a dialogue turn, not a second document


class InputError(ValueError):
    """Bad user input; the message names the problem and is fit to show as is."""


# Files people upload that are not plain text, by their first bytes: named, with what to do instead.
NOT_TEXT = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a ZIP archive (a .docx, .odt, .xlsx or .epub document is one)"),
    (b"\xd0\xcf\x11\xe0", "an old Microsoft Office document (.doc, .xls)"),
    (b"\x1f\x8b", "gzip-compressed"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
BOMS = ((b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
        (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"))  # longest first: a UTF-32 BOM starts like UTF-16's


def decode_text(data: bytes, name: str = "input", max_bytes: int = MAX_TEXT_BYTES) -> str:
    """UTF-8 bytes -> text, refusing what is not a usable text."""
    if len(data) > max_bytes:
        raise InputError(f"{name} is {len(data):,} bytes; the limit is {max_bytes:,}")
    for magic, kind in NOT_TEXT:
        if data.startswith(magic):
            raise InputError(f"{name} is {kind}, not plain text: save or export it as plain text (.txt) first")
    # UTF-16 and UTF-32 with a byte-order mark (Windows editors save "Unicode" text so): read as such
    encoding = next((enc for bom, enc in BOMS if data.startswith(bom)), None)
    if encoding is not None:
        try:
            text = data.decode(encoding).removeprefix("\ufeff")
        except UnicodeDecodeError:
            raise InputError(f"{name} starts like {encoding.upper()} text but is not valid {encoding.upper()}") from None
        if "\x00" in text:
            raise InputError(f"{name} looks binary (it contains NUL characters), not text")
        if not text.strip():
            raise InputError(f"{name} is empty (no text to read)")
        return text
    if b"\x00" in data[:65536]:
        raise InputError(f"{name} looks binary (it contains NUL bytes), not text"
                         + (" (UTF-16 without a byte-order mark? save it as UTF-8)" if data[1:2] == b"\x00" else ""))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{name} is not valid UTF-8 (byte {e.start}: {data[e.start:e.start + 1]!r})") from None
    if "\x00" in text:  # anywhere, not only in the first 64 KiB: a text with a binary tail is not text
        raise InputError(f"{name} looks binary (it contains a NUL character at character {text.index(chr(0)):,}), not text")
    if not text.strip():
        raise InputError(f"{name} is empty (no text to read)")
    return text


def check_query(query: str, name: str = "the query") -> str:
    """A query within MAX_QUERY_CHARS, without NUL characters."""
    if len(query) > MAX_QUERY_CHARS:
        raise InputError(f"{name} has {len(query):,} characters; the limit is {MAX_QUERY_CHARS:,} (a query is a "
                         "question or a turn: put a long text in the document instead)")
    if "\x00" in query:
        raise InputError(f"{name} contains NUL characters")
    return query


def read_text(path, max_bytes: int = MAX_TEXT_BYTES) -> str:
    """A regular file's text. What is not a regular file is refused before it is opened (a FIFO
    would wait forever for a writer, /dev/zero never ends), and the size is checked before reading;
    the read itself stops at the limit (a file that grows meanwhile is refused, not followed)."""
    p = Path(path)
    try:
        info = os.stat(p)  # follows a symbolic link: a link to a regular file is fine
    except FileNotFoundError:
        raise InputError(f"{p}: no such file") from None
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    if stat.S_ISDIR(info.st_mode):
        raise InputError(f"{p}: is a directory, not a text file")
    if not stat.S_ISREG(info.st_mode):
        kind = ("a named pipe (FIFO)" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode)
                or stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a regular file")
        raise InputError(f"{p}: is {kind}, not a text file (save the text to a file first)")
    if info.st_size > max_bytes:
        raise InputError(f"{p} is {info.st_size:,} bytes; the limit is {max_bytes:,}")
    try:
        with open(p, "rb") as f:
            data = f.read(max_bytes + 1)
    except OSError as e:
        raise InputError(f"{p}: cannot read ({e.strerror})") from None
    return decode_text(data, str(p), max_bytes)
