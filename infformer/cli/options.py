"""What every command shares: one-line errors (`UsageError`, `Parser`), argparse types that name
the problem, the model and memory options (their ranges from `core.settings`, as the app's), loading
the model a command runs, threads, devices and progress bars."""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import math
import os
import sys

import torch
from tqdm.auto import tqdm

from ..core.config import VARIANTS
from ..core.model import InfFormer
from ..core.precision import PRECISIONS
from ..core.settings import MEMORY_RANGES, MEMORY_SETTINGS, default_threads
from ..io.checkpoint import DEFAULT_MODEL, load_checkpoint, read_config
from ..io.textio import check_query, read_text


class UsageError(Exception):
    """Raised instead of argparse's exit, so every bad input ends the same way."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and exits; we want one line
        raise UsageError(message)


def finite(value):
    """The value with every NaN or infinity replaced by None (JSON has no NaN: a reader would fail)."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [finite(v) for v in value]
    return value


def print_json(report) -> None:
    """A command's report on stdout as valid JSON, always."""
    print(json.dumps(finite(report), indent=2, allow_nan=False))


def int_at_least(minimum: int):
    """An argparse type: a whole number >= minimum, with a message naming the problem."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


positive_int, nonneg_int = int_at_least(1), int_at_least(0)


def part_of(text: str) -> tuple[int, int]:
    """An argparse type: "I/N", part I (1 … N) of N."""
    i, slash, n = text.partition("/")
    try:
        part, parts = int(i), int(n)
    except ValueError:
        part = parts = 0
    if not slash or parts < 1 or not 1 <= part <= parts:
        raise argparse.ArgumentTypeError(f"must be I/N with 1 <= I <= N (e.g. 2/6), got {text!r}")
    return part, parts


def float_where(ok, condition: str):
    """An argparse type: a finite number satisfying ok(value), else a message saying `condition`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"{condition}, got {value}")
        return value
    return parse


positive_float = float_where(lambda v: v > 0, "must be a positive number")
dropout_rate = float_where(lambda v: 0.0 <= v < 1.0, "must lie in [0, 1)")
unit_float = float_where(lambda v: 0.0 < v < 1.0, "must lie strictly between 0 and 1")
top_p_float = float_where(lambda v: 0.0 < v <= 1.0, "must lie in (0, 1]")
temperature_float = float_where(lambda v: 0.0 < v <= 100.0, "must lie in (0, 100]")


