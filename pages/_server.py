"""Server mode, for an app opened to a class: set INFFORMER_SERVER_MODE=1 (or `server_mode = true`
in .streamlit/secrets.toml). Visitors then choose among the shipped models only (no box for a
path on the server, and a session file naming any other model is refused without saying whether
that path exists), and an unexpected error shows a one-line message instead of a traceback."""
from __future__ import annotations

import os

import streamlit as st

ENV = "INFFORMER_SERVER_MODE"


def server_mode() -> bool:
    if os.environ.get(ENV, "").strip().lower() in ("1", "true", "yes", "on"):
        return True
    try:
        return bool(st.secrets.get("server_mode", False))
    except Exception:  # no secrets file: Streamlit raises its own not-found error
        return False


def apply() -> None:
    """The page-wide part, once per run (app.py): no tracebacks for visitors in server mode."""
    if server_mode():
        st.set_option("client.showErrorDetails", "none")
