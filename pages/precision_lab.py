"""Precision lab (no model needed): fit a signal with N Gaussian basis functions, see the error
against L/N, and watch early content blur over many contractions, linear against sticky."""
import contextlib

import numpy as np
import streamlit as st

from infformer.tracing import lab as compute
from infformer.viz import lab
from pages._runs import current_run
from pages._widgets import intro, persistent, show

intro("precision_lab", "Precision lab")


@st.cache_data(max_entries=32, show_spinner=False)
def fit(values: np.ndarray, num_basis: int, layout: str, ridge: float) -> dict:
    return compute.fit_signal(values, compute.make_basis(num_basis, layout), ridge)


@st.cache_data(max_entries=32, show_spinner=False)
def sweep(kind: str, num_basis: int, ridge: float, lengths: tuple, values) -> "pd.DataFrame":  # noqa: F821
    return compute.error_vs_ratio(kind, num_basis, ridge, lengths, values=values)


@st.cache_data(max_entries=32, show_spinner=False)
def contract(first: np.ndarray, later: np.ndarray, num_basis: int, layout: str, ridge: float, tau: float, M: int,
             steps: int, focus: tuple, seed: int) -> dict:
    basis = compute.make_basis(num_basis, layout)
    return {name: compute.contraction_run(first, later, basis, ridge, tau, M, steps, sticky=name == "sticky", focus=focus,
                                      seed=seed) for name in ("linear", "sticky")}


# ------------------------------------------------------------------ widgets: the signal and the basis
c1, c2 = st.columns([1, 2])
with c1:
    source = persistent(st.radio, "lab_source", "synthetic", label="Signal", options=["synthetic", "from the current text"])
real = None
with c2:
    if source == "synthetic":
        kind = persistent(st.selectbox, "lab_kind", "detailed", label="Synthetic signal", options=list(compute.SIGNALS))
    else:
        run = current_run()  # the model is needed only for this choice
        targets = run.targets
        if targets is None or not len(targets.updates):
            st.info("The current text is too short to have filled the memory; using a synthetic signal.")
            kind = "detailed"
        else:
            positions, values, num_old = targets.at(int(targets.updates[-1]))
            a, b = st.columns(2)
            layer = a.selectbox("Layer", list(range(values.shape[0])), index=values.shape[0] - 1)
            feature = b.number_input("Feature", 0, values.shape[-1] - 1, value=int(np.argmax(values[layer].var(0))))
            real = values[layer][num_old:, feature].astype(np.float64)  # the incoming memory vectors of the last update
            kind = "real"
            st.caption(f"Feature {feature} of the {len(real)} memory vectors written at update {int(targets.updates[-1])}, "
                       "stretched to L points.")

c = st.columns(4)
N = c[0].select_slider("N, basis functions", [16, 32, 64, 128, 256, 512, 1024], value=128)
layout = c[1].radio("Widths", ["paper", "scaled"], horizontal=True,
                    help="paper: fixed widths {0.005, 0.01}; scaled: 1× and 2× the spacing of the centres")
ridge = c[2].select_slider("λ, ridge", [0.001, 0.01, 0.1, 0.5, 1.0, 2.0, 5.0, 10.0], value=0.5)
L = c[3].select_slider("L, signal length", [16, 32, 64, 128, 256, 512, 1024, 2048, 4096], value=512)

# ------------------------------------------------------------------ fit and error against L/N
values = compute.resample(real, L) if real is not None else compute.synthetic_signal(kind, L)
lengths = tuple(sorted({int(N * r) for r in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16) if 8 <= N * r <= 8192}))
SLOW_N = 512  # from here a new setting takes tens of seconds (measured: N = 1,024 about a minute on one core)


def busy(text: str):
    """A spinner with the time elapsed where the work is slow; nothing where it is not."""
    return st.spinner(text, show_time=True) if N >= SLOW_N else contextlib.nullcontext()


if N >= SLOW_N:
    st.caption(f"N = {N:,}: every fit solves an {N:,} × {N:,} ridge system, for the signal, for each of the "
               f"{len(lengths)} lengths of the sweep below and at each of the contractions further down: a new "
               "N, λ or width layout takes tens of seconds to a minute on one core the first time (then it is cached).")
with busy(f"Fitting with N = {N:,}…"):
    show(lab.fit_figure(fit(values, N, layout, ridge)), "lab_fit")
    show(lab.ratio_figure(sweep(kind, N, ridge, lengths, real), current=L / N), "lab_error_vs_ratio")
st.caption("Up to about one point per basis function the fit can pass through every point; beyond that the memory "
           "must average, and the error grows with L/N until the basis has no finer detail to give. The paper's fixed "
           "widths stop gaining once N puts the centres closer than the widths; widths scaled to the spacing keep "
           "improving as N grows (try N = 1024 with both).")

# ------------------------------------------------------------------ many contractions
st.subheader("Many contractions in a row")
c = st.columns(4)
tau = c[0].slider("τ", 0.05, 0.95, 0.5, 0.05)
M = c[1].select_slider("M, samples", [32, 64, 128, 256, 512, 1024], value=256)
steps = c[2].slider("Contractions", 1, 16, 8)
focus = c[3].slider("Attended part of the first chunk", 0.0, 1.0, (0.4, 0.6), 0.05,
                    help="Sticky sampling puts half of its samples where this part of the first chunk now sits.")
chunk = 128
first = compute.resample(real, chunk) if real is not None else compute.synthetic_signal(kind, chunk)
later = compute.synthetic_signal("random walk", chunk * steps, seed=1)
with busy(f"{steps} contractions with N = {N:,}…"):
    runs = contract(first, later, N, layout, ridge, tau, M, steps, tuple(focus), 0)
shown = sorted({0, 1, 2, 4, 8, 16, steps} & set(range(steps + 1)))
show(lab.blur_figure(first, runs, shown, focus), "lab_blur")
show(lab.blur_error_figure(runs), "lab_blur_error")
st.caption(f"A chunk of {chunk} points is written, then each contraction squeezes the memory into [0, τ] and writes "
           f"{chunk} new points (a random walk) into (τ, 1]. After k contractions the first chunk holds τᵏ of [0, 1] "
           "with linear sampling; sticky sampling lets the attended part keep more.")
