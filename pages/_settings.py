"""The model and the inference-time memory settings: the shared sidebar (model picker, τ, M,
sticky, D, seed, with the ranges the command line has too) and the `Settings` value it returns."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from infformer.core.settings import MEMORY_RANGES
from infformer.io.checkpoint import ASSETS, DEFAULT_MODEL, CheckpointError, list_checkpoints, read_config

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
