"""The cached core calls: the shared model (`st.cache_resource`), the trace of the current
document and a generated reply as background jobs (pages/_jobs.py), and derived arrays
(`st.cache_data`, keyed by the run)."""
from __future__ import annotations

import dataclasses
import hashlib
import time
from dataclasses import dataclass

import numpy as np
import streamlit as st
import torch

from infformer.core.generate import first_line_length, generate
from infformer.core.precision import use_bf16
from infformer.io.checkpoint import CheckpointError, load_checkpoint
from infformer.tracing.fit_targets import FitTargets, trace_with_targets
from infformer.tracing.record import traced_tokens
from infformer.tracing.regions import ExcerptView, excerpt_view
from infformer.tracing.run import run_with_trace
from infformer.training.evaluate import surprisal_without_ltm_read
from infformer.viz import common as vc
from pages import _jobs
from pages._docs import Doc, current_doc
from pages._sidebar import Settings, current_settings
from pages._text import plain


# ----------------------------------------------------------------------------- cached core calls
@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def cached_model(directory: str, stamp: int, overrides: tuple):
    """(model, tokenizer, info), shared by every session; never mutated."""
    return load_checkpoint(directory, **dict(overrides))


@dataclass(frozen=True, eq=False)
class Run:
    """One traced text: the trace, the fit points at its snapshots, and how long it took."""

    key: str
    trace: object
    targets: FitTargets | None
    seconds: float
    label: str
    settings: Settings
    precision: str = "float32"  # the model's matrix products: "float32" or "bf16" (core/precision.py)

    @property
    def summary(self) -> dict:
        """The numbers the CLI's summary.json has (the app's own run)."""
        return {**self.trace.summary(self.seconds), "precision": self.precision}

    def nbytes(self) -> int:
        return self.trace.nbytes() + (self.targets.nbytes() if self.targets is not None else 0)


def _trace_job(model, tokenizer, model_key: tuple, doc: Doc, settings: Settings):
    """The background job that traces a document (see pages/_jobs.py): key and computation."""
    key = hashlib.sha256(repr((model_key, doc.sha, doc.query)).encode()).hexdigest()[:16]

    def compute(on_segment):
        t0 = time.perf_counter()
        bf16 = use_bf16(model)  # as the command line's `trace` chooses by default
        trace, targets = trace_with_targets(model, tokenizer, doc.text, doc.query or None, on_segment=on_segment,
                                            bf16=bf16)
        return Run(key, trace, targets, time.perf_counter() - t0, doc.label, settings, "bf16" if bf16 else "float32")
    return key, compute


def current_run(settings: Settings | None = None, doc: Doc | None = None, kind: str = "trace") -> Run:
    """The trace of the current document under the current settings, computed once per (model,
    settings, text, query) for all sessions, in the background (a page change never restarts it).
    On a bad model it shows the error and stops the page."""
    settings = settings or current_settings()
    doc = doc or current_doc()
    try:
        key = settings.model_key()
        model, tokenizer, _ = cached_model(*key)
    except (CheckpointError, OSError, ValueError) as e:
        st.error(f"The model could not be loaded: {plain(str(e))}")
        st.stop()
    if model.cfg.ltm is None:
        st.warning("This model has no long-term memory, so there is nothing to show here. Pick another checkpoint.")
        st.stop()
    job_key, compute = _trace_job(model, tokenizer, key, doc, settings)
    job = _jobs.submit(job_key, compute, kind=kind, rate_key=key[0])  # kind: one job of each per session
    if job.replaced and not job.started:
        st.info("Your previous trace was stopped to start this one: each visitor reads one text at a time, so "
                "that nobody waits behind someone else's queue.", icon=":material/swap_horiz:")
    bar = st.progress(0.0, text="Reading the text into the memory…")
    try:
        run = _jobs.wait(job, bar, "Reading the text into the memory")
    except _jobs.Cancelled:
        bar.empty()
        st.info("This trace was stopped (a newer one from this session replaced it, or the server is stopping). "
                "Reload the page to read the text again.")
        st.stop()
    except ValueError as e:  # e.g. a text with no tokens
        bar.empty()
        st.error(f"The text could not be traced: {plain(str(e))}")
        st.stop()
    bar.empty()
    if run.label != doc.label or run.settings != settings:  # another session's identical computation
        run = dataclasses.replace(run, label=doc.label, settings=settings)
    return run


@st.cache_data(max_entries=32, show_spinner=False)
def spans(_run: Run, run_key: str, layer: int, updates: tuple) -> dict:
    """{update: (spans, tokens)} of one layer after each update (one pass over the updates)."""
    return _run.trace.spans_at(updates, layer)


def ruler(run: Run, layer: int, update: int, bins: int = 200):
    """The token ruler of one layer's memory after one update (-1: empty)."""
    return rulers(run, layer, (update,), bins)[update]


@st.cache_data(max_entries=32, show_spinner=False)
def _rulers(_run: Run, run_key: str, layer: int, updates: tuple, bins: int) -> dict:
    tr = _run.trace
    history = spans(_run, run_key, layer, updates)
    return {u: vc.token_ruler(s, traced_tokens(tr, t), tr.text, tr.offsets, tr.num_tokens, bins)
            for u, (s, t) in history.items()}


def rulers(run: Run, layer: int, updates, bins: int = 200) -> dict:
    return _rulers(run, run.key, int(layer), tuple(int(u) for u in updates), bins)


@st.cache_data(max_entries=64, show_spinner=False)
def _attention(_run: Run, run_key: str, queries: tuple, layers, heads) -> np.ndarray:
    return _run.trace.token_attention(list(queries), layers=layers, heads=heads)


