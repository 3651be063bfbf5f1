"""Sticky memories: each update's histogram, samples and warp; sticky against linear on the same
text and seed; the phrases that hold the largest shares of the memory (the paper's Figure 5)."""
import dataclasses

import numpy as np
import streamlit as st

from infformer.tracing.regions import phrase_table, shares_by_part
from infformer.viz import sticky as vk
from pages._runs import current_run, ruler
from pages._sidebar import current_settings
from pages._widgets import intro, persistent, pick_layer, show


@st.cache_data(max_entries=32, show_spinner=False)
def _part_shares(_run, run_key: str, layer: int, parts: int):
    return shares_by_part(_run.trace, layer, parts)


def part_shares(run, layer: int, parts: int):
    return _part_shares(run, run.key, int(layer), int(parts))

intro("sticky", "Sticky memories")

# ------------------------------------------------------------------ widgets
settings = current_settings()
run = current_run(settings)
trace = run.trace
contractions = np.flatnonzero(trace.update_kind == 2).tolist()
if not contractions:
    st.info("The memory was never contracted on this text (it is too short): there is no update to show. "
            "Try a longer text.")
    st.stop()
c1, c2 = st.columns([1, 3])
with c1:
    layer = pick_layer(run)
with c2:
    update = st.select_slider("Memory update", options=contractions, value=contractions[-1],
                              format_func=lambda u: f"{u} (before segment {trace.update_segment[u]})")

# ------------------------------------------------------------------ one update
sticky = bool(trace.ltm["sticky"])
fig = vk.update_figure(trace.bin_probs[update, layer], trace.sample_positions[update, layer], trace.ltm["tau"],
                       ruler(run, layer, update - 1), sticky=sticky,
                       title=f"Update {update}, layer {layer}: {'sticky' if sticky else 'linear'} sampling")
show(fig, "sticky_update")
st.caption("Where p(bin) is high, more samples sₖ fall, the warp is steep there, and that stretch of the old memory keeps "
           "more of [0, τ]. The ruler shows the memory before this update.")

# ------------------------------------------------------------------ sticky against linear
st.subheader("Sticky against linear")
LONG = 20_000  # tokens: above this the comparison is opt-in (it traces the text a second time)
compare = persistent(st.toggle, "sticky_compare", trace.num_tokens <= LONG,
                     label="Compare with the other sampling on the same text and seed (reads the text a second time)")
if not compare and trace.num_tokens > LONG:
    st.caption(f"Note: the text has {trace.num_tokens:,} tokens, so the comparison is off until you switch it on: it "
               f"reads the text again (about {run.seconds:.0f} s, with a progress bar).")
runs = {"sticky" if sticky else "linear": run}
if compare:
    other = current_run(dataclasses.replace(settings, sticky=not sticky))
    runs["linear" if sticky else "sticky"] = other
    runs = {name: runs[name] for name in ("sticky", "linear")}
    show(vk.compare_figure({name: r.trace for name, r in runs.items()}, layer), "sticky_vs_linear")

# ------------------------------------------------------------------ the memory's horizon
st.subheader("The memory's horizon")
parts = persistent(st.slider, "horizon_parts", 10, label="Parts of the text", min_value=2, max_value=20)
horizon = {}
for name, r in runs.items():
    horizon[name], edges = part_shares(r, layer, parts)
show(vk.horizon_figure(horizon, edges), "memory_horizon")
st.caption(f"Each line is one stretch of the text: its share of layer {layer}'s memory after every update, on a log "
           f"scale. With linear sampling a stretch loses a factor τ = {trace.ltm['tau']:g} per update, a straight line "
           "down; sticky memories bend the lines of what was attended. Where a line has fallen far, that part of the "
           "text is squeezed to almost nothing: the memory cannot look there any more, whatever it wants. Change τ in "
           "the sidebar to move the horizon.")

# ------------------------------------------------------------------ phrases (Figure 5)
st.subheader("The phrases that hold the memory")
top = persistent(st.slider, "sticky_top", 15, label="How many phrases", min_value=5, max_value=40)
tables = {name: phrase_table(r.trace, layer) for name, r in runs.items()}
show(vk.phrase_figure(tables, top=top, title=f"Share of layer {layer}'s final memory held by each sentence"),
     "phrase_shares")
with st.expander("All phrases as a table"):
    first = next(iter(tables))
    table = tables[first].rename(columns={"share": f"share ({first})"})
    for name in list(tables)[1:]:
        table[f"share ({name})"] = tables[name]["share"].to_numpy()
    st.dataframe(table, hide_index=True, width="stretch",
                 column_config={c: st.column_config.NumberColumn(format="percent") for c in table.columns
                                if c.startswith("share")})
