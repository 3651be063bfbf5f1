"""Sharing a view of the user's own text: a link that carries a short text, and a session file.

Link: the text (and query) compressed with zlib and written in URL-safe base64 in the `text` (and
`query`) parameters. Only texts whose compressed form is at most MAX_LINK_CHARS characters go into
a link (about 15,000 characters of English prose); a longer text is shared with a session file.

Session file (gzip-compressed JSON, `infformer-session` version 2; plain JSON and version 1 are read
too): the text, the query, how it was chosen, the model's name, the memory settings and (version 2)
the Predictions page's comparison, if one was shown. Reading one checks it against the schema and
names the first problem.

A comparison in a link: the `vs` parameter, "τ,sticky,seed" or "τ,sticky,seed,model" (e.g. `vs=0.95,0,0`;
the model by its name among the app's shipped models, never a path). A session file carries data, never reach: its model
is taken only when it names one of the app's shipped models (pages/run.py), never a path.
"""
from __future__ import annotations

import base64
import binascii
import gzip
import json
import re
import zlib

from infformer.core.settings import MEMORY_RANGES, MEMORY_SETTINGS
from infformer.io.textio import MAX_QUERY_CHARS

MAX_LINK_CHARS = 6000
NOT_CARRIED = "too-long"  # the `text` parameter of a link whose own text could not go into it
SESSION_FORMAT, SESSION_VERSION = "infformer-session", 2
READS_VERSIONS = (1, 2)  # version 1: no comparison
MAX_SESSION_BYTES = 2_500_000  # a 1 MB text, JSON-escaped, with room to spare (decompressed)


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
FIELDS = ("format", "version", "text", "query", "label", "model", "settings", "compare")  # the whole schema
COMPARE_FIELDS = ("tau", "sticky", "seed", "model")  # what a comparison changes (pages/_compare.py)
MODEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")  # a shipped model's directory name, never a path
MAX_FIELD_CHARS = {"query": MAX_QUERY_CHARS, "label": 200, "model": 200}  # the text: the app's MAX_INPUT_BYTES
GZIP_MAGIC = b"\x1f\x8b"


def session_json(text: str, query: str, label: str, model: str, settings: dict, compare: dict | None = None) -> str:
    return json.dumps({"format": SESSION_FORMAT, "version": SESSION_VERSION, "text": text, "query": query,
                       "label": label, "model": model, "settings": {k: settings[k] for k in SETTINGS_FIELDS},
                       "compare": None if compare is None else {k: compare.get(k) for k in COMPARE_FIELDS}},
                      ensure_ascii=False, indent=1)


def pack_compare(compare: dict) -> str:
    """A comparison for a link's `vs` parameter: "τ,sticky,seed" and ",model" when it names one."""
    packed = f"{compare['tau']:g},{int(compare['sticky'])},{compare['seed']}"
    return packed + (f",{compare['model']}" if compare.get("model") else "")


def unpack_compare(packed: str) -> dict:
    """A link's `vs` parameter, checked like a session file's comparison."""
    parts = packed.split(",")
    if len(parts) not in (3, 4) or len(packed) > 160:
        raise ShareError(f"the comparison {packed[:40]!r} is not τ,sticky,seed[,model] (e.g. 0.95,0,0)")
    try:
        tau, seed = float(parts[0]), int(parts[2])
    except ValueError:
        raise ShareError(f"the comparison {packed[:40]!r} is not τ,sticky,seed[,model] (e.g. 0.95,0,0)") from None
    if parts[1] not in ("0", "1"):
        raise ShareError(f"the comparison's sticky must be 0 or 1, not {parts[1][:10]!r}")
    return check_compare({"tau": tau, "sticky": parts[1] == "1", "seed": seed,
                          "model": parts[3] if len(parts) == 4 else None})


def check_compare(compare) -> dict:
    """A comparison's values, each of its type and within its setting's range; the model (optional, None:
    the sidebar's) a name of the form a shipped model's directory has, never a path."""
    required = [f for f in COMPARE_FIELDS if f != "model"]
    if not isinstance(compare, dict) or not set(required) <= set(compare) or not set(compare) <= set(COMPARE_FIELDS):
        raise ShareError(f"a comparison holds {', '.join(required)} and optionally model")
    if not isinstance(compare["sticky"], bool):
        raise ShareError("the comparison's sticky must be true or false")
    model = compare.get("model")
    if model is not None and not (isinstance(model, str) and MODEL_NAME.fullmatch(model)):
        raise ShareError(f"the comparison's model {str(model)[:40]!r} is not the name of one of the app's models")
    out = {"sticky": compare["sticky"], "model": model}
    for name, cast in (("tau", float), ("seed", int)):
        value = compare[name]
        if not _is_number(value, whole=cast is int):
            raise ShareError(f"the comparison's {name} must be a {'whole ' if cast is int else ''}number")
        try:
            out[name] = cast(MEMORY_RANGES[name].check(cast(value)))
        except (ValueError, OverflowError) as e:
            raise ShareError(f"the comparison's {e}") from None
    return out