def in_range(name: str):
    """An argparse type for a memory setting: the app's range (infformer/core/settings.py), same message."""
    r = MEMORY_RANGES[name]
    cast = type(r.step)  # τ steps by 0.05 (a float); M, D and the seed by whole numbers

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a number' if cast is float else 'a whole number'}, "
                                             f"got {text!r}") from None
        try:
            return r.check(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def add_model_options(p):
    """--model and the memory settings (one flag each, from core.settings.MEMORY_SETTINGS), --threads."""
    p.add_argument("--model", metavar="DIR", help="checkpoint directory (default: the shipped default model)")
    for s in MEMORY_SETTINGS:
        if s.range is None:  # a switch: --sticky / --no-sticky
            group = p.add_mutually_exclusive_group()
            group.add_argument(s.flag, dest=s.field, action="store_true", default=None, help=f"{s.help} (on)")
            group.add_argument(f"--no-{s.flag[2:]}", dest=s.field, action="store_false", help=f"{s.field} off")
        else:
            p.add_argument(s.flag, type=in_range(s.field), default=None,
                           help=f"{s.label}: {s.help}; {s.range.text} (default: the model's)")
    add_threads(p)


MAX_THREADS = 1024  # more threads than any machine has cores: a typo, not a wish


def thread_count(text: str) -> int:
    """An argparse type for --threads: 1 to MAX_THREADS (more threads than cores only slow torch down)."""
    value = positive_int(text)
    if value > MAX_THREADS:
        raise argparse.ArgumentTypeError(f"at most {MAX_THREADS:,}, got {value:,} (this machine has "
                                         f"{os.cpu_count()} cores)")
    return value


def add_threads(p):
    p.add_argument("--threads", type=thread_count, default=default_threads(),
                   help="CPU threads for torch (default: as the app, $INFFORMER_THREADS or half the cores; "
                        "1 when another process uses the other core)")


def train_precision(args) -> bool | None:
    """TrainConfig.bf16 from --precision and --no-bf16: True, False, or None for auto."""
    if args.no_bf16 and args.precision == "bf16":
        raise UsageError("--no-bf16 and --precision bf16 contradict each other: give one")
    if args.no_bf16:
        return False
    return None if args.precision == "auto" else args.precision == "bf16"


def load_model(args):
    directory = args.model or DEFAULT_MODEL
    overrides = {s.field: getattr(args, s.field) for s in MEMORY_SETTINGS if getattr(args, s.field) is not None}
    cfg, info = read_config(directory)
    if info.get("task") == "sorting":
        raise UsageError(f"{directory}: a sorting model, not a language model; use `python -m infformer sorting "
                         "evaluate --model DIR ...`")
    if overrides and cfg.ltm is None:
        raise UsageError(f"{directory}: this model has no long-term memory, so "
                         f"--{next(iter(overrides)).replace('_', '-')} does not apply")
    return load_checkpoint(directory, **overrides)


def read_query(args):
    if args.query_file:
        return check_query(read_text(args.query_file), args.query_file)
    if args.query is not None and not args.query.strip():
        raise UsageError("--query is empty")
    return args.query if args.query is None else check_query(args.query, "--query")


def ablated_copy(model, args):
    """The same weights with the long-term read zeroed (`--ablate-ltm`), or None."""
    if not getattr(args, "ablate_ltm", False):
        return None
    if model.cfg.ltm is None:
        raise UsageError(f"{args.model or 'the model'}: has no long-term memory, so --ablate-ltm does not apply")
    ablated = InfFormer(model.cfg.with_memory(ablate_read=True))
    ablated.load_state_dict(model.state_dict())
    return ablated.eval()


def progress_bar(args, desc: str):
    bar = tqdm(total=0, unit="seg", desc=desc, disable=args.quiet, file=sys.stderr)

    def progress(done, total):
        bar.total = total
        bar.update(done - bar.n)
    return bar, progress


def check_device(device: str) -> None:
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {device}: no GPU is available here")
    if not device.startswith(("cpu", "cuda")):
        raise UsageError(f"--device {device}: use cpu or cuda")


def set_threads(n):
    if n is not None:
        torch.set_num_threads(n)


def add_scoring_options(p):
    p.add_argument("--ablate-ltm", action="store_true",
                   help="also score with the long-term memory's read zeroed (written and read, not added), "
                        "reported beside as without_ltm_read")
    p.add_argument("--batch-size", type=positive_int, default=8, help="texts read side by side")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def defaults(source) -> dict:
    """{name: default} of a config dataclass's fields or a function's keyword arguments, so a
    command's flags repeat no default (one source for every setting)."""
    if dataclasses.is_dataclass(source):
        return {f.name: f.default for f in dataclasses.fields(source) if f.default is not dataclasses.MISSING}
    return {k: v.default for k, v in inspect.signature(source).parameters.items() if v.default is not v.empty}


def add_run_options(p, *, model: dict, run: dict, variant: str):
    """The options every training command shares. `model` and `run` hold the defaults, taken from the
    task's model config and run config (sorting and text differ in width, depth, N and steps)."""
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--variant", choices=VARIANTS, default=variant)
    p.add_argument("--steps", type=positive_int, default=run["steps"])
    p.add_argument("--batch-size", type=positive_int, default=run["batch_size"])
    p.add_argument("--lr", type=positive_float, default=run["lr"], help="peak learning rate")
    p.add_argument("--segment-len", type=positive_int, default=model["segment_len"])
    p.add_argument("--stm-len", type=nonneg_int, default=model["stm_len"])
    p.add_argument("--num-basis", type=positive_int, default=model["num_basis"], help="N, basis functions")
    p.add_argument("--d-model", type=positive_int, default=model["d_model"])
    p.add_argument("--layers", type=positive_int, default=model["n_layers"])
    p.add_argument("--dropout", type=dropout_rate, default=model["dropout"])
    p.add_argument("--eval-every", type=nonneg_int, default=run["eval_every"])
    p.add_argument("--checkpoint-every", type=positive_int, default=run["checkpoint_every"])
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=nonneg_int, default=run["seed"])
    add_threads(p)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="bf16 autocast for the matrix products, or float32; auto: bf16 where the hardware has "
                        "native bf16 (AVX-512 BF16, AMX, a recent GPU), else float32; on a resume, the run's own")
    p.add_argument("--no-bf16", action="store_true", help="the same as --precision float32 (the older spelling)")
