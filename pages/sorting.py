"""Sorting: one sequence of the paper's sorting task (Figure 3) through a sorting model: its answer
against the truth, the symbol counts that decide it, and what its long-term memory did."""
import os
from pathlib import Path

import numpy as np
import streamlit as st

from infformer.experiments.sorting.run import run_sorting
from infformer.experiments.sorting.task import NUM_SYMBOLS, SortingRun
from infformer.io.checkpoint import CheckpointError, read_config
from infformer.viz import attention as va
from infformer.viz import excerpts as ve
from infformer.viz import signal as vs
from infformer.viz import sorting as vsort
from pages._docs import ROOT
from pages._runs import cached_model
from pages._sidebar import MODELS, model_key, shipped_models
from pages._widgets import intro, persistent, show

intro("sorting", "Sorting")

# at least one place per symbol; 4,096 symbols trace in a few seconds on a CPU
MIN_LENGTH, MAX_LENGTH = NUM_SYMBOLS, 4096


@st.cache_data(max_entries=8, show_spinner="Running the model on the sequence…")
def sorting_run(key: tuple, length: int, seed: int) -> SortingRun:
    """Keyed by the model (directory, weights time), the length and the seed."""
    model, tokenizer, _ = cached_model(*key)
    return run_sorting(model, tokenizer, length, seed)


def clamp_length(value) -> int:
    return min(MAX_LENGTH, max(MIN_LENGTH, int(value)))


# ------------------------------------------------------------------ widgets
root = Path(os.environ.get("INFFORMER_SORTING_MODELS") or MODELS)  # another folder of models (the tests use it)
models = shipped_models("sorting", root)
if not models:
    st.info(f"No sorting model in `{root}` yet. Train one with `python -m infformer sorting train --out "
            f"{root}/NAME` (a checkpoint whose config.json says task \"sorting\"), then reload this page.")
    st.stop()
names = list(models)
c1, c2, c3 = st.columns([2, 1, 1])
with c1:
    name = persistent(st.selectbox, "sort_model", names[0], valid=lambda v: v if v in models else names[0],
                      label="Sorting model", options=names)
_, info = read_config(models[name])
# the path as the command line below would be typed from the repository root
cli_path = models[name].relative_to(ROOT) if models[name].is_relative_to(ROOT) else models[name]
trained = int(info.get("length", 512))
with c2:
    length = persistent(st.number_input, "sort_length", clamp_length(trained), valid=clamp_length,
                        label="Sequence length", min_value=MIN_LENGTH, max_value=MAX_LENGTH, step=1,
                        help=f"Symbols before the separator, {MIN_LENGTH} to {MAX_LENGTH:,}. "
                             f"This model was trained at {trained:,}.")
with c3:
    seed = persistent(st.number_input, "sort_seed", 0, label="Seed", min_value=0, max_value=2 ** 31 - 1, step=1,
                      help="Which random sequence (its two symbol distributions and the draws).")
try:
    run = sorting_run(model_key(models[name]), int(length), int(seed))
except (CheckpointError, OSError, ValueError) as e:
    st.error(f"The model could not run on this sequence: {e}")
    st.stop()

# ------------------------------------------------------------------ the answer and the counts behind it
st.subheader("The answer")
st.metric("Accuracy on this sequence", f"{run.accuracy:.0%}",
          help="Answer positions where the model's most likely symbol is the true one, of 20.")
st.caption("The same sequence and score from the command line (it is the first example the evaluation draws): "
           f"`python -m infformer sorting evaluate --model {cli_path} --length {length} --seed {seed} "
           "--examples 1`."
           + (f" This model was trained at length {trained:,}." if length != trained else ""))
show(vsort.prediction_figure(run.answer, run.probs), "sorting_prediction")
st.caption("Each answer position is scored given the true symbols before it (teacher forcing, as in training and "
           "evaluation), so one mistake does not shift the rest. Hover a cell for the model's probabilities.")
show(vsort.counts_figure(run.symbols, run.answer), "sorting_counts")
st.caption("The answer is the symbols sorted by their bar's total; neighbours with close totals are the hard ones. "
           "The two halves differ because the distribution drifts: a model that remembered only the recent part "
           "would rank by the second half.")

# ------------------------------------------------------------------ the memory
st.subheader("What the long-term memory did")
trace = run.trace
if trace.ltm is None:
    st.info(f"This model has no continuous long-term memory (it is a {info.get('variant', 'different')} model), "
            "so there is nothing to show here: pick an ∞-former.")
    st.stop()
if not (trace.update_kind > 0).any():
    window = trace.config["segment_len"] + trace.config["stm_len"]
    st.info("The sequence is too short for anything to reach the long-term memory: the model holds the last "
            f"{window} tokens in its short-term window. Try a longer one.")
    st.stop()
all_ranks = list(range(1, NUM_SYMBOLS + 1))
c1, c2 = st.columns([1, 3])
with c1:
    n = trace.num_layers
    layer = persistent(st.selectbox, "sort_layer", n - 1, valid=lambda v: v if 0 <= v < n else n - 1,
                       label="Layer (ruler and signal)", options=list(range(n)), format_func=lambda y: f"layer {y}")
with c2:
    ranks = persistent(st.multiselect, "sort_ranks", all_ranks, valid=lambda v: [r for r in v if r in all_ranks],
                       label="Answer positions whose queries to show", options=all_ranks,
                       format_func=lambda r: f"#{r} (true {vsort.symbol_name(run.answer[r - 1])})")
queries = run.queries[np.asarray(ranks or all_ranks) - 1]

show(ve.mass_figure(trace, trace.token_attention(queries), queries,
                    title="Where the answer's Gaussians fell in the sequence"), "sorting_attention_mass")
st.caption(f"The attention mass each token received from the chosen answer queries through the long-term memory, "
           f"averaged over layers and heads. The first {run.padding} tokens are padding (so that the answer ends a "
           "segment); the shaded tail is read by ordinary attention from the short-term window instead.")

update = trace.memory_seen_by(trace.segment_of(int(queries[0])))
show(va.gaussians_figure(trace, queries, vsort.memory_rulers(trace, layer, [update])[update]), "sorting_gaussians")
note = (f"Each head's N(t; μ, σ²) over the memory; the ruler shows which tokens layer {layer}'s memory holds at "
        "each t (hover it for the symbols).")
if len({trace.memory_seen_by(trace.segment_of(int(q))) for q in queries}) > 1:
    note += (" The chosen queries come from different segments, so they read different memories "
             "(the ruler: the first's).")
st.caption(note)

grid, signals, updates = vs.signal_stack(trace, layer)
rows, labels = vs.project(signals, "pca", 8)
show(vs.memory_signal_figure(grid, rows, labels, updates, vsort.memory_rulers(trace, layer, updates),
                             tokens_written=[int(trace.update_tokens[u][1]) for u in updates],
                             title=f"X̄(t), layer {layer}"), "sorting_signal")
st.caption("The memory signal's top principal components over t, after each update (▶ plays them): at every "
           "update the older symbols are squeezed into [0, τ] and the newest segment fills the rest.")
