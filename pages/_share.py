"""Sharing a view of the user's own text: a link that carries a short text, and a session file.

Link: the text (and query) compressed with zlib and written in URL-safe base64 in the `text` (and
`query`) parameters. Only texts whose compressed form is at most MAX_LINK_CHARS characters go into
a link (about 15,000 characters of English prose); a longer text is shared with a session file.

Session file (JSON, `infformer-session` version 1): the text, the query, how it was chosen, the
model (a shipped model's name, or a directory) and the memory settings. Reading one checks every
field and names the first problem.
"""
from __future__ import annotations

import base64
import binascii
import json
import zlib

from infformer.core.settings import MEMORY_RANGES, MEMORY_SETTINGS

MAX_LINK_CHARS = 6000
NOT_CARRIED = "too-long"  # the `text` parameter of a link whose own text could not go into it
SESSION_FORMAT, SESSION_VERSION = "infformer-session", 1
MAX_SESSION_BYTES = 2_500_000  # a 1 MB text, JSON-escaped, with room to spare


class ShareError(ValueError):
    """A link or session file that cannot be read; the message says why."""


def encode_text(text: str) -> str | None:
    """The text for a URL parameter, or None if it is too long for a link."""
    packed = base64.urlsafe_b64encode(zlib.compress(text.encode("utf-8"), 9)).decode("ascii").rstrip("=")
    return packed if len(packed) <= MAX_LINK_CHARS else None


def decode_text(packed: str) -> str:
    broken = ShareError("the link's text could not be read (it may have been cut short when it was copied)")
    try:
        data = base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4))
        d = zlib.decompressobj()
        text = d.decompress(data, 2_000_000)  # a link never holds more than the app's 1 MB texts
        if not d.eof or d.unconsumed_tail:
            raise broken
        return text.decode("utf-8")
    except (binascii.Error, ValueError, zlib.error, UnicodeDecodeError):
        raise broken from None


SETTINGS_FIELDS = {s.field: s.cast for s in MEMORY_SETTINGS}


def session_json(text: str, query: str, label: str, model: str, settings: dict) -> str:
    return json.dumps({"format": SESSION_FORMAT, "version": SESSION_VERSION, "text": text, "query": query,
                       "label": label, "model": model,
                       "settings": {k: settings[k] for k in SETTINGS_FIELDS}}, ensure_ascii=False, indent=1)


def read_session(data: bytes) -> dict:
    """A session file's fields (text, query, label, model, settings), validated."""
    if len(data) > MAX_SESSION_BYTES:
        raise ShareError(f"the session file is {len(data):,} bytes; the limit is {MAX_SESSION_BYTES:,}")
    try:
        s = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ShareError(f"not a session file: not UTF-8 JSON ({str(e)[:80]})") from None
    if not isinstance(s, dict) or s.get("format") != SESSION_FORMAT:
        raise ShareError(f"not a session file: its format is not {SESSION_FORMAT!r}")
    if s.get("version") != SESSION_VERSION:
        raise ShareError(f"session file version {s.get('version')!r}; this app reads version {SESSION_VERSION}")
    for name in ("text", "query", "label", "model"):
        if not isinstance(s.get(name), str):
            raise ShareError(f"the session file's {name!r} is missing or not text")
    if not s["text"].strip():
        raise ShareError("the session file's text is empty")
    settings = s.get("settings")
    if not isinstance(settings, dict):
        raise ShareError("the session file has no settings")
    out = {}
    for name, cast in SETTINGS_FIELDS.items():
        value = settings.get(name)
        if cast is bool:
            if not isinstance(value, bool):
                raise ShareError(f"setting {name!r} must be true or false")
            out[name] = value
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (cast is int and value != int(value)):
            raise ShareError(f"setting {name!r} must be a {'whole ' if cast is int else ''}number, got {value!r}")
        try:
            out[name] = cast(MEMORY_RANGES[name].check(cast(value)))
        except ValueError as e:
            raise ShareError(f"setting {e}") from None
    return {**{k: s[k] for k in ("text", "query", "label", "model")}, "settings": out}
