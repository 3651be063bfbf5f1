"""Shared app helpers: the cached model and trace, the shared sidebar (model and memory settings),
examples, the current document, URL state, and showing figures with their downloads.

Pages read top to bottom: widgets -> `current_run()` (cached core call) -> `infformer.viz`
figure -> `show()`. Caching: the model lives in `st.cache_resource` (shared, never mutated);
traces and derived arrays in `st.cache_data`, keyed by the text's hash, the model and every
memory setting including the seed; per-user choices in `st.session_state`; the example and the
settings in the URL (`st.query_params`), so a link reproduces the view.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import streamlit as st

from infformer.passkey import passkey_text
from infformer.settings import MEMORY_RANGES
from infformer.checkpoint import DEFAULT_MODEL, CheckpointError, list_checkpoints, load_checkpoint, read_config
from infformer.viz import common as vc
from infformer.fit_targets import FitTargets, trace_with_targets
from infformer.trace import traced_tokens

ROOT = Path(__file__).resolve().parent.parent
ASSETS = ROOT / "assets"
MODELS = ASSETS / "models"  # where the shipped checkpoints are (the text pages offer those made for text)
EXAMPLES: dict = json.loads((ASSETS / "examples" / "examples.json").read_text(encoding="utf-8"))
DEFAULT_EXAMPLE = "home_alone"
MAX_INPUT_BYTES = 1_000_000  # about 250,000 tokens; said on the Run page
LOCAL = "Local checkpoint directory…"


# ----------------------------------------------------------------------------- documents
@dataclass(frozen=True)
class Doc:
    """The text the app is looking at, and how it was chosen."""

    text: str
    query: str = ""
    label: str = ""
    example: str | None = None              # an EXAMPLES key, or None for the user's own text
    params: dict = field(default_factory=dict)  # generator settings (pass-key length, depth)

    @property
    def sha(self) -> str:
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()


def example_doc(name: str, length: int = 2000, depth: float = 0.5) -> Doc:
    ex = EXAMPLES[name]
    if name == "passkey":
        text, key = passkey_text(length, depth)
        return Doc(text, ex["query"], f"pass-key haystack, about {int(length):,} tokens, key at depth {depth:.0%} (key {key})",
                   name, {"length": int(length), "depth": round(float(depth), 2)})
    text = (ASSETS / "examples" / ex["file"]).read_text(encoding="utf-8")
    return Doc(text, ex["query"], ex["title"], name)


def check_text(text: str, name: str = "the text") -> str:
    """The same checks as an upload (empty, over the limit); raises InputError with the message to show."""
    from infformer.textio import InputError
    if len(text.encode("utf-8")) > MAX_INPUT_BYTES:
        raise InputError(f"{name} is {len(text.encode('utf-8')):,} bytes; the limit is {MAX_INPUT_BYTES:,}")
    if not text.strip():
        raise InputError(f"{name} is empty (no text to read)")
    return text


def current_doc() -> Doc:
    if "doc" not in st.session_state:
        q = st.query_params
        if "text" in q:  # a link that carries the user's own text (pages/_share.py)
            from pages._share import ShareError, decode_text
            try:
                text = check_text(decode_text(q["text"]), "the link's text")
                st.session_state["doc"] = Doc(text, q.get("query", ""), "text from a link")
                return st.session_state["doc"]
            except (ShareError, ValueError) as e:
                st.session_state["link_error"] = f"{e}. Showing the default example instead."
        name = q.get("example", DEFAULT_EXAMPLE)
        name = name if name in EXAMPLES else DEFAULT_EXAMPLE
        try:
            length = min(200_000, max(200, int(q.get("length", 2000))))
            depth = min(1.0, max(0.0, float(q.get("depth", 0.5))))
        except ValueError:
            length, depth = 2000, 0.5
        st.session_state["doc"] = example_doc(name, length, depth)
    return st.session_state["doc"]


def set_doc(doc: Doc) -> None:
    """Make `doc` the current document (and put it in the URL at once: app.py synced it before the page ran)."""
    st.session_state["doc"] = doc
    sync_url(current_settings(), doc)


# ----------------------------------------------------------------------------- settings
@dataclass(frozen=True)
class Settings:
    """The model and the memory settings that may change at inference."""

    model_dir: str
    tau: float
    num_samples: int
    sticky: bool
    num_bins: int
    seed: int

    def overrides(self) -> dict:
        return dict(tau=self.tau, num_samples=self.num_samples, sticky=self.sticky, num_bins=self.num_bins,
                    seed=self.seed)

    def model_key(self) -> tuple:
        return model_key(self.model_dir, tuple(sorted(self.overrides().items())))


def model_key(directory, overrides: tuple = ()) -> tuple:
    """What identifies a loaded model (the arguments of `load_model`): directory, weights file time
    (a retrained checkpoint reloads), and the memory settings changed at inference."""
    weights = Path(directory) / "model.safetensors"
    stamp = weights.stat().st_mtime_ns if weights.is_file() else 0
    return (str(Path(directory).resolve()), stamp, overrides)


def shipped_models(task: str = "text", root=None) -> dict:
    """{name: directory} of the checkpoints under `root` (default MODELS) made for `task`, as their
    config.json info says ("text" when it says nothing). One whose config cannot be read counts as
    text, so choosing it in the sidebar says what is wrong with it."""
    found = {}
    for path in list_checkpoints(MODELS if root is None else root):
        try:
            made_for = read_config(path)[1].get("task", "text")
        except CheckpointError:
            made_for = "text"
        if made_for == task:
            found[path.name] = path
    return found


_SETTING_PARAMS = {"tau": float, "M": int, "sticky": lambda v: v in ("1", "true", "True"), "D": int, "seed": int}


def _init_settings(ltm) -> None:
    """First run of a session: widget values from the URL, else from the default model's config."""
    if st.session_state.get("_settings_ready"):
        return
    q = st.query_params
    defaults = {"tau": ltm.tau if ltm else 0.5, "M": ltm.num_samples if ltm else 256,
                "sticky": ltm.sticky if ltm else True, "D": ltm.num_bins if ltm else 128, "seed": ltm.seed if ltm else 0}
    for name, cast in _SETTING_PARAMS.items():
        value = defaults[name]
        if name in q:
            try:
                value = cast(q[name])
            except ValueError:
                pass
        st.session_state[f"set_{name}"] = value
    clamp = {short: (MEMORY_RANGES[name].low, MEMORY_RANGES[name].high)  # the widgets' (and the CLI's) ranges
             for short, name in (("tau", "tau"), ("M", "num_samples"), ("D", "num_bins"), ("seed", "seed"))}
    for name, (lo, hi) in clamp.items():
        st.session_state[f"set_{name}"] = min(hi, max(lo, st.session_state[f"set_{name}"]))
    st.session_state["set_tau"] = round(float(st.session_state["set_tau"]) * 20) / 20  # the slider's step
    shipped = shipped_models()
    st.session_state["set_model"] = q.get("model") if q.get("model") in shipped else (
        DEFAULT_MODEL.name if DEFAULT_MODEL.name in shipped else (next(iter(shipped), LOCAL)))
    st.session_state["_settings_ready"] = True


