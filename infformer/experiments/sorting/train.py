"""Training and evaluating models on the sorting task (the paper's Figure 3).

Each example (length T, then the separator, then the 20-symbol answer) is fed segment by
segment through a fresh memory; as in the reference, every segment but the last runs without
gradients, and only the 20 answer positions are scored (teacher forced).

Regression error (Figure 3 right), defined here: at every long-term memory write, the relative
error of the refitted signal on the vectors just written, ‖X̄(t_i) − x_i‖ / ‖x_i‖, averaged over
the written vectors, the writes, the layers and the examples.
"""
from __future__ import annotations

import csv
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from safetensors.torch import load_file
from tqdm.auto import tqdm

from ...core.config import LTMConfig, ModelConfig
from ...core.hooks import record
from ...core.memory import slot_midpoints
from ...core.model import InfFormer
from ...core.regression import reconstruct
from ...io.checkpoint import load_checkpoint, save_checkpoint
from ...training.runfiles import (
    OPTIMIZER,
    append_metrics,
    load_optimizer,
    read_resume_state,
    restart_metrics,
    save_resume_state,
)
from ...training.train import CompressionLossCollector, autocast, lr_at, with_precision
from .task import NUM_SYMBOLS, PADDING, VOCAB_SIZE, make_batch, sorting_tokenizer

VALID_SEED_OFFSET = 1_000_000  # validation examples come from a seed stream training never uses


@dataclass(frozen=True)
class SortingTrainConfig:
    length: int = 1024            # T, symbols before the separator
    steps: int = 3000
    batch_size: int = 8
    lr: float = 1e-3              # reference: Adam 2e-4 for 20k steps; a shorter run needs a larger step
    min_lr: float = 1e-5
    warmup: int = 100
    grad_clip: float = 0.25       # reference
    eval_every: int = 250
    eval_examples: int = 128
    checkpoint_every: int = 250
    bf16: bool | None = None      # bf16 autocast; None as TrainConfig.bf16 (core/precision.training_bf16)
    seed: int = 0
    plateau_patience: int = 0     # stop when the last K validations did not beat the best before them (0: off)
    plateau_delta: float = 0.005  # ... by at least this much accuracy


def plateaued(history, patience: int, min_delta: float) -> bool:
    """The plateau rule: True when none of the last `patience` validation accuracies beats the best
    of the ones before it by `min_delta` (needs more than `patience` of them; patience 0: never)."""
    history = [float(h) for h in history]
    if patience <= 0 or len(history) <= patience:
        return False
    return max(history[-patience:]) < max(history[:-patience]) + min_delta


def sorting_model_config(variant: str, segment_len: int = 128, stm_len: int = 128, num_basis: int = 128,
                         d_model: int = 128, n_layers: int = 3, n_heads: int = 4, dropout: float = 0.1,
                         widths=(0.01, 0.05), **ltm) -> ModelConfig:
    """The CPU-scale sorting model: the reference's memory settings (widths {0.01, 0.05}, λ = 1,
    τ = 0.75, σ² ≥ 1e-6) at a smaller width, segment and N.

    The widths are absolute (fractions of [0, 1]); with few basis functions the centres lie far
    apart compared with a 0.01 width (N = 16: 1/7 apart), which is not the reference's regime."""
    ltm_cfg = LTMConfig(num_basis=num_basis, widths=tuple(widths), ridge=1.0, tau=0.75,
                        num_samples=ltm.pop("num_samples", num_basis), sigma_sq_min=1e-6, span_capacity=512, **ltm)
    return ModelConfig.for_variant(variant, vocab_size=VOCAB_SIZE, d_model=d_model, n_layers=n_layers,
                                   n_heads=n_heads, d_ff=2 * d_model, dropout=dropout, segment_len=segment_len,
                                   stm_len=stm_len, ltm=ltm_cfg)


def model_inputs(batch: torch.Tensor, segment_len: int) -> torch.Tensor:
    """What the model reads for a batch of examples: batch[:, :-1], left-padded with PADDING so that
    the answer ends exactly at a segment boundary.

    The last segment (the one trained with gradients) then holds the sequence's last L − 21 symbols,
    the separator and the answer, and its queries also see the short-term memory: a model without
    long-term memory sees about segment + STM symbols of the sequence, which is what the paper's
    ratio length / (segment + STM) assumes. Without the padding a length that is a multiple of L
    would put the separator first in its segment, and such a model would see only the STM."""
    inputs = batch[:, :-1]
    pad = -inputs.shape[1] % segment_len
    return F.pad(inputs, (pad, 0), value=PADDING)


