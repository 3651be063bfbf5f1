"""Figure builders for the app: (a Trace or plain arrays) -> plotly `go.Figure`. Never imports
streamlit, never imports or runs the model (tracing, fit targets, the sorting run and the
analysis helpers live in `infformer`; a test guards it). Read `common` first, then the figure
of the page you care about.

`infformer` itself never imports this package (it needs plotly); import it explicitly:

    from infformer.viz import signal, attention, sticky, excerpts, lab
    fig = attention.gaussians_figure(trace, queries=[120, 121])

Builders put any downsampling note in `fig.layout.meta["notes"]` (see `common.notes`), which the
app shows under the figure.
"""
from . import attention, common, excerpts, experiments, lab, signal, sorting, sticky

__all__ = ["attention", "common", "excerpts", "experiments", "lab", "signal", "sorting", "sticky"]
