"""The one list of the app's pages, read by app.py (navigation), the tests and the benchmarks.

url_path differs from the file name on purpose: with a pages/ folder, Streamlit's first run of a
process (and every AppTest run) goes through its old folder-based navigation, which would
otherwise claim the same page identities and run a page without app.py (no sidebar).
"""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    file: str          # the script, relative to the repository root
    title: str
    icon: str
    url_path: str      # "" for the home page
    charts: int        # at least this many figures on the default example (browser test)
    model: bool = True  # traces the current text (else it has its own inputs)
    section: str = "Your text"  # the sidebar's group: "Your text" (pages on the user's text) or "The paper"
    marker: str = ""   # a text the page shows once drawn (the browser test's check for a page without figures)

    @property
    def stem(self) -> str:
        return self.file.removeprefix("pages/").removesuffix(".py")


PAGES = [
    PageInfo("pages/run.py", "Run", ":material/play_arrow:", "", 0, marker="Tokens per second"),
    PageInfo("pages/memory_signal.py", "Memory signal", ":material/graphic_eq:", "signal", 3),
    PageInfo("pages/attention.py", "Attention Gaussians", ":material/show_chart:", "gaussians", 2),
    PageInfo("pages/sticky.py", "Sticky memories", ":material/push_pin:", "sticky-memories", 4),
    PageInfo("pages/excerpts.py", "Excerpts", ":material/format_quote:", "highlights", 1),
    PageInfo("pages/predictions.py", "Predictions", ":material/troubleshoot:", "predictions-view", 0,
             marker="Bits per character"),
    PageInfo("pages/dialogue.py", "Dialogue", ":material/forum:", "dialogue-view", 2, model=False, section="The paper"),
    PageInfo("pages/precision_lab.py", "Precision lab", ":material/science:", "lab", 4, model=False, section="The paper"),
    PageInfo("pages/sorting.py", "Sorting", ":material/sort:", "sorting-task", 5, model=False, section="The paper"),
    PageInfo("pages/experiments.py", "Experiments", ":material/monitoring:", "experiments-page", 4, model=False, section="The paper"),
]
