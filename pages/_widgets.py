"""Page helpers: a page's title and prose, figures with their downloads, widgets whose values
outlive page switches, and the layer and query pickers."""
from __future__ import annotations

import numpy as np
import streamlit as st

from infformer.tracing.predictions import find_phrase
from infformer.viz import common as vc
from infformer.viz.attention import token_label
from infformer.viz.token_strip import selected_tokens, strip_tokens, token_strip_figure
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
    allowed = set(candidates.tolist())  # any token that read a memory can be a query (search finds it) ...
    if len(candidates) > MAX_QUERY_OPTIONS:  # ... the list offers the last MAX_QUERY_OPTIONS
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
    if st.session_state.get("queries_for") != run.key:  # a new text: back to its default
        st.session_state["queries"] = default
        st.session_state.pop("_w_queries", None)
        st.session_state["queries_for"] = run.key
    find_query(run, allowed)
    current = [q for q in st.session_state.get("_w_queries", st.session_state.get("queries", default)) if q in allowed]
    click_query(run, np.flatnonzero(has_memory), current)
    current = [q for q in st.session_state.get("_w_queries", st.session_state.get("queries", default)) if q in allowed]
    options = sorted(set(candidates.tolist()) | set(current))
    chosen = persistent(st.multiselect, "queries", default, label=label, options=options,
                        valid=lambda v: [q for q in v if q in allowed],
                        format_func=lambda i: token_label(tr, i),
                        help="Tokens whose continuous attention to show. Only tokens that read a non-empty "
                             "long-term memory are offered" + (f" (the last {MAX_QUERY_OPTIONS:,} of them)."
                                                               if len(candidates) == MAX_QUERY_OPTIONS else "."))
    if len(candidates) == MAX_QUERY_OPTIONS:
        st.caption(f"Note: the text is long: its last {MAX_QUERY_OPTIONS:,} tokens are listed; find any other "
                   "by a word above.")
    return chosen


def in_context(tr, token: int, width: int = 30) -> str:
    """'token 123: …words around it…' for the occurrences menu."""
    a, b = (int(x) for x in tr.offsets[token])
    return f"token {token}: …{' '.join(tr.text[max(0, a - width):b + width].split())}…"


def _make_query(token: int, add: bool) -> None:
    """Button callback (runs before the next script run, so the multiselect's state can still be set)."""
    now = list(st.session_state.get("_w_queries", st.session_state.get("queries", [])))
    chosen = sorted(set(now) | {token}) if add else [token]
    st.session_state["queries"] = st.session_state["_w_queries"] = chosen


def _clicked_query() -> None:
    """Chart callback: the clicked (or box-selected) tokens become the query (the strip offers only
    tokens that read the memory; pick_queries checks them again)."""
    event = st.session_state.get("query_click") or {}
    tokens = selected_tokens((event.get("selection") or {}).get("points"))
    if tokens:
        st.session_state["queries"] = st.session_state["_w_queries"] = tokens[:MAX_DEFAULT_QUERIES]


def click_query(run: Run, candidates, current: list) -> None:
    """The text as a strip of tokens (height: surprisal); a click makes a token the query. A long
    text shows MAX_QUERY_OPTIONS tokens at a time, around the place chosen on a slider."""
    tr = run.trace
    # a toggle, not an expander: the strip is built only when asked for (an expander's body always runs)
    if not st.toggle("Click a token to make it the query", key="query_click_on"):
        return
    with st.container(border=True):
        around = None
        if len(candidates) > MAX_QUERY_OPTIONS:
            around = st.slider("Part of the text to show (token)", int(candidates[0]), int(candidates[-1]),
                               int(current[-1]) if current else int(candidates[-1]), key="query_click_around")
        tokens = strip_tokens(candidates, around, MAX_QUERY_OPTIONS)
        st.plotly_chart(token_strip_figure(tr, tokens, chosen=current), key="query_click", on_select=_clicked_query,
                        selection_mode=("points", "box"), config=chart_config("query_click"), width="stretch")
        st.caption("Each point is a token that read the long-term memory, as high as its surprisal: the spikes are "
                   "where the model went wrong. Click one to make it the query (or choose box select in the chart's toolbar and drag over several).")


def find_query(run: Run, allowed: set) -> None:
    """A word or phrase searched in the text; one of its occurrences becomes the query (or is added)."""
    tr = run.trace
    phrase = st.text_input("Find a word or phrase in the text to make it the query", key="query_find",
                           max_chars=200, placeholder="e.g. a name the question asks about")
    if not phrase.strip():
        return
    hits = [int(i) for i in find_phrase(tr, phrase) if int(i) in allowed]
    if not hits:
        st.caption("Not found where the memory could be read (a token reads the memory once it has been written: "
                   "after the first segments).")
        return
    c1, c2, c3 = st.columns([3, 1, 1], vertical_alignment="bottom")
    pick = c1.selectbox(f"{len(hits)} occurrence{'s' if len(hits) > 1 else ''}", hits, key="query_find_pick",
                        format_func=lambda i: in_context(tr, i))
    c2.button("Make it the query", on_click=_make_query, args=(pick, False), key="query_find_set")
    c3.button("Add it", on_click=_make_query, args=(pick, True), key="query_find_add")
