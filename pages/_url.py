"""URL state: the example (or a short own text, compressed) and the settings, so a link reproduces
the view (see pages/_share.py for the packing)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st

from infformer.core.settings import MEMORY_SETTINGS
from pages._compare import current_compare
from pages._docs import Doc
from pages._share import NOT_CARRIED, encode_text, pack_compare
from pages._sidebar import Settings, current_settings, shipped_models

WRITTEN = "_url_written"  # the parameters this session last put in the URL
# the Run page's example widgets: they hold the example chosen last, so Back must clear them too
EXAMPLE_WIDGETS = ("example_choice", "passkey_length", "passkey_depth")


def link_text(doc: Doc) -> str | None:
    """The document's text packed for the URL (None: too long for a link), computed once per text."""
    cached = st.session_state.get("_link")
    if not cached or cached[0] != doc.sha:
        cached = (doc.sha, encode_text(doc.text))
        st.session_state["_link"] = cached
    return cached[1]


def url_params(settings: Settings, doc: Doc) -> dict:
    """The URL's parameters for this view: the example (or a short own text, compressed) and the settings."""
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
    compare = current_compare()
    if compare is not None:  # the Predictions page's comparison
        want["vs"] = pack_compare(compare)
    return want


def sync_url(settings: Settings, doc: Doc) -> None:
    """Write the view's parameters into the URL (nothing when they are there already: the sidebar's
    page links carry them, so a page change is one history entry, not two)."""
    want = url_params(settings, doc)
    q = st.query_params
    if q.to_dict() != want:  # one write: each separate key change would add an entry to the browser's history
        q.from_dict(want)
    st.session_state[WRITTEN] = want


def follow_history() -> None:
    """At the start of a run: when the URL is not what this session last wrote, the browser moved
    (Back or Forward): the text and the settings are read from the URL again, as on a first visit."""
    written = st.session_state.get(WRITTEN)
    q = st.query_params
    if written is not None and q.to_dict() != written:
        doc = st.session_state.get("doc")
        # a view of this session's own long text (not in the URL): keep the text, re-read the settings
        keep_doc = q.get("text") == NOT_CARRIED and doc is not None and not doc.example
        for key in ("_settings_ready", WRITTEN) if keep_doc else ("doc", "_settings_ready", WRITTEN, *EXAMPLE_WIDGETS):
            st.session_state.pop(key, None)


def set_doc(doc: Doc) -> None:
    """Make `doc` the current document (and put it in the URL at once: app.py synced it before the page ran)."""
    st.session_state["doc"] = doc
    sync_url(current_settings(), doc)
