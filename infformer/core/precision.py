"""float32 or bf16 autocast for running a model, chosen at run time from what the hardware does.

bf16 autocast is several times faster where the hardware multiplies bf16 natively (CPUs with AMX or
AVX-512 BF16, recent GPUs) and slower where it emulates it. "auto" uses it only there, and only for
models large enough to need it: the small models trace a page in about a second in float32, and
keeping them in float32 keeps their traces identical to every earlier one (and to the tests').
The memory's fit and read stay float32 under autocast in any case (core/model.py, core/attention.py).
"""
from __future__ import annotations

from functools import cache
from pathlib import Path

import torch

PRECISIONS = ("auto", "float32", "bf16")
AUTO_BF16_PARAMETERS = 50_000_000  # "auto" turns bf16 on from this many parameters (SmolLM2: 135 M)
CPU_BF16_FLAGS = ("amx_bf16", "avx512_bf16")


@cache
def cpu_flags() -> frozenset:
    """The CPU's feature flags (Linux /proc/cpuinfo; empty elsewhere)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def native_bf16(device: torch.device | str = "cpu") -> bool:
    """Whether `device` multiplies bf16 natively."""
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_bf16_supported()
    return any(flag in cpu_flags() for flag in CPU_BF16_FLAGS)


def training_bf16(asked: bool | None, device: torch.device | str = "cpu", recorded: bool | None = None) -> bool:
    """Whether a training run uses bf16 autocast: what the call asked (`--precision bf16` / `float32`),
    else, on a resume, the run's own choice (so its losses stay comparable step to step), else bf16 where
    `device` multiplies it natively. A CPU that emulates bf16 runs its matrix products tens of times slower
    than float32 (`bench/bf16_matmul.py`: 70 times on a Zen 3 EPYC), so a run never chooses it there by itself."""
    if asked is not None:
        return asked
    if recorded is not None:
        return recorded
    return native_bf16(device)


def use_bf16(model: torch.nn.Module, precision: str = "auto") -> bool:
    """Whether to run `model` under bf16 autocast for `precision` ("auto", "float32" or "bf16")."""
    if precision not in PRECISIONS:
        raise ValueError(f"precision must be one of {', '.join(PRECISIONS)}, not {precision!r}")
    if precision != "auto":
        return precision == "bf16"
    p = next(model.parameters())
    return native_bf16(p.device) and sum(q.numel() for q in model.parameters()) >= AUTO_BF16_PARAMETERS
