"""The model and the inference-time memory settings: the shared sidebar (model picker, τ, M,
sticky, D, seed, with the ranges the command line has too) and the `Settings` value it returns."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from infformer.core.settings import MEMORY_SETTINGS
from infformer.io.checkpoint import (
    ASSETS,
    DEFAULT_MODEL,
    CheckpointError,
    list_checkpoints,
    read_config,
    weight_files,
)
from pages._compare import set_compare
from pages._notices import link_notice
from pages._server import server_mode
from pages._share import ShareError, unpack_compare
from pages._text import plain

MODELS = ASSETS / "models"  # where the shipped checkpoints are (the text pages offer those made for text)
LOCAL = "Local checkpoint directory…"

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
        return {s.field: getattr(self, s.field) for s in MEMORY_SETTINGS}

    def model_key(self) -> tuple:
        return model_key(self.model_dir, tuple(sorted(self.overrides().items())))


def model_key(directory, overrides: tuple = ()) -> tuple:
    """What identifies a loaded model (the arguments of `cached_model`): directory, weights file time
    (a retrained checkpoint reloads), and the memory settings changed at inference."""
    stamp = max((f.stat().st_mtime_ns for f in weight_files(directory)), default=0)
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

def default_choice(shipped: dict, otherwise=None):
    """The picker's choice when none is given (or the given one is not offered): the default model."""
    return DEFAULT_MODEL.name if DEFAULT_MODEL.name in shipped else next(iter(shipped), otherwise)


def _init_settings(ltm) -> None:
    """First run of a session: widget values from the URL, else from the default model's config."""
    if st.session_state.get("_settings_ready"):
        return
    q = st.query_params
    for s in MEMORY_SETTINGS:
        value = getattr(ltm, s.field) if ltm else s.default  # the default model's, else LTMConfig's
        if s.url in q:  # a link's value, checked: a bad one is reported (pages/_notices.py), never silently replaced
            raw = q[s.url]
            try:
                if s.range is None:
                    if raw not in ("0", "1", "true", "false", "True", "False"):
                        raise ValueError
                    value = raw in ("1", "true", "True")
                else:
                    value = s.cast(raw)
                    if not s.range.low <= value <= s.range.high:  # NaN fails this too
                        link_notice(f"The link's {s.url}={raw} is outside {s.label}'s range {s.range.text}; "
                                    f"using the nearest allowed value.")
                        value = value if value == value else s.default
            except ValueError:
                link_notice(f"The link's {s.url}={raw!r} is not a valid {s.label}; using {value:g}."
                            if s.range is not None else f"The link's {s.url}={raw!r} is not 0 or 1; using {int(value)}.")
        if s.range is not None:  # the widgets' (and the command line's) range and step
            value = min(s.range.high, max(s.range.low, value))
            if s.cast is float:  # on the slider's steps
                value = round(round(value / s.range.step) * s.range.step, 10)
        st.session_state[f"set_{s.url}"] = value
    shipped = shipped_models()
    fallback = default_choice(shipped, LOCAL)
    if "model" in q and q["model"] not in shipped:
        link_notice(f"The link's model {q['model']!r} is not one of this app's models; using {fallback}.")
    st.session_state["set_model"] = q.get("model") if q.get("model") in shipped else fallback
    if "vs" in q:  # the Predictions page's comparison
        try:
            message = set_compare(unpack_compare(q["vs"]), shipped)
            if message:
                link_notice(f"The link's comparison: {message}.")
        except ShareError as e:
            link_notice(f"The link's vs={q['vs'][:40]!r}: {e}; the Predictions page opens without a comparison.")
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
    local = [] if server_mode() else [LOCAL]  # a class's server offers no path box (pages/_server.py)
    if st.session_state.get("set_model") not in [*shipped, *local]:
        st.session_state["set_model"] = default_choice(shipped)
    choice = sb.selectbox("Checkpoint", [*shipped, *local], key="set_model",
                          help="A shipped model" + ("." if server_mode() else ", or any checkpoint directory on "
                                                    "this machine (config.json, model.safetensors, tokenizer.json)."))
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
                sb.error(f"Not a checkpoint: {plain(str(e))}. Using the shipped default model instead.")
        else:
            sb.info("Type a directory; until then the shipped default model is used.")
    cfg = None
    try:
        cfg, _ = read_config(model_dir)
    except CheckpointError as e:
        sb.error(plain(str(e)))
    ltm = cfg.ltm if cfg else None

    sb.header("Memory settings")
    sb.caption("These may change at inference; no weight depends on them.")
    disabled = ltm is None
    values = {}
    for s in MEMORY_SETTINGS:  # one widget each, from the table the command line's flags come from
        r, key = s.range, f"set_{s.url}"
        help_text = f"{s.help[0].upper()}{s.help[1:]}." + (f" Range {r.text}, as `{s.flag}` on the command line."
                                                          if r else f" As `{s.flag}` / `--no-{s.flag[2:]}`.")
        off = disabled or (s.field == "num_bins" and not values.get("sticky", True))  # D only matters when sticky
        if r is None:
            values[s.field] = sb.toggle(s.label, key=key, disabled=off, help=help_text)
        elif s.cast is float:
            values[s.field] = sb.slider(s.label, r.low, r.high, step=r.step, key=key, disabled=off, help=help_text)
        else:
            label = s.label if s.field == "seed" else f"{s.label} ({r.text})"
            values[s.field] = sb.number_input(label, int(r.low), int(r.high), step=int(r.step), key=key,
                                              disabled=off, help=help_text)
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
    settings = Settings(model_dir, **{s.field: s.cast(values[s.field]) for s in MEMORY_SETTINGS})
    st.session_state["settings"] = settings
    return settings


def current_settings() -> Settings:
    return st.session_state.get("settings") or sidebar()