def sidebar() -> Settings:
    """The shared sidebar: model picker, memory settings, what training fixed, export format."""
    shipped = shipped_models()
    base_cfg = None
    try:
        base_cfg, _ = read_config(DEFAULT_MODEL)
    except CheckpointError:
        pass
    _init_settings(base_cfg.ltm if base_cfg else None)
    sb = st.sidebar
    sb.header("Model")
    choice = sb.selectbox("Checkpoint", [*shipped, LOCAL], key="set_model",
                          help="A shipped model, or any checkpoint directory on this machine "
                               "(config.json, model.safetensors, tokenizer.json).")
    model_dir = str(shipped.get(choice, DEFAULT_MODEL))
    if choice == LOCAL:
        path = sb.text_input("Checkpoint directory", key="set_local_dir", placeholder="/path/to/checkpoint")
        if path.strip():
            try:
                if read_config(path.strip())[1].get("task") == "sorting":
                    sb.error("A sorting model: it reads symbols, not text (see the Sorting page). "
                             "Using the shipped default model instead.")
                else:
                    model_dir = path.strip()
            except CheckpointError as e:
                sb.error(f"Not a checkpoint: {e}. Using the shipped default model instead.")
        else:
            sb.info("Type a directory; until then the shipped default model is used.")
    cfg = None
    try:
        cfg, _ = read_config(model_dir)
    except CheckpointError as e:
        sb.error(str(e))
    ltm = cfg.ltm if cfg else None

    sb.header("Memory settings")
    sb.caption("These may change at inference; no weight depends on them.")
    disabled = ltm is None
    R = MEMORY_RANGES
    tau = sb.slider("τ, contraction point", R["tau"].low, R["tau"].high, step=R["tau"].step, key="set_tau",
                    disabled=disabled, help="At each update the old memory is squeezed into [0, τ] and the new segment "
                                            f"fills (τ, 1]. Range {R['tau'].text} (as `--tau` on the command line).")
    M = sb.number_input(f"M, samples of the old signal ({R['num_samples'].text})", int(R["num_samples"].low),
                        int(R["num_samples"].high), step=int(R["num_samples"].step), key="set_M", disabled=disabled,
                        help=f"Range {R['num_samples'].text}, as `--num-samples` on the command line.")
    sticky = sb.toggle("Sticky memories", key="set_sticky", disabled=disabled,
                       help="Sample the old signal where the previous segment's queries attended (else evenly).")
    D = sb.number_input(f"D, histogram bins ({R['num_bins'].text})", int(R["num_bins"].low), int(R["num_bins"].high),
                        step=int(R["num_bins"].step), key="set_D", disabled=disabled or not sticky,
                        help=f"Range {R['num_bins'].text}, as `--num-bins` on the command line.")
    seed = sb.number_input("Seed of the sticky sampling", int(R["seed"].low), int(R["seed"].high), step=1,
                           key="set_seed", disabled=disabled, help=f"Range {R['seed'].text}, as `--seed`.")
    if cfg is not None:
        sb.header("Fixed by training")
        rows = {"layers × heads": f"{cfg.n_layers} × {cfg.n_heads}", "width e": cfg.d_model,
                "segment L / short-term memory": f"{cfg.segment_len} / {cfg.stm_len}"}
        if ltm is not None:
            rows.update({"N, basis functions": ltm.num_basis, "widths": ", ".join(f"{w:g}" for w in ltm.widths),
                         "basis layout": ltm.basis_layout, "λ, ridge": ltm.ridge})
        else:
            rows["long-term memory"] = "none (this model has no continuous memory)"
        sb.dataframe({"": list(rows), "value": [str(v) for v in rows.values()]}, hide_index=True, width="stretch")
    sb.header("Export")
    sb.radio("Chart toolbar saves as", ["png", "svg"], horizontal=True, key="export_format",
             help="The camera icon on each chart's toolbar downloads it in this format.")
    settings = Settings(model_dir, float(tau), int(M), bool(sticky), int(D), int(seed))
    st.session_state["settings"] = settings
    return settings


