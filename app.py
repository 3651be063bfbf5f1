"""The memory explorer: watch the ∞-former's continuous memory work on any text.

Run:  streamlit run app.py
Page config, the shared sidebar (model and memory settings) and the routing; no math here.
"""
import streamlit as st
import torch

from infformer.core.heap import bound_heap
from infformer.core.settings import default_threads

st.set_page_config(page_title="∞-former memory explorer", page_icon="∞", layout="wide")

# Torch threads: the same default as the command line (infformer/core/settings.py: $INFFORMER_THREADS,
# else half the cores), so a trace costs the same in both.
THREADS = default_threads()
if torch.get_num_threads() != THREADS:
    torch.set_num_threads(THREADS)
bound_heap()  # the server's memory goes back down when traces are evicted (infformer/core/heap.py)

from pages import _notices, _server  # noqa: E402
from pages._docs import current_doc  # noqa: E402
from pages._registry import PAGES as REGISTRY  # noqa: E402
from pages._sidebar import sidebar
from pages._url import follow_history, sync_url, url_params

SECTIONS: dict = {}  # the sidebar's groups, in the registry's order: "Your text", then "The paper"
for p in REGISTRY:
    SECTIONS.setdefault(p.section, []).append(
        st.Page(p.file, title=p.title, icon=p.icon, url_path=p.url_path or "home", default=not p.url_path))

_server.apply()
# Our own page links, not Streamlit's: a link that carries the view's parameters makes a page change
# one history entry (Streamlit's drops them, and writing them back would push a second one).
page = st.navigation(SECTIONS, position="hidden")
nav = st.sidebar.container()
follow_history()  # Back / Forward: the view the URL names, text and settings included
settings = sidebar()
doc = current_doc()
with nav:
    params = url_params(settings, doc)
    for section, pages in SECTIONS.items():
        st.caption(section)
        for p in pages:
            st.page_link(p, query_params=params)
_notices.show(doc.sha)  # what the link that opened this session could not do, on every page
sync_url(settings, doc)
page.run()