def session_file(text: str, query: str, label: str, model: str, settings: dict, compare: dict | None = None) -> bytes:
    """The session file the app writes: its JSON, gzip-compressed (a 1 MB text makes 1.2 MB of JSON, over
    the app's 1 MB upload limit; compressed, about 0.4 MB, so the app can always open what it wrote).
    Deterministic: no time stamp in the gzip header."""
    return gzip.compress(session_json(text, query, label, model, settings, compare).encode("utf-8"), 9, mtime=0)


def _inflate(data: bytes) -> bytes:
    """A gzip session file's JSON, refusing more than MAX_SESSION_BYTES once decompressed (a bomb)."""
    d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        out = d.decompress(data, MAX_SESSION_BYTES + 1)
    except zlib.error:
        raise ShareError("not a session file: a damaged gzip file") from None
    if len(out) > MAX_SESSION_BYTES:
        raise ShareError(f"the session file holds more than {MAX_SESSION_BYTES:,} bytes once decompressed; "
                         f"the limit is {MAX_SESSION_BYTES:,}")
    if not d.eof:
        raise ShareError("not a session file: a gzip file cut short")
    return out


def _is_number(value, whole: bool) -> bool:
    """A JSON number (not true/false); whole: an integer (a float like 3.0 too, never Infinity or NaN)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return not whole or isinstance(value, int) or value.is_integer()


def _depth(value, level: int = 0) -> int:
    if isinstance(value, dict):
        return max((_depth(v, level + 1) for v in value.values()), default=level + 1)
    if isinstance(value, list):
        return max((_depth(v, level + 1) for v in value), default=level + 1)
    return level


def _check_string(name: str, value) -> str:
    if not isinstance(value, str):
        raise ShareError(f"the session file's {name!r} is missing or not text")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # JSON allows "\ud800"; no page could show or encode it
        raise ShareError(f"the session file's {name!r} holds an unpaired surrogate (\\u escape of half a "
                         "character): not valid text") from None
    limit = MAX_FIELD_CHARS.get(name)
    if limit is not None and len(value) > limit:
        raise ShareError(f"the session file's {name!r} has {len(value):,} characters; the limit is {limit:,}")
    if "\x00" in value:
        raise ShareError(f"the session file's {name!r} contains NUL characters")
    return value


def read_session(data: bytes) -> dict:
    """A session file's fields (text, query, label, model, settings, compare), validated against the schema:
    gzip or plain JSON, at most MAX_SESSION_BYTES, one object of exactly FIELDS, settings one level
    deep, every string valid text within its limit, every setting within its range."""
    if len(data) > MAX_SESSION_BYTES:
        raise ShareError(f"the session file is {len(data):,} bytes; the limit is {MAX_SESSION_BYTES:,}")
    if data.startswith(GZIP_MAGIC):
        data = _inflate(data)
    try:
        s = json.loads(data.decode("utf-8-sig"))
    except RecursionError:
        raise ShareError("not a session file: its JSON is nested too deeply") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise ShareError(f"not a session file: not UTF-8 JSON ({str(e)[:80]})") from None
    if not isinstance(s, dict) or s.get("format") != SESSION_FORMAT:
        raise ShareError(f"not a session file: its format is not {SESSION_FORMAT!r}")
    if s.get("version") not in READS_VERSIONS or isinstance(s.get("version"), bool):
        raise ShareError(f"session file version {str(s.get('version'))[:20]!r}; this app reads versions "
                         f"{' and '.join(map(str, READS_VERSIONS))}")
    unknown = [k for k in s if k not in FIELDS or (k == "compare" and s["version"] == 1)]
    if unknown:
        raise ShareError(f"the session file has a field this app does not know: {unknown[0][:40]!r}")
    if _depth(s) > 2:
        raise ShareError("the session file is nested deeper than a session file is (its settings are one level)")
    for name in ("text", "query", "label", "model"):
        _check_string(name, s.get(name))
    if not s["text"].strip():
        raise ShareError("the session file's text is empty")
    settings = s.get("settings")
    if not isinstance(settings, dict):
        raise ShareError("the session file has no settings")
    unknown = [k for k in settings if k not in SETTINGS_FIELDS]
    if unknown:
        raise ShareError(f"the session file has a setting this app does not know: {unknown[0][:40]!r}")
    out = {}
    for name, cast in SETTINGS_FIELDS.items():
        value = settings.get(name)
        if cast is bool:
            if not isinstance(value, bool):
                raise ShareError(f"setting {name!r} must be true or false")
            out[name] = value
            continue
        if not _is_number(value, whole=cast is int):
            raise ShareError(f"setting {name!r} must be a {'whole ' if cast is int else ''}number, "
                             f"got {str(value)[:20]!r}")
        try:
            out[name] = cast(MEMORY_RANGES[name].check(cast(value)))
        except (ValueError, OverflowError) as e:
            raise ShareError(f"setting {e}") from None
    compare = s.get("compare")
    return {**{k: s[k] for k in ("text", "query", "label", "model")}, "settings": out,
            "compare": None if compare is None else check_compare(compare)}
