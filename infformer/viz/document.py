"""The document shaded three ways, as HTML: by the attention mass its tokens received (Figure 4,
`excerpts.highlight_html`), by surprisal (what each token cost the model, with its top guesses on
hover), and by what the long-term memory was worth at each token (helped in blue, hurt in red);
each with its colour legend, and as a standalone HTML file that keeps the settings it was made with.
Input: a trace and arrays (`tracing.predictions`); no model, no streamlit.
"""
from __future__ import annotations

import html

import numpy as np

from ..tracing.predictions import predictions
from ..tracing.record import Trace
from .excerpts import HIGHLIGHT_RGB, highlight_html

SURPRISAL_RGB = (148, 103, 189)
HELPED_RGB, HURT_RGB = (31, 119, 180), (214, 39, 40)
SHADINGS = {
    "mass": ("Attention mass", "the attention mass each token received from the query tokens", HIGHLIGHT_RGB, None),
    "surprisal": ("Surprisal", "what each token cost the model, in nats (−log p)", SURPRISAL_RGB, None),
    "worth": ("Memory worth", "nats saved by the long-term read at each token: its surprisal with the read zeroed "
              "minus with it", HELPED_RGB, HURT_RGB),
    "difference": ("Difference", "nats the compared settings saved at each token against the sidebar's: the "
                   "sidebar's surprisal minus theirs", HELPED_RGB, HURT_RGB),
}


def surprisal_titles(trace: Trace, decode, start: int, end: int) -> list:
    """Hover text of tokens start..end: the token's cost and the model's top guesses for it."""
    surprisal = trace.surprisal()
    out = []
    for i in range(start, end):
        if np.isnan(surprisal[i]):
            out.append(f"token {i}: the first token (nothing predicted it)")
            continue
        guesses = ", ".join(f"{t!r} {p:.0%}" for t, p in predictions(trace, i, decode)) if decode else ""
        out.append(f"token {i}: {surprisal[i]:.2f} nats (p = {np.exp(-surprisal[i]):.1%})"
                   + (f"; the model expected: {guesses}" if guesses else ""))
    return out


def worth_titles(trace: Trace, without, start: int, end: int) -> list:
    surprisal, without = trace.surprisal(), np.asarray(without)
    out = []
    for i in range(start, end):
        if np.isnan(surprisal[i]) or np.isnan(without[i]):
            out.append(f"token {i}: not scored")
            continue
        w = without[i] - surprisal[i]
        out.append(f"token {i}: memory {'helped' if w >= 0 else 'hurt'} by {abs(w):.3f} nats "
                   f"({without[i]:.2f} without the read, {surprisal[i]:.2f} with it)")
    return out


def difference_titles(a: Trace, b, start: int, end: int, names=("these settings", "the compared")) -> list:
    """Hover text for a comparison: b is a trace of the same tokens, or [T_a] the other's costs of
    a's tokens (tracing.predictions.costs_on_tokens, for another tokenizer)."""
    sa = a.surprisal()
    sb = b.surprisal() if isinstance(b, Trace) else np.asarray(b)
    return [f"token {i}: not scored" if np.isnan(sa[i]) else
            f"token {i}: {names[0]} {sa[i]:.2f} nats, {names[1]} {sb[i]:.2f} ({sa[i] - sb[i]:+.3f})"
            for i in range(start, end)]


def shaded_document(trace: Trace, kind: str, values, start: int = 0, end: int | None = None, *, queries=(),
                    titles=None, scale: float | None = None) -> str:
    """Tokens start..end shaded by `values` ([T]) as `kind` (a SHADINGS key) says."""
    _, _, rgb, negative = SHADINGS[kind]
    return highlight_html(trace.text, trace.offsets, values, start, end, queries, scale=scale, rgb=rgb,
                          negative_rgb=negative, titles=titles)


def legend_html(kind: str, scale: float) -> str:
    """A colour bar from 0 to `scale` (signed shadings: −scale to +scale), with what the colour means."""
    title, meaning, rgb, negative = SHADINGS[kind]
    stops = [f"rgba({rgb[0]},{rgb[1]},{rgb[2]},{a:.2f})" for a in (0.0, 0.5, 1.0)]
    if negative is not None:
        stops = [f"rgba({negative[0]},{negative[1]},{negative[2]},1.0)", "rgba(255,255,255,0)", stops[-1]]
        ends = (f"hurt by {scale:.3g}", "0", f"helped by {scale:.3g}")
    else:
        ends = ("0", f"{scale / 2:.3g}", f"{scale:.3g}")
    return (f'<div class="legend" style="font-family: sans-serif; font-size: 0.85rem; margin: 0.4rem 0">'
            f"<b>{html.escape(title)}</b>: {html.escape(meaning)}."
            f'<div style="height: 0.8rem; width: 18rem; background: linear-gradient(to right, {", ".join(stops)}); '
            f'border: 1px solid #ccc"></div>'
            f'<div style="display: flex; justify-content: space-between; width: 18rem">'
            + "".join(f"<span>{html.escape(e)}</span>" for e in ends) + "</div></div>")


def standalone_html(title: str, document: str, legend: str, settings: dict) -> str:
    """A shaded document as a file of its own: the title, the legend, the settings it was made with
    (every value escaped), the document; hover texts kept."""
    rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>" for k, v in settings.items())
    return ("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + html.escape(title) + "</title></head>"
            '<body style="max-width: 60rem; margin: 2rem auto; font-family: sans-serif">'
            f"<h1 style=\"font-size: 1.3rem\">{html.escape(title)}</h1>{legend}"
            f'<table class="settings" style="font-size: 0.8rem; margin: 0.5rem 0">{rows}</table>'
            f"{document}<p style=\"font-size: 0.75rem; color: #666\">Made with infformer (the ∞-former, "
            "Martins, Marinho &amp; Martins, ACL 2022). Hover a token for its numbers.</p></body></html>")
