"""The Dialogue view's figure: each document section's share of the memory against its share of
the memory's attention while a reply is read, the section its writer was looking at marked.

Input rows are `infformer.tracing.regions.region_attention` results, one per section.
"""
from __future__ import annotations

import plotly.graph_objects as go

from .common import add_note, style

MEMORY_COLOR, ATTENTION_COLOR = "#9aa5b1", "#ff7f0e"


def section_figure(rows: list, writer: int | None = None, title: str = "Where the memory looked while the reply "
                   "was read, section by section") -> go.Figure:
    """Grouped bars per section: memory_share (what its size alone would give it) and
    attention_fraction; the ratio on hover; the writer's section (docIdx) labelled."""
    labels = [f"section {k}" + (" (writer's)" if k == writer else "") for k in range(len(rows))]
    fig = go.Figure()
    for key, name, color in (("memory_share", "share of the memory", MEMORY_COLOR),
                             ("attention_fraction", "share of the attention", ATTENTION_COLOR)):
        fig.add_trace(go.Bar(x=labels, y=[r[key] for r in rows], name=name, marker_color=color,
                             customdata=[r["ratio"] for r in rows],
                             hovertemplate="%{x}<br>" + name + " %{y:.1%}<br>ratio %{customdata:.2f}<extra></extra>"))
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero")
    fig = style(fig, title, height=340)
    if writer is None:
        add_note(fig, "the section this turn's writer saw is not known (a pasted conversation)")
    return fig