def answer_logits(model: InfFormer, batch: torch.Tensor, grad: bool, bf16: bool) -> torch.Tensor:
    """Return the logits of the 20 answer targets [B, 20, V] for a batch of examples.

    Every segment but the last runs without gradients (the reference's truncation); a segment
    shorter than the answer extends this to the last ⌈20 / L⌉ segments."""
    L = model.cfg.segment_len
    inputs = model_inputs(batch, L)
    last_start = max(0, inputs.shape[1] - L * math.ceil(NUM_SYMBOLS / L))
    device = model.embed.weight.device
    with torch.no_grad(), autocast(device, bf16):
        _, state = model(inputs[:, :last_start], model.initial_state(inputs.shape[0], device, provenance=False))
    with torch.set_grad_enabled(grad), autocast(device, bf16):
        logits, _ = model(inputs[:, last_start:], state)
    return logits[:, -NUM_SYMBOLS:].float()


def relative_error(reconstructed: torch.Tensor, written: torch.Tensor) -> torch.Tensor:
    """‖X̄(t_i) − x_i‖ / ‖x_i‖ per written vector [..., e] -> [...] (the regression error's term)."""
    return (reconstructed - written).norm(dim=-1) / written.norm(dim=-1).clamp_min(1e-12)


class RegressionErrorMeter:
    """Relative fit error on the vectors written at each memory update (see the module docstring)."""

    def __init__(self, model: InfFormer):
        self.model, self.pending, self.errors = model, {}, []
        self.hooks = record(model, ("memory_vectors", "update_kind", "coefficients"), self._hook)

    def _hook(self, point, output):
        layer, what = point.layer, point.what
        if what != "coefficients":
            self.pending[(layer, what)] = output.detach()
            return
        x = self.pending.pop((layer, "memory_vectors")).float()   # [B, L, e]
        kind = self.pending.pop((layer, "update_kind"))           # [B]
        L, tau = x.shape[1], self.model.cfg.ltm.tau
        # where the vectors were placed: (τ, 1] after a contraction, all of [0, 1] at a first write
        t = torch.where((kind == 1).view(-1, 1), slot_midpoints(L).float(), slot_midpoints(L, tau, 1.0).float())
        rec = reconstruct(output.detach().float(), self.model.basis, t.to(x.device))  # [B, L, e]
        err = relative_error(rec, x)
        written = kind > 0
        if bool(written.any()):
            self.errors.append(err[written].mean().item())

    def mean(self) -> float:
        return float(np.mean(self.errors)) if self.errors else float("nan")

    def remove(self):
        self.hooks.remove()


@torch.no_grad()
def evaluate_sorting(model: InfFormer, length: int, examples: int, seed: int, batch_size: int = 16,
                     bf16: bool = False) -> dict:
    """Token accuracy on the 20 answer positions of `examples` fresh examples (seeded)."""
    was_training = model.training
    model.eval()
    meter = RegressionErrorMeter(model) if model.cfg.ltm is not None else None
    correct = total = 0
    t0 = time.perf_counter()
    try:
        for i in range(math.ceil(examples / batch_size)):
            n = min(batch_size, examples - i * batch_size)
            batch = torch.from_numpy(make_batch(length, n, seed, i)).to(model.embed.weight.device)
            pred = answer_logits(model, batch, grad=False, bf16=bf16).argmax(-1)
            correct += (pred == batch[:, -NUM_SYMBOLS:]).sum().item()
            total += pred.numel()
    finally:
        if meter is not None:
            meter.remove()
        model.train(was_training)
    acc = correct / total
    return {"accuracy": round(acc, 5), "accuracy_stderr": round(math.sqrt(acc * (1 - acc) / total), 5),
            "examples": examples, "length": length, "seed": seed, "variant": model.cfg.variant, **model.cfg.reach(),
            # None also when the memory was never written (a sequence shorter than a segment)
            "regression_error": None if meter is None or not meter.errors else round(meter.mean(), 5),
            "seconds": round(time.perf_counter() - t0, 2)}


