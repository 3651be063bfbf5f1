"""Attention Gaussians: each chosen query token's N(t; μ, σ²) per head and layer over the memory,
with the text under t; and μ against σ for every query."""
import numpy as np
import streamlit as st

from infformer.viz import attention as va
from pages._runs import current_run, local_weights, ruler
from pages._widgets import intro, persistent, pick_queries, show

intro("attention", "Attention Gaussians")

# ------------------------------------------------------------------ widgets
run = current_run()
trace = run.trace
queries = pick_queries(run)
c1, c2 = st.columns(2)
with c1:
    n = trace.num_layers  # all of a small model's layers; four spread over a deep one (30 × 9 Gaussians crowd)
    default_layers = list(range(n)) if n <= 4 else sorted({0, n // 3, 2 * n // 3, n - 1})
    layers = persistent(st.multiselect, "gauss_layers", default_layers, label="Layers",
                        options=list(range(trace.num_layers)), format_func=lambda y: f"layer {y}",
                        valid=lambda v: [y for y in v if 0 <= y < trace.num_layers])
with c2:
    color_by = persistent(st.radio, "gauss_color", "layer", label="Colour the scatter by", options=["layer", "head"],
                          horizontal=True)
layers = layers or [trace.num_layers - 1]

# ------------------------------------------------------------------ figures
if queries:
    update = trace.memory_seen_by(trace.segment_of(queries[0]))
    segments = {trace.memory_seen_by(trace.segment_of(q)) for q in queries}
    fig = va.gaussians_figure(trace, queries, ruler(run, layers[-1], update), layers=layers)
    show(fig, "attention_gaussians")
    note = f"The ruler shows layer {layers[-1]}'s memory as read by query token {queries[0]} (after memory update {update})."
    if len(segments) > 1:
        note += " The chosen queries come from different segments, so they read different memories."
    st.caption(note)
    # the other memory: where the same query looked in its local window (the trace keeps the query's
    # tokens'; another token's are computed on request: the text read again up to its segment's end)
    local = next((q for q in queries if trace.local_weights(q) is not None), None)
    if local is None and st.toggle(f"Local attention of {va.token_label(trace, queries[0])} (reads the text again up "
                                   "to it)", key="local_on_demand"):
        local = queries[0]
    if local is None:
        st.caption("The local attention's weights are kept for the query's tokens (the text after the document); "
                   "for another token, switch on the toggle above.")
    else:
        keys, weights = local_weights(run, local)
        show(va.local_weights_figure(trace, local, layers, kept=(keys, weights)), "local_weights")
        st.caption(f"Query {va.token_label(trace, local)} in the same layers: the long-term read above integrates "
                   "N(t; μ, σ²) over the memory; the local attention spreads softmax weights over the recent tokens "
                   "its window still holds. Both are added to the same residual stream.")
    with st.expander("μ and σ² of the chosen queries"):
        rows = [{"token": va.token_label(trace, q), "layer": y, "head": h, "μ": float(trace.mu[y, q, h]),
                 "σ²": float(trace.sigma_sq[y, q, h])} for q in queries for y in layers for h in range(trace.num_heads)]
        st.dataframe(rows, hide_index=True, width="stretch")
else:
    st.info("Choose at least one query token above.")

st.subheader("All queries at once")
show(va.mu_sigma_figure(trace, color_by=color_by, highlight=np.asarray(queries)), "mu_sigma")