def token_attention(run: Run, queries, layers=None, heads=None) -> np.ndarray:
    """Mass [T] each token received from the query tokens (cached per choice)."""
    return _attention(run, run.key, tuple(int(q) for q in queries), layers, heads)


@st.cache_data(max_entries=64, show_spinner=False)
def _excerpts(_run: Run, run_key: str, queries: tuple, layers, heads, top: int, window: int) -> ExcerptView:
    return excerpt_view(_run.trace, queries, layers, heads, top, window)


def excerpts(run: Run, queries, layers=None, heads=None, top: int = 5, window: int = 4000) -> ExcerptView:
    """The Excerpts page's one analysis call (mass, top sentences, densest window), cached per choice."""
    return _excerpts(run, run.key, tuple(int(q) for q in queries), layers, heads, int(top), int(window))


# ----------------------------------------------------------------------------- replies
def _reply(model, tokenizer, run_key: str, max_new_tokens: int, _run: Run, on_segment=None) -> tuple:
    """Greedy reply after the text and query (one line: a turn), then a trace of text + query + reply,
    so each reply token's attention can be shown. -> (Run of the whole thing, first reply token index)."""
    tr = _run.trace
    prompt = torch.tensor(np.array(tr.token_ids))[None]
    t0 = time.perf_counter()
    bf16 = _run.precision == "bf16"  # as the text was read
    device = next(model.parameters()).device.type
    with torch.no_grad(), torch.autocast(device_type=device, dtype=torch.bfloat16, enabled=bf16):
        new, _ = generate(model, prompt, max_new_tokens)
    new_ids = new[0].tolist()
    pieces = [tokenizer.decode(new_ids[:i]) for i in range(len(new_ids) + 1)]
    keep = first_line_length(pieces)  # a reply is one turn: it ends at the end of its first line
    new_ids, pieces = new_ids[:keep], pieces[:keep + 1]
    base = len(tr.text)
    offsets = np.concatenate([np.asarray(tr.offsets), np.asarray(
        [(base + len(pieces[i]), base + len(pieces[i + 1])) for i in range(len(new_ids))], dtype=np.int64).reshape(-1, 2)])
    _, _, trace = run_with_trace(model, torch.tensor(list(tr.token_ids) + new_ids), num_text_tokens=tr.num_text_tokens,
                                 text=tr.text + pieces[-1], offsets=offsets, on_segment=on_segment, bf16=bf16)
    key = hashlib.sha256(f"{run_key}:reply:{max_new_tokens}".encode()).hexdigest()[:16]
    return (Run(key, trace, None, time.perf_counter() - t0, _run.label + " + reply", _run.settings, _run.precision),
            tr.num_tokens)


class _Pair(tuple):
    """(Run, first reply token) with the size the job registry's LRU needs."""

    def nbytes(self) -> int:
        return self[0].nbytes()


def reply_run(run: Run, max_new_tokens: int) -> tuple:
    """(Run of text + query + a generated reply, index of the first reply token), computed once
    per (run, length) in the background."""
    model, tokenizer, _ = cached_model(*run.settings.model_key())
    key = f"{run.key}:reply:{int(max_new_tokens)}"
    job = _jobs.submit(key, lambda on_segment: _Pair(
        _reply(model, tokenizer, run.key, int(max_new_tokens), run, on_segment)), kind="reply",
        rate_key=run.settings.model_key()[0])
    bar = st.progress(0.0, text="Writing a reply with the memory…")
    out = _jobs.wait(job, bar, "Writing a reply with the memory, then reading it")
    bar.empty()
    return tuple(out)


# ----------------------------------------------------------------------------- second readings of a run
def _read_again(run: Run, key: str, compute, kind: str, progress: str):
    """A computation that reads the run's text again (shared by every session that asks, in the
    background, with a progress bar): its result, or the page stops with a notice if it is cancelled."""
    job = _jobs.submit(f"{run.key}:{key}", compute, kind=kind, rate_key=run.settings.model_key()[0])
    bar = st.progress(0.0, text=f"{progress}…")
    try:
        out = _jobs.wait(job, bar, progress)
    except _jobs.Cancelled:
        bar.empty()
        st.info("This computation was stopped (the server is stopping, or a newer one replaced it). Reload the page.")
        st.stop()
    bar.empty()
    return out


def without_read(run: Run) -> np.ndarray:
    """[T] surprisal of the run's tokens with the long-term read zeroed (`evaluate --ablate-ltm`, token by
    token), computed once per (model, settings, text, query) for all sessions, in the background."""
    model, _, _ = cached_model(*run.settings.model_key())
    return _read_again(run, "without-read", lambda on_segment: surprisal_without_ltm_read(
        model, run.trace.token_ids, on_segment, bf16=run.precision == "bf16"), "worth",
        "Reading the text again with the memory's read zeroed")


def local_weights(run: Run, token: int):
    """(keys, weights [Y, H, K]) of `token`'s local attention over its window: from the trace when it
    kept them (the query's tokens), else by reading the text again up to the end of the token's
    segment with the same model and settings (the same memory, so the same weights), once per
    (run, token) for all sessions, in the background."""
    token = int(token)
    kept = run.trace.local_weights(token)
    if kept is not None:
        return kept
    tr = run.trace
    model, _, _ = cached_model(*run.settings.model_key())
    end = int(tr.segments[tr.segment_of(token), 1])
    return _read_again(run, f"local:{token}", lambda on_segment: run_with_trace(
        model, tr.token_ids[:end], num_text_tokens=min(end, tr.num_text_tokens), pattern_tokens=[token],
        on_segment=on_segment, bf16=run.precision == "bf16")[2].local_weights(token), "local",
        f"Reading the text again up to token {token:,} for its local attention")
