"""The paper's recipe: add the long-term memory to a pretrained model, then fine-tune.

The ∞-former paper fine-tunes GPT-2 with the long-term attention added to every layer. Here a
base (local attention + short-term memory) is trained first; `finetune_config` keeps its
architecture and adds a memory, and `start_from_base` copies its weights and sets the new
long-term output projection W_O to zero, so Z = Z_local + Z_LTM starts as Z_local: at step 0 the
fine-tuned model computes exactly the base's logits, and the memory's contribution grows only as
far as it lowers the loss.
"""
from __future__ import annotations

import dataclasses

import torch

from ..core.config import ModelConfig
from ..core.model import InfFormer, is_memory_parameter

ARCHITECTURE = ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "segment_len", "stm_len", "rope_base",
                "norm", "norm_eps", "mlp", "n_kv_heads", "bias", "tie_embeddings", "rope_layout")


def finetune_config(base: ModelConfig, memory: ModelConfig) -> ModelConfig:
    """The base's architecture with `memory`'s long-term / compressive memory and dropout."""
    if base.ltm is not None or base.compressive_len:
        raise ValueError(f"the base model already has a {base.variant} memory; fine-tune from a model "
                         "without one (variant none or stm)")
    return dataclasses.replace(memory, **{k: getattr(base, k) for k in ARCHITECTURE})


@torch.no_grad()
def start_from_base(model: InfFormer, base: InfFormer) -> None:
    """Copy the base's weights into `model`; zero every long-term output projection."""
    theirs = base.state_dict()
    ours = model.state_dict()
    missing = sorted(k for k in ours if k not in theirs)
    unexpected = sorted(k for k in theirs if k not in ours)
    if unexpected or any(not is_memory_parameter(k) for k in missing):
        raise ValueError(f"base weights do not fit this model (unexpected {unexpected[:3]}, "
                         f"missing {[k for k in missing if not is_memory_parameter(k)][:3]})")
    model.load_state_dict(theirs, strict=False)
    for block in model.blocks:
        if block.ltm is not None:
            block.ltm.out.weight.zero_()
            if block.ltm.out.bias is not None:
                block.ltm.out.bias.zero_()
