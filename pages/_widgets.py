"""Page helpers: a page's title and prose, figures with their downloads, widgets whose values
outlive page switches, and the layer and query pickers."""
from __future__ import annotations

import numpy as np
import streamlit as st

from infformer.viz import common as vc
from infformer.viz.attention import token_label
from pages._docs import ASSETS
from pages._runs import Run


# ----------------------------------------------------------------------------- page helpers
def intro(name: str, title: str) -> None:
    """A page's title and its two-line explanation from assets/<name>.md."""
    st.title(title)
    st.markdown((ASSETS / f"{name}.md").read_text(encoding="utf-8"))


def chart_config(name: str) -> dict:
    fmt = st.session_state.get("export_format", "png")
    return {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": name, "scale": 2}}


def show(fig, name: str) -> None:
    """A figure, its downsampling notes, and a standalone-HTML download (built only when clicked)."""
    st.plotly_chart(fig, key=f"fig_{name}", config=chart_config(name), width="stretch")
    for note in vc.notes(fig):
        st.caption(f"Note: {note}")
    st.download_button("Download this figure as HTML", data=lambda: vc.to_html(fig), file_name=f"{name}.html",
                       mime="text/html", key=f"html_{name}", on_click="ignore", icon=":material/download:")


def persistent(widget, key: str, default, valid=None, **kwargs):
    """A widget whose value outlives page switches (Streamlit forgets the state of widgets that a
    run does not draw): kept under `key`, drawn with the widget key `_w_<key>`."""
    wkey = f"_w_{key}"
    value = st.session_state[wkey] if wkey in st.session_state else st.session_state.get(key, default)
    if valid is not None:
        value = valid(value)
    st.session_state[wkey] = value  # always: a widget of the same key on another page is another widget
    out = widget(key=wkey, **kwargs)
    st.session_state[key] = out
    return out


def pick_layer(run: Run, key: str = "layer", label: str = "Layer") -> int:
    n = run.trace.num_layers
    return persistent(st.selectbox, key, n - 1, valid=lambda v: v if 0 <= v < n else n - 1, label=label,
                      options=list(range(n)), format_func=lambda y: f"layer {y}")

MAX_QUERY_OPTIONS = 4000
MAX_DEFAULT_QUERIES = 64  # a query longer than this starts with its first 64 tokens chosen (and says so)

def pick_queries(run: Run, label: str = "Query tokens") -> list:
    """Choose query tokens (shared by the pages that use them); default: the query after the
    text, or the text's last 8 tokens when there is none."""
    tr = run.trace
    has_memory = ~np.isnan(tr.mu[0, :, 0])
    candidates = np.flatnonzero(has_memory)
    if not len(candidates):  # too short: the long-term memory was never written, so nothing reads it
        L = tr.config["segment_len"]
        first = L if tr.config["stm_len"] == 0 else L + tr.config["stm_len"]
        st.info(f"This text is too short for the long-term memory: it has {tr.num_tokens:,} tokens, and the memory "
                f"is first written when the text passes about {first:,} tokens (a segment of {L:,}"
                + (f" after the short-term memory's {tr.config['stm_len']:,}" if tr.config["stm_len"] else "")
                + ") and first read by the tokens after that. Paste or upload a longer text.")
        st.stop()
    if len(candidates) > MAX_QUERY_OPTIONS:
        candidates = candidates[-MAX_QUERY_OPTIONS:]
    visible = [i for i in candidates.tolist() if tr.text[tr.offsets[i, 0]:tr.offsets[i, 1]].strip()]
    if tr.num_text_tokens < tr.num_tokens:
        query_tokens = [i for i in visible if i >= tr.num_text_tokens]
        default = query_tokens[:MAX_DEFAULT_QUERIES]
        if len(query_tokens) > MAX_DEFAULT_QUERIES:
            st.caption(f"Note: the query has {len(query_tokens):,} tokens; its first {MAX_DEFAULT_QUERIES} are chosen "
                       "below (add more, or pick others).")
    else:
        default = visible[-8:]
    allowed = set(candidates.tolist())
    if st.session_state.get("queries_for") != run.key:  # a new text: back to its default
        st.session_state["queries"] = default
        st.session_state.pop("_w_queries", None)
        st.session_state["queries_for"] = run.key
    chosen = persistent(st.multiselect, "queries", default, label=label, options=candidates.tolist(),
                        valid=lambda v: [q for q in v if q in allowed],
                        format_func=lambda i: token_label(tr, i),
                        help="Tokens whose continuous attention to show. Only tokens that read a non-empty "
                             "long-term memory are offered" + (f" (the last {MAX_QUERY_OPTIONS:,} of them)."
                                                               if len(candidates) == MAX_QUERY_OPTIONS else "."))
    if len(candidates) == MAX_QUERY_OPTIONS:
        st.caption(f"Note: the text is long: only its last {MAX_QUERY_OPTIONS:,} tokens are offered as queries.")
    return chosen
