"""Memory signal: X̄(t) per layer over the memory updates, the fit points against the curve,
the reconstruction error along t, and the basis functions."""
import numpy as np
import streamlit as st

from infformer.tracing.record import reconstruct_signal
from infformer.viz import signal as vs
from pages._runs import current_run, ruler, rulers
from pages._widgets import intro, persistent, pick_layer, show

intro("memory_signal", "Memory signal X̄(t)")


@st.cache_data(max_entries=16, show_spinner=False)
def signal_stack(_run, run_key: str, layer: int):
    return vs.signal_stack(_run.trace, layer)


# ------------------------------------------------------------------ widgets
run = current_run()
trace = run.trace
c1, c2, c3 = st.columns([1, 1, 2])
with c1:
    layer = pick_layer(run)
grid, signals, updates = signal_stack(run, run.key, layer)
if not updates:
    st.info("The text is too short for anything to reach the long-term memory: it holds the last "
            f"{trace.config['segment_len'] + trace.config['stm_len']} tokens in its short-term window. Try a longer text.")
    st.stop()
with c2:
    mode = persistent(st.radio, "signal_rows", "principal components", label="Rows",
                      options=["principal components", "features"])
with c3:
    if mode == "principal components":
        k = persistent(st.slider, "signal_pcs", 8, label="How many principal components", min_value=2, max_value=16)
        features = None
    else:
        top = vs.top_variance_features(signals, 12)
        features = st.multiselect("Features (default: the 12 that vary most)", list(range(signals.shape[-1])), default=top)
        features = features or top
        k = len(features)
update = st.select_slider("Memory update (the animation starts here; the panels below show it)", options=updates,
                          value=updates[-1], format_func=lambda u: f"{u} (tokens ≤ {trace.update_tokens[u][1] - 1})")

# ------------------------------------------------------------------ the signal over updates
rows, labels = vs.project(signals, "pca" if mode == "principal components" else "features", k, features)
frame_rulers = rulers(run, layer, updates)
fig = vs.memory_signal_figure(grid, rows, labels, updates, frame_rulers, frame=updates.index(update),
                              tokens_written=[int(trace.update_tokens[u][1]) for u in updates],
                              title=f"X̄(t), layer {layer}")
show(fig, "memory_signal")
st.caption("The slider above chooses the update; ▶ plays the updates from there (❚❚ pauses). The ruler's colour says where in "
           "the text the content at each t comes from (dark: early, light: late): old text is squeezed to the left.")

# ------------------------------------------------------------------ fit points against the curve
st.subheader("Memory vectors and the fitted curve")
kept = [int(u) for u in (run.targets.updates if run.targets is not None else [])]
if not kept:
    st.info("No fit points were kept for this text.")
    st.stop()
at = update if update in kept else max([u for u in kept if u <= update] or kept[:1])
if at != update:
    st.caption(f"Note: the fit points are kept at {len(kept)} of the updates; showing update {at}, the nearest before {update}.")
positions, values, num_old = run.targets.at(at)
snap = list(trace.snapshot_updates).index(at)
coefficients = np.array(trace.coefficients[snap, layer])  # a writable copy for torch
default_features = vs.top_variance_features(signals, 3)
chosen = st.multiselect("Features to draw", list(range(values.shape[-1])), default=default_features, max_selections=6)
chosen = chosen or default_features
fine = np.linspace(0.0, 1.0, 800)
curve = reconstruct_signal(coefficients, trace.basis, fine)
fig = vs.vectors_figure(positions, values[layer][:, chosen], fine, curve[:, chosen], chosen, num_old,
                        trace.ltm["tau"], ruler(run, layer, at), title=f"Fit points and X̄(t) after update {at}, layer {layer}")
show(fig, "memory_vectors")
fitted = reconstruct_signal(coefficients, trace.basis, positions)
show(vs.fit_error_figure(positions, values[layer], fitted, num_old, trace.ltm["tau"]), "fit_error")

if st.toggle("Show the basis functions ψ"):
    show(vs.basis_figure(trace.basis_centers, trace.basis_widths), "basis")
