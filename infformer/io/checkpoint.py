"""A checkpoint is a directory: config.json, model.safetensors, tokenizer.json (and optional extras).

Loading never unpickles anything; every failure names the file and the problem.
"""
from __future__ import annotations

import json
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..core.config import ModelConfig
from ..core.model import InfFormer
from .atomic import write_atomically
from .tokenizer import Tokenizer

CONFIG, WEIGHTS, TOKENIZER = "config.json", "model.safetensors", "tokenizer.json"
ASSETS = Path(__file__).resolve().parents[2] / "assets"  # infformer/io/ -> the repository root
DEFAULT_MODEL = ASSETS / "models" / "austen-cmudog-sticky"


class CheckpointError(ValueError):
    """A checkpoint directory that cannot be loaded; the message names the file and the problem."""


def save_checkpoint(directory, model: InfFormer, tokenizer: Tokenizer, info: dict | None = None) -> Path:
    """Write the three files (atomically per file, so an interrupted save never leaves a half file)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    config = {"model": model.cfg.to_dict(), "info": info or {}}
    write_atomically(d / CONFIG, lambda p: p.write_text(json.dumps(config, indent=2)))
    weights = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()}
    write_atomically(d / WEIGHTS, lambda p: save_file(weights, str(p), metadata={"format": "infformer"}))
    write_atomically(d / TOKENIZER, tokenizer.save)
    return d


def read_config(directory) -> tuple[ModelConfig, dict]:
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"{d}: not a checkpoint directory ({'no such directory' if not d.exists() else 'a file'})")
    path = d / CONFIG
    if not path.is_file():
        raise CheckpointError(f"{path}: missing (a checkpoint has {CONFIG}, {WEIGHTS} and {TOKENIZER})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ModelConfig.from_dict(data["model"]), data.get("info", {})
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON ({e})") from None
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: not an infformer model config ({e})") from None


def load_checkpoint(directory=DEFAULT_MODEL, device="cpu", **memory_overrides) -> tuple[InfFormer, Tokenizer, dict]:
    """Load (model in eval mode, tokenizer, info). `memory_overrides` change inference-time memory
    settings (tau, num_samples, sticky, num_bins, seed), which no weight depends on."""
    d = Path(directory)
    cfg, info = read_config(d)
    if memory_overrides:
        try:
            cfg = cfg.with_memory(**memory_overrides)
        except (TypeError, ValueError) as e:
            raise CheckpointError(f"bad memory setting: {e}") from None
    tokenizer_path = d / TOKENIZER
    if not tokenizer_path.is_file():
        raise CheckpointError(f"{tokenizer_path}: missing")
    try:
        tokenizer = Tokenizer.from_file(tokenizer_path)
    except ValueError as e:
        raise CheckpointError(str(e)) from None
    if tokenizer.vocab_size > cfg.vocab_size:
        raise CheckpointError(f"{tokenizer_path}: {tokenizer.vocab_size} tokens but the model has {cfg.vocab_size}")
    weights_path = d / WEIGHTS
    if not weights_path.is_file():
        raise CheckpointError(f"{weights_path}: missing")
    try:
        with safe_open(str(weights_path), framework="pt", device="cpu") as f:
            weights = {k: f.get_tensor(k) for k in f.keys()}
    except Exception as e:  # safetensors raises SafetensorError (not a ValueError) on damaged files
        raise CheckpointError(f"{weights_path}: not a readable safetensors file ({str(e)[:120]})") from None
    model = InfFormer(cfg)
    expected = model.state_dict()
    missing = sorted(set(expected) - set(weights))
    unexpected = sorted(set(weights) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{weights_path}: weights do not match {CONFIG} "
                              f"(missing {missing[:3]}, unexpected {unexpected[:3]})")
    for k, v in weights.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(f"{weights_path}: {k} has shape {tuple(v.shape)}, config says {tuple(expected[k].shape)}")
        if not torch.isfinite(v).all():
            raise CheckpointError(f"{weights_path}: {k} holds NaN or inf")
    model.load_state_dict(weights)
    return model.to(device).eval(), tokenizer, info


def list_checkpoints(root=ASSETS / "models") -> list:
    """Shipped checkpoint directories (those with a config.json), sorted by name."""
    root = Path(root)
    return sorted(p for p in root.iterdir() if (p / CONFIG).is_file()) if root.is_dir() else []