def train_sorting(out_dir, model_cfg: ModelConfig, tc: SortingTrainConfig = SortingTrainConfig(),
                  device: str = "cpu", progress: bool = True) -> InfFormer:
    """Train (or resume from out_dir) a sorting model; checkpoints and metrics.csv in out_dir."""

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved = read_resume_state(out)
    start = 0
    if saved is not None and saved.get("stopped"):  # the plateau rule ended this run: nothing to resume
        return load_checkpoint(out, device)[0]
    if saved is not None:
        model_cfg = ModelConfig.from_dict(saved["model"])
        tc = dataclasses.replace(SortingTrainConfig(**saved["train"]), steps=tc.steps, bf16=tc.bf16)
        start = saved["step"]
    torch.manual_seed(tc.seed)
    dev = torch.device(device)
    tc = with_precision(tc, dev, saved)
    model = InfFormer(model_cfg).to(dev)
    opt = torch.optim.Adam(model.parameters(), lr=tc.lr)
    if start:
        model.load_state_dict(load_file(str(out / "model.safetensors")))
        load_optimizer(opt, out / OPTIMIZER)
    tokenizer = sorting_tokenizer()
    header = ["step", "loss", "accuracy", "lr", "valid_accuracy", "regression_error", "seconds"]
    t0 = time.time() - restart_metrics(out, header, start)  # seconds count across resumes
    history = valid_history(out)  # validation accuracies so far (the plateau rule reads them)
    model.train()
    bar = tqdm(range(start, tc.steps), initial=start, total=tc.steps, disable=not progress, desc="sorting")
    compression = CompressionLossCollector(model) if model_cfg.compressive_len else None
    for step in bar:
        lr = lr_at(step, tc)
        for g in opt.param_groups:
            g["lr"] = lr
        batch = torch.from_numpy(make_batch(tc.length, tc.batch_size, tc.seed, step)).to(dev)
        logits = answer_logits(model, batch, grad=True, bf16=tc.bf16)
        targets = batch[:, -NUM_SYMBOLS:]
        loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
        aux = compression.pop() if compression is not None else 0.0  # trains the compressors only
        opt.zero_grad(set_to_none=True)
        (loss + aux).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        acc = (logits.argmax(-1) == targets).float().mean().item()
        bar.set_postfix(loss=f"{loss.item():.3f}", acc=f"{acc:.3f}")
        done = step + 1
        valid, reg = "", ""
        if (tc.eval_every and done % tc.eval_every == 0) or done == tc.steps:
            report = evaluate_sorting(model, tc.length, tc.eval_examples, tc.seed + VALID_SEED_OFFSET, bf16=tc.bf16)
            valid = report["accuracy"]
            reg = "" if report["regression_error"] is None else report["regression_error"]
            history.append(valid)
        append_metrics(out, [done, f"{loss.item():.4f}", f"{acc:.4f}", f"{lr:.6g}", valid, reg,
                             f"{time.time() - t0:.1f}"])
        stop = valid != "" and plateaued(history, tc.plateau_patience, tc.plateau_delta)
        if done % tc.checkpoint_every == 0 or done == tc.steps or stop:
            info = {"task": "sorting", "length": tc.length, "steps": done, "variant": model_cfg.variant}
            state = {"step": done, "model": model_cfg.to_dict(), "train": dataclasses.asdict(tc)}
            if stop:
                info["stopped"] = state["stopped"] = (f"plateau: the last {tc.plateau_patience} validations did not beat "
                                                      f"{max(history[:-tc.plateau_patience]):.4f} by {tc.plateau_delta}")
            save_checkpoint(out, model, tokenizer, info)
            save_resume_state(out, opt, state)
        if stop:
            break
    bar.close()
    if compression is not None:
        compression.remove()
    return model


def valid_history(out: Path) -> list:
    """The validation accuracies in a run's metrics.csv, in order."""
    path = Path(out) / "metrics.csv"
    if not path.is_file():
        return []
    with open(path, newline="") as f:
        return [float(r["valid_accuracy"]) for r in csv.DictReader(f) if r.get("valid_accuracy")]