def current_settings() -> Settings:
    return st.session_state.get("settings") or sidebar()


def link_text(doc: Doc) -> str | None:
    """The document's text packed for the URL (None: too long for a link), computed once per text."""
    from pages._share import encode_text
    cached = st.session_state.get("_link")
    if not cached or cached[0] != doc.sha:
        cached = (doc.sha, encode_text(doc.text))
        st.session_state["_link"] = cached
    return cached[1]


def sync_url(settings: Settings, doc: Doc) -> None:
    """Write the example (or a short own text, compressed) and the settings into the URL."""
    want = {"tau": f"{settings.tau:g}", "M": str(settings.num_samples), "sticky": "1" if settings.sticky else "0",
            "D": str(settings.num_bins), "seed": str(settings.seed)}
    shipped = {str(p.resolve()): name for name, p in shipped_models().items()}
    model = shipped.get(str(Path(settings.model_dir).resolve()))
    if model:
        want["model"] = model
    if doc.example:
        want["example"] = doc.example
        want.update({k: str(v) for k, v in doc.params.items()})
    else:
        packed = link_text(doc)
        if packed is not None:
            want["text"] = packed
            if doc.query:
                want["query"] = doc.query
    q = st.query_params
    for k in list(q.keys()):
        if k not in want:
            del q[k]
    for k, v in want.items():
        if q.get(k) != v:
            q[k] = v


