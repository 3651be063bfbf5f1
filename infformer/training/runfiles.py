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

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..io.atomic import write_atomically  # noqa: F401  (the trainers write through it too)

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
