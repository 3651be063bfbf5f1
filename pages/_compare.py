"""The Predictions page's comparison (the same text read under other τ, sticky, seed, or by another of
the app's models) as shared state: read from the page's widgets, written into links and session
files, and set from them, so a link or a session file reopens the comparison it was made with."""
from __future__ import annotations

import streamlit as st

from pages._share import COMPARE_FIELDS

COMPARE = "Compare with other settings"
SAME_MODEL = "the sidebar's model"
SHADING = "pred_shading"  # the page's "Shade the document by" radio
KEYS = {field: f"pred_cmp_{field}" for field in COMPARE_FIELDS}  # the widgets' keys, one per carried field


def _value(key: str):  # as pages._widgets.persistent keeps it: the widget's own state first
    return st.session_state.get(f"_w_{key}", st.session_state.get(key))


def current_compare() -> dict | None:
    """{tau, sticky, seed, model} of the comparison shown now (model: a shipped model's name, or None
    for the sidebar's), or None when the page does not compare."""
    if _value(SHADING) != COMPARE:
        return None
    values = {field: _value(key) for field, key in KEYS.items()}
    if any(values[f] is None for f in ("tau", "sticky", "seed")):  # the page has not drawn its widgets yet
        return None
    model = values["model"]
    return {"tau": float(values["tau"]), "sticky": bool(values["sticky"]), "seed": int(values["seed"]),
            "model": None if model in (None, SAME_MODEL) else str(model)}


def set_compare(compare: dict, shipped) -> str | None:
    """Open the Predictions page on this (already validated) comparison. Called before the page draws
    its widgets: by the first run of a session (a link) and by the session-file callback. A model that
    is not one of `shipped` (the app's models: a comparison carries names, never paths) is replaced by
    the sidebar's; the message says so (None when all was taken)."""
    st.session_state[SHADING] = st.session_state[f"_w_{SHADING}"] = COMPARE
    model = compare.get("model")
    message = None
    if model is not None and model not in shipped:
        message = f"the compared model {model[:80]!r} is not one of this app's models; the sidebar's model is compared"
        model = None
    values = {**compare, "model": SAME_MODEL if model is None else model}
    for field, key in KEYS.items():
        st.session_state[key] = st.session_state[f"_w_{key}"] = values[field]
    return message
