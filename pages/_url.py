"""URL state: the example (or a short own text, compressed) and the settings, so a link reproduces
the view (see pages/_share.py for the packing)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from infformer.core.settings import MEMORY_SETTINGS
from pages._docs import Doc
from pages._share import NOT_CARRIED, encode_text
from pages._sidebar import Settings, current_settings, shipped_models


def link_text(doc: Doc) -> str | None:
    """The document's text packed for the URL (None: too long for a link), computed once per text."""
    cached = st.session_state.get("_link")
    if not cached or cached[0] != doc.sha:
        cached = (doc.sha, encode_text(doc.text))
        st.session_state["_link"] = cached
    return cached[1]


def sync_url(settings: Settings, doc: Doc) -> None:
    """Write the example (or a short own text, compressed) and the settings into the URL."""
    want = {}
    for s in MEMORY_SETTINGS:
        value = getattr(settings, s.field)
        want[s.url] = ("1" if value else "0") if s.range is None else f"{value:g}" if s.cast is float else str(value)
    shipped = {str(p.resolve()): name for name, p in shipped_models().items()}
    model = shipped.get(str(Path(settings.model_dir).resolve()))
    if model:
        want["model"] = model
    if doc.example:
        want["example"] = doc.example
        want.update({k: str(v) for k, v in doc.params.items()})
    else:
        packed = link_text(doc)
        # a text too long for a link still marks the link, so whoever opens it is told (pages/_docs.py)
        want["text"] = packed if packed is not None else NOT_CARRIED
        if packed is not None and doc.query:
            want["query"] = doc.query
    q = st.query_params
    if q.to_dict() != want:  # one write: each separate key change would add an entry to the browser's history
        q.from_dict(want)


def set_doc(doc: Doc) -> None:
    """Make `doc` the current document (and put it in the URL at once: app.py synced it before the page ran)."""
    st.session_state["doc"] = doc
    sync_url(current_settings(), doc)
