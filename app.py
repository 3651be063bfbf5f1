"""The memory explorer: watch the ∞-former's continuous memory work on any text.

Run:  streamlit run app.py
Page config, the shared sidebar (model and memory settings) and the routing; no math here.
"""
import streamlit as st
import torch

from infformer.settings import default_threads

st.set_page_config(page_title="∞-former memory explorer", page_icon="∞", layout="wide")

# Torch threads: the same default as the command line (infformer/settings.py: $INFFORMER_THREADS,
# else half the cores), so a trace costs the same in both.
THREADS = default_threads()
if torch.get_num_threads() != THREADS:
    torch.set_num_threads(THREADS)

from pages._common import current_doc, sidebar, sync_url  # noqa: E402  (after set_page_config)

# url_path values differ from the file names on purpose: with a pages/ folder, Streamlit's first
# run of a process (and every AppTest run) goes through its old folder-based navigation, which
# would otherwise claim the same page identities and run a page without this script (no sidebar).
PAGES = [
    st.Page("pages/run.py", title="Run", icon=":material/play_arrow:", default=True, url_path="home"),
    st.Page("pages/memory_signal.py", title="Memory signal", icon=":material/graphic_eq:", url_path="signal"),
    st.Page("pages/attention.py", title="Attention Gaussians", icon=":material/show_chart:", url_path="gaussians"),
    st.Page("pages/sticky.py", title="Sticky memories", icon=":material/push_pin:", url_path="sticky-memories"),
    st.Page("pages/excerpts.py", title="Excerpts", icon=":material/format_quote:", url_path="highlights"),
    st.Page("pages/precision_lab.py", title="Precision lab", icon=":material/science:", url_path="lab"),
    st.Page("pages/sorting.py", title="Sorting", icon=":material/sort:", url_path="sorting-task"),
    st.Page("pages/experiments.py", title="Experiments", icon=":material/monitoring:", url_path="experiments-page"),
]

page = st.navigation(PAGES)
settings = sidebar()
sync_url(settings, current_doc())
page.run()
