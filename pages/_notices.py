"""What a link (or the session's start) could not do, said on every page until the text changes:
a link whose text was too long to carry, a broken one, settings out of range or unreadable.
Written while the session starts (pages/_docs.py, pages/_sidebar.py), shown by app.py."""
from __future__ import annotations

import streamlit as st

from pages._text import plain

KEY, DOC_KEY = "link_notices", "link_notices_doc"


def link_notice(message: str) -> None:
    st.session_state.setdefault(KEY, []).append(message)


def show(doc_sha: str) -> None:
    """Each notice as a warning, while the document is the one the link opened on."""
    notices = st.session_state.get(KEY)
    if not notices:
        return
    first = st.session_state.setdefault(DOC_KEY, doc_sha)
    if first != doc_sha:  # the visitor has chosen another text since: the notices are stale
        st.session_state.pop(KEY)
        st.session_state.pop(DOC_KEY)
        return
    for message in notices:
        st.warning(plain(message, 600), icon=":material/link_off:")
