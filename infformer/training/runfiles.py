"""The files of a training run that make it resumable, shared by every trainer.

  metrics.csv          one row per step; a resumed run drops the rows written after its last checkpoint
  optimizer.safetensors  optimizer state (safetensors: nothing is unpickled on resume)
  train_state.json     step and settings, written last so it always points at complete files
Every file is written to a temporary name and renamed, so an interrupted save leaves no half file.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..io.atomic import write_atomically

STATE, OPTIMIZER, METRICS = "train_state.json", "optimizer.safetensors", "metrics.csv"


def save_optimizer(opt: torch.optim.Optimizer, path: Path) -> None:
    sd = opt.state_dict()
    tensors = {f"{pid}.{k}": (v if torch.is_tensor(v) else torch.tensor(v)).contiguous()
               for pid, st in sd["state"].items() for k, v in st.items()}
    save_file(tensors, str(path), metadata={"param_groups": json.dumps(sd["param_groups"])})


def load_optimizer(opt: torch.optim.Optimizer, path: Path) -> None:
    state = {}
    with safe_open(str(path), framework="pt", device="cpu") as f:
        groups = json.loads(f.metadata()["param_groups"])
        for key in f.keys():
            pid, name = key.split(".", 1)
            state.setdefault(int(pid), {})[name] = f.get_tensor(key)
    opt.load_state_dict({"state": state, "param_groups": groups})


def read_resume_state(out: Path) -> dict | None:
    """The saved train_state.json of a run directory, or None for a new run."""
    path = Path(out) / STATE
    return json.loads(path.read_text()) if path.is_file() else None


def save_resume_state(out: Path, opt: torch.optim.Optimizer, state: dict) -> None:
    """Optimizer first, then the state file that points at it (call after the model is saved)."""
    out = Path(out)
    write_atomically(out / OPTIMIZER, lambda p: save_optimizer(opt, p))
    write_atomically(out / STATE, lambda p: p.write_text(json.dumps(state, indent=2)))


def restart_metrics(out: Path, header: list, step: int) -> float:
    """(Re)write metrics.csv with the rows up to `step` (none for a new run); returns the seconds
    those rows had counted, so the time column keeps counting across resumes."""
    path = Path(out) / METRICS
    kept = []
    if step and path.exists():
        with open(path, newline="") as f:
            kept = [row for row in csv.DictReader(f) if int(row["step"]) <= step]
    with open(path, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        writer.writerows(kept)
    return float(kept[-1]["seconds"]) if kept else 0.0


def append_metrics(out: Path, row: list) -> None:
    with open(Path(out) / METRICS, "a", newline="") as f:
        csv.writer(f).writerow(row)


def thin_metrics(metrics, every: int = 50):
    """A run's metrics.csv (a DataFrame) thinned for the repository: one row per block of `every`
    steps, at the block's last step, holding the block's mean of each per-step column (the rolling
    mean the plots draw anyway; running columns such as seconds keep their last value), and every
    validation measurement (columns starting `val_` or `valid_`) at its own step. ~50x smaller."""
    validation = [c for c in metrics.columns if c.startswith(("val_", "valid_"))]
    running = [c for c in ("tokens", "seconds", "lr") if c in metrics.columns]
    per_step = [c for c in metrics.columns if c not in validation + running + ["step"]]
    blocks = metrics.groupby((metrics["step"] - 1) // every)
    thinned = blocks[per_step].mean()
    thinned[running] = blocks[running].last()
    thinned["step"] = blocks["step"].max()
    checks = metrics.loc[metrics[validation].notna().any(axis=1), ["step", *running, *validation]]
    merged = pd.concat([thinned, checks]).groupby("step", as_index=False).first()  # first non-missing value
    return merged[metrics.columns]
