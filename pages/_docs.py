"""The text the app is looking at: the `Doc`, the examples, the checks every text passes, and the
current document of a session (from the URL on its first run)."""
from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from infformer.corpora.passkey import passkey_text
from infformer.io.textio import InputError, check_query
from pages._notices import link_notice
from pages._share import MAX_LINK_CHARS, NOT_CARRIED, ShareError, decode_text

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
EXAMPLES: dict = json.loads((ASSETS / "examples" / "examples.json").read_text(encoding="utf-8"))
DEFAULT_EXAMPLE = "home_alone"
MAX_INPUT_BYTES = 1_000_000  # about 250,000 tokens; said on the Run page
PASSKEY_LENGTH = (500, 100_000)  # the pass-key haystack's length in tokens: the slider's range and a link's

# ----------------------------------------------------------------------------- documents
@dataclass(frozen=True)
class Doc:
    """The text the app is looking at, and how it was chosen."""

    text: str
    query: str = ""
    label: str = ""
    example: str | None = None              # an EXAMPLES key, or None for the user's own text
    params: dict = field(default_factory=dict)  # generator settings (pass-key length, depth)

    @functools.cached_property  # hashed once per document (a 1 MB text costs ~2 ms a hash), however often asked
    def sha(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def example_doc(name: str, length: int = 2000, depth: float = 0.5) -> Doc:
    ex = EXAMPLES[name]
    if name == "passkey":
        text, key = passkey_text(length, depth)
        return Doc(text, ex["query"], f"pass-key haystack, about {int(length):,} tokens, key at depth {depth:.0%} (key {key})",
                   name, {"length": int(length), "depth": round(float(depth), 2)})
    text = (ASSETS / "examples" / ex["file"]).read_text(encoding="utf-8")
    return Doc(text, ex["query"], ex["title"], name)


def check_text(text: str, name: str = "the text") -> str:
    """The same checks as an upload (empty, over the limit); raises InputError with the message to show."""
    if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
        raise InputError(f"{name} is {len(text.encode('utf-8')):,} bytes; the limit is {MAX_INPUT_BYTES:,}")
    if not text.strip():
        raise InputError(f"{name} is empty (no text to read)")
    return text


def link_query(query: str) -> str:
    """A link's query, within the query limit (else none, with a notice)."""
    try:
        return check_query(query.strip(), "the link's query")
    except InputError as e:
        link_notice(f"{e}; the text is read without it.")
        return ""


def current_doc() -> Doc:
    if "doc" not in st.session_state:
        q = st.query_params
        if q.get("text") == NOT_CARRIED:
            link_notice(f"This link was made from the sender's own text, too long to travel in a link (a link "
                        f"carries up to {MAX_LINK_CHARS:,} characters of compressed text): it shows the default "
                        "example instead. Ask the sender for the session file (Run page, Share, session.json.gz).")
        elif "text" in q:  # a link that carries the user's own text (pages/_share.py)
            try:
                text = check_text(decode_text(q["text"]), "the link's text")
                st.session_state["doc"] = Doc(text, link_query(q.get("query", "")), "text from a link")
                return st.session_state["doc"]
            except (ShareError, ValueError) as e:
                link_notice(f"{e}. Showing the default example instead.")
        name = q.get("example", DEFAULT_EXAMPLE)
        if name not in EXAMPLES:
            link_notice(f"The link names an example {name!r} this app does not have; showing "
                        f"{EXAMPLES[DEFAULT_EXAMPLE]['title']!r} instead.")
            name = DEFAULT_EXAMPLE
        length, depth = 2000, 0.5
        try:
            length = int(q.get("length", length))
            depth = float(q.get("depth", depth))
        except ValueError:
            link_notice("The link's pass-key length or depth is not a number; using 2,000 tokens at depth 0.5.")
        if not (PASSKEY_LENGTH[0] <= length <= PASSKEY_LENGTH[1] and 0.0 <= depth <= 1.0):
            length = min(PASSKEY_LENGTH[1], max(PASSKEY_LENGTH[0], length))
            depth = min(1.0, max(0.0, depth))
            link_notice(f"The link's pass-key length or depth is out of range (length {PASSKEY_LENGTH[0]:,}–"
                        f"{PASSKEY_LENGTH[1]:,}, depth 0–1); using {length:,} tokens at depth {depth:.2f}.")
        st.session_state["doc"] = example_doc(name, length, depth)
    return st.session_state["doc"]