# ----------------------------------------------------------------------------- cached core calls
@st.cache_resource(max_entries=4, show_spinner="Loading the model…")
def load_model(directory: str, stamp: int, overrides: tuple):
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

    @property
    def summary(self) -> dict:
        """The numbers the CLI's summary.json has (the app's own run)."""
        return self.trace.summary(self.seconds)

    def nbytes(self) -> int:
        return self.trace.nbytes() + (self.targets.nbytes() if self.targets is not None else 0)


def _trace_job(model, tokenizer, model_key: tuple, doc: "Doc", settings: "Settings"):
    """The background job that traces a document (see pages/_jobs.py): key and computation."""
    key = hashlib.sha256(repr((model_key, doc.sha, doc.query)).encode()).hexdigest()[:16]

    def compute(on_segment):
        t0 = time.perf_counter()
        trace, targets = trace_with_targets(model, tokenizer, doc.text, doc.query or None, on_segment=on_segment)
        return Run(key, trace, targets, time.perf_counter() - t0, doc.label, settings)
    return key, compute


def current_run(settings: Settings | None = None, doc: Doc | None = None) -> Run:
    """The trace of the current document under the current settings, computed once per (model,
    settings, text, query) for all sessions, in the background (a page change never restarts it).
    On a bad model it shows the error and stops the page."""
    from pages import _jobs
    settings = settings or current_settings()
    doc = doc or current_doc()
    try:
        key = settings.model_key()
        model, tokenizer, _ = load_model(*key)
    except (CheckpointError, OSError, ValueError) as e:
        st.error(f"The model could not be loaded: {e}")
        st.stop()
    if model.cfg.ltm is None:
        st.warning("This model has no long-term memory, so there is nothing to show here. Pick another checkpoint.")
        st.stop()
    job_key, compute = _trace_job(model, tokenizer, key, doc, settings)
    job = _jobs.registry().submit(job_key, compute)
    bar = st.progress(0.0, text="Reading the text into the memory…")
    try:
        run = _jobs.wait(job, bar, "Reading the text into the memory")
    except ValueError as e:  # e.g. a text with no tokens
        bar.empty()
        st.error(f"The text could not be traced: {e}")
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


# ----------------------------------------------------------------------------- page helpers
def intro(name: str, title: str) -> None:
    """A page's title and its two-line explanation from assets/<name>.md."""
    st.title(title)
    st.markdown((ASSETS / f"{name}.md").read_text(encoding="utf-8"))


def chart_config(name: str) -> dict:
    fmt = st.session_state.get("export_format", "png")
    return {"displaylogo": False, "toImageButtonOptions": {"format": fmt, "filename": name, "scale": 2}}


def show(fig, name: str) -> None:
    """A figure, its downsampling notes, and a standalone-HTML download (built only when clicked)."""
    st.plotly_chart(fig, key=f"fig_{name}", config=chart_config(name), width="stretch")
    for note in vc.notes(fig):
        st.caption(f"Note: {note}")
    st.download_button("Download this figure as HTML", data=lambda: vc.to_html(fig), file_name=f"{name}.html",
                       mime="text/html", key=f"html_{name}", on_click="ignore", icon=":material/download:")


def persistent(widget, key: str, default, valid=None, **kwargs):
    """A widget whose value outlives page switches (Streamlit forgets the state of widgets that a
    run does not draw): kept under `key`, drawn with the widget key `_w_<key>`."""
    wkey = f"_w_{key}"
    value = st.session_state[wkey] if wkey in st.session_state else st.session_state.get(key, default)
    if valid is not None:
        value = valid(value)
    st.session_state[wkey] = value  # always: a widget of the same key on another page is another widget
    out = widget(key=wkey, **kwargs)
    st.session_state[key] = out
    return out


def pick_layer(run: Run, key: str = "layer", label: str = "Layer") -> int:
    n = run.trace.num_layers
    return persistent(st.selectbox, key, n - 1, valid=lambda v: v if 0 <= v < n else n - 1, label=label,
                      options=list(range(n)), format_func=lambda y: f"layer {y}")


