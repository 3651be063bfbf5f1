"""User-supplied strings (a query, a label, a file name, a link's value) shown as text, never as
Markdown or HTML: Streamlit renders Markdown in st.markdown, st.caption, st.info and the other
message boxes, so `![x](http://host/p.gif)` in a link's query would make the recipient's browser
fetch that image, and `[click](…)` would show a link that is not ours.

`plain(s)` backslash-escapes every ASCII punctuation character (CommonMark lets any of them be
escaped, and shows it literally), which also disarms Streamlit's own `:red[…]`, `:material/…:` and
`$…$` extensions; `<` and `>` are escaped too, so no tag is ever parsed. Newlines become spaces:
a line break inside a message must not start a heading or a list.
"""
from __future__ import annotations

import re

_PUNCTUATION = re.compile(r"([!-/:-@\[-`{-~])")  # every ASCII punctuation character


def plain(text: str, limit: int | None = 300) -> str:
    """`text` escaped for Streamlit Markdown, shortened to `limit` characters (None: whole)."""
    text = " ".join(str(text).split())
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    return _PUNCTUATION.sub(r"\\\1", text)
