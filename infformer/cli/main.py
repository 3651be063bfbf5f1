"""Command line: `python -m infformer {trace,generate,evaluate,dialogue,sorting,train} ...` (see
--help of each). Each command group is a module with `register(sub)` and its `cmd_*` functions.

Bad input (missing, empty, binary or undecodable file, bad option value, a directory that is
not a checkpoint) exits with status 2 and one line `error: …` on stderr, never a traceback.
"""
from __future__ import annotations

import sys

from ..core.heap import bound_heap
from ..io.checkpoint import CheckpointError
from ..io.textio import InputError
from ..tracing.files import OutputError
from . import dialogue, sorting, text, train
from .options import Parser, UsageError


def build_parser() -> Parser:
    p = Parser(prog="python -m infformer", description="The ∞-former: continuous long-term memory you can look inside.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)
    for group in (text, dialogue, sorting, train):
        group.register(sub)
    return p


def main(argv=None) -> int:
    bound_heap()  # a long trace's memory stays near what it holds (core/heap.py)
    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (UsageError, InputError, CheckpointError, OutputError, ValueError) as e:
        message = " ".join(str(e).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