MAX_QUERY_OPTIONS = 4000


def pick_queries(run: Run, label: str = "Query tokens") -> list:
    """Choose query tokens (shared by the pages that use them); default: the query after the
    text, or the text's last 8 tokens when there is none."""
    from infformer.viz.attention import token_label
    tr = run.trace
    has_memory = ~np.isnan(tr.mu[0, :, 0])
    candidates = np.flatnonzero(has_memory)
    if len(candidates) > MAX_QUERY_OPTIONS:
        candidates = candidates[-MAX_QUERY_OPTIONS:]
    visible = [i for i in candidates.tolist() if tr.text[tr.offsets[i, 0]:tr.offsets[i, 1]].strip()]
    if tr.num_text_tokens < tr.num_tokens:
        default = [i for i in visible if i >= tr.num_text_tokens][:24]
    else:
        default = visible[-8:]
    allowed = set(candidates.tolist())
    if st.session_state.get("queries_for") != run.key:  # a new text: back to its default
        st.session_state["queries"] = default
        st.session_state.pop("_w_queries", None)
        st.session_state["queries_for"] = run.key
    chosen = persistent(st.multiselect, "queries", default, label=label, options=candidates.tolist(),
                        valid=lambda v: [q for q in v if q in allowed],
                        format_func=lambda i: token_label(tr, i),
                        help="Tokens whose continuous attention to show. Only tokens that read a non-empty "
                             "long-term memory are offered" + (f" (the last {MAX_QUERY_OPTIONS:,} of them)."
                                                               if len(candidates) == MAX_QUERY_OPTIONS else "."))
    if len(candidates) == MAX_QUERY_OPTIONS:
        st.caption(f"Note: the text is long: only its last {MAX_QUERY_OPTIONS:,} tokens are offered as queries.")
    return chosen


# ----------------------------------------------------------------------------- replies
def _reply(model, tokenizer, run_key: str, max_new_tokens: int, _run: Run, on_segment=None) -> tuple:
    """Greedy reply after the text and query, then a trace of text + query + reply, so each reply
    token's attention can be shown. -> (Run of the whole thing, first reply token index)."""
    import torch

    from infformer.generate import generate
    from infformer.tracing import run_with_trace

    tr = _run.trace
    prompt = torch.tensor(np.array(tr.token_ids))[None]
    t0 = time.perf_counter()
    new, _ = generate(model, prompt, max_new_tokens)
    new_ids = new[0].tolist()
    pieces = [tokenizer.decode(new_ids[:i]) for i in range(len(new_ids) + 1)]
    base = len(tr.text)
    offsets = np.concatenate([np.asarray(tr.offsets), np.asarray(
        [(base + len(pieces[i]), base + len(pieces[i + 1])) for i in range(len(new_ids))], dtype=np.int64).reshape(-1, 2)])
    _, _, trace = run_with_trace(model, torch.tensor(list(tr.token_ids) + new_ids), num_text_tokens=tr.num_text_tokens,
                                 text=tr.text + pieces[-1], offsets=offsets, on_segment=on_segment)
    key = hashlib.sha256(f"{run_key}:reply:{max_new_tokens}".encode()).hexdigest()[:16]
    return Run(key, trace, None, time.perf_counter() - t0, _run.label + " + reply", _run.settings), tr.num_tokens


class _Pair(tuple):
    """(Run, first reply token) with the size the job registry's LRU needs."""

    def nbytes(self) -> int:
        return self[0].nbytes()


def reply_run(run: Run, max_new_tokens: int) -> tuple:
    """(Run of text + query + a generated reply, index of the first reply token), computed once
    per (run, length) in the background."""
    from pages import _jobs
    model, tokenizer, _ = load_model(*run.settings.model_key())
    key = f"{run.key}:reply:{int(max_new_tokens)}"
    job = _jobs.registry().submit(key, lambda on_segment: _Pair(
        _reply(model, tokenizer, run.key, int(max_new_tokens), run, on_segment)))
    bar = st.progress(0.0, text="Writing a reply with the memory…")
    out = _jobs.wait(job, bar, "Writing a reply with the memory, then reading it")
    bar.empty()
    return tuple(out)
