"""The Predictions page's comparison (the same model and text under other τ, sticky, seed) as
shared state: read from the page's widgets, written into links and session files, and set from
them, so a link or a session file reopens the comparison it was made with."""
from __future__ import annotations

import streamlit as st

COMPARE = "Compare with other settings"
SHADING = "pred_shading"  # the page's "Shade the document by" radio
KEYS = {"tau": "pred_cmp_tau", "sticky": "pred_cmp_sticky", "seed": "pred_cmp_seed"}


def _value(key: str):  # as pages._widgets.persistent keeps it: the widget's own state first
    return st.session_state.get(f"_w_{key}", st.session_state.get(key))


def current_compare() -> dict | None:
    """{tau, sticky, seed} of the comparison shown now, or None when the page does not compare."""
    if _value(SHADING) != COMPARE:
        return None
    values = {field: _value(key) for field, key in KEYS.items()}
    if any(v is None for v in values.values()):  # the page has not drawn its widgets yet
        return None
    return {"tau": float(values["tau"]), "sticky": bool(values["sticky"]), "seed": int(values["seed"])}


def set_compare(compare: dict) -> None:
    """Open the Predictions page on this (already validated) comparison. Called before the page draws
    its widgets: by the first run of a session (a link) and by the session-file callback."""
    st.session_state[SHADING] = st.session_state[f"_w_{SHADING}"] = COMPARE
    for field, key in KEYS.items():
        st.session_state[key] = st.session_state[f"_w_{key}"] = compare[field]
