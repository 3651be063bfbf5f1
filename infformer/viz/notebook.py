"""The shaded documents in a Jupyter notebook, from the Python API: each function returns an object
that Jupyter shows as the same HTML the app draws (`_repr_html_`), and whose `.html` is a standalone
file's text (`save(path)` writes it).

    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.run import trace_text
    from infformer.viz import notebook
    model, tokenizer, _ = load_checkpoint()
    _, _, trace = trace_text(model, tokenizer, text, "Who wrote it?")
    notebook.show_excerpts(trace)                      # Figure 4: what the query's memory read
    notebook.show_surprisal(trace, tokenizer.decode)   # what each token cost, top guesses on hover
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from ..tracing.predictions import worth
from ..tracing.record import Trace
from .document import legend_html, shaded_document, standalone_html, surprisal_titles, worth_titles


class Shaded:
    """A shaded document: shown by Jupyter, saved as a standalone HTML file."""

    def __init__(self, title: str, document: str, legend: str, settings: dict):
        self.title, self.document, self.legend, self.settings = title, document, legend, settings

    def _repr_html_(self) -> str:
        return self.legend + self.document

    @property
    def html(self) -> str:
        return standalone_html(self.title, self.document, self.legend, self.settings)

    def save(self, path) -> Path:
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path


def _settings(trace: Trace, **extra) -> dict:
    ltm = trace.ltm or {}
    return {"tokens": f"{trace.num_tokens:,}", **{k: ltm[k] for k in ("tau", "num_samples", "sticky", "num_bins", "seed")
                                                  if k in ltm}, **extra}


def show_excerpts(trace: Trace, queries=None, max_tokens: int = 5000) -> Shaded:
    """The document shaded by the attention mass from `queries` (default: the query, or the last segment)."""
    queries = trace.default_queries() if queries is None else np.atleast_1d(queries)
    mass = trace.token_attention(queries)
    end = min(trace.num_tokens, max_tokens)
    scale = float(mass[:end].max()) if end else 0.0
    return Shaded("The document, shaded by attention mass", shaded_document(trace, "mass", mass, 0, end, queries=queries),
                  legend_html("mass", scale), _settings(trace, queries=f"{len(queries)} tokens"))


def show_surprisal(trace: Trace, decode=None, max_tokens: int = 5000) -> Shaded:
    """The document shaded by surprisal; with `decode` (tokenizer.decode), the top guesses on hover."""
    end = min(trace.num_tokens, max_tokens)
    values = np.nan_to_num(trace.surprisal())
    scale = float(np.quantile(values[:end], 0.99)) if end else 0.0  # one rare token must not wash out the rest
    return Shaded("The document, shaded by surprisal",
                  shaded_document(trace, "surprisal", values, 0, end, titles=surprisal_titles(trace, decode, 0, end),
                                  scale=scale), legend_html("surprisal", scale), _settings(trace))


def show_worth(trace: Trace, without, max_tokens: int = 5000) -> Shaded:
    """The document shaded by what the memory was worth; `without` from
    `training.evaluate.surprisal_without_ltm_read(model, trace.token_ids)`."""
    end = min(trace.num_tokens, max_tokens)
    values = np.nan_to_num(worth(trace, without))
    scale = float(np.quantile(np.abs(values[:end]), 0.99)) if end else 0.0
    return Shaded("The document, shaded by what the memory was worth",
                  shaded_document(trace, "worth", values, 0, end, titles=worth_titles(trace, without, 0, end),
                                  scale=scale), legend_html("worth", scale), _settings(trace))
