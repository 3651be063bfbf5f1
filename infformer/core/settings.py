"""What the app and the command line share about inference-time settings: the five memory
settings (τ, M, sticky, D, seed) with their ranges, labels, flags, link keys and help, and the
default number of torch threads.

One table (`MEMORY_SETTINGS`), so the app's sidebar, its links and session files, and the command
line's flags are built from it: they accept exactly the same values, say the same range when they
refuse one, and take their defaults from `LTMConfig`.
"""
from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass

from .config import LTMConfig


@dataclass(frozen=True)
class Range:
    name: str       # the paper's symbol as shown to users
    low: float
    high: float
    step: float

    def check(self, value):
        """The value, or ValueError naming the range."""
        if not (self.low <= value <= self.high):
            raise ValueError(f"{self.name} must lie in [{self.low:g}, {self.high:g}], got {value:g}")
        return value

    @property
    def text(self) -> str:
        return f"{self.low:g} to {self.high:g}"


# Inference-time memory settings (no weight depends on them). τ keeps both the squeezed old memory
# and the new segment more than 5% of [0, 1]; M and D below 8 and 4 leave too few samples or bins
# to represent a histogram; above 4,096 / 1,024 they only cost time.
MEMORY_RANGES = {
    "tau": Range("τ", 0.05, 0.95, 0.05),
    "num_samples": Range("M", 8, 4096, 8),
    "num_bins": Range("D", 4, 1024, 4),
    "seed": Range("seed", 0, 2 ** 31 - 1, 1),
}


@dataclass(frozen=True)
class MemorySetting:
    """One memory setting that may change at inference (no weight depends on it)."""

    field: str               # the LTMConfig field
    label: str               # as the sidebar shows it, with the paper's symbol
    url: str                 # its key in a link (short: links must stay short)
    help: str                # one sentence, for the sidebar and `--help`
    range: Range | None = None  # None: a switch (sticky)

    @property
    def flag(self) -> str:
        return "--" + self.field.replace("_", "-")

    @property
    def default(self):
        """The value of a model that says nothing (LTMConfig's default)."""
        return next(f.default for f in dataclasses.fields(LTMConfig) if f.name == self.field)

    @property
    def cast(self):
        return bool if self.range is None else type(self.range.step)


MEMORY_SETTINGS = (
    MemorySetting("tau", "τ, contraction point", "tau", "at each update the old memory is squeezed into [0, τ] "
                  "and the new segment fills (τ, 1]", MEMORY_RANGES["tau"]),
    MemorySetting("num_samples", "M, samples of the old signal", "M", "points at which the old signal is "
                  "evaluated at each update", MEMORY_RANGES["num_samples"]),
    MemorySetting("sticky", "Sticky memories", "sticky", "sample the old signal where the previous segment's "
                  "queries attended (else evenly)"),
    MemorySetting("num_bins", "D, histogram bins", "D", "bins of the histogram sticky sampling draws from",
                  MEMORY_RANGES["num_bins"]),
    MemorySetting("seed", "Seed of the sticky sampling", "seed", "each update draws from Generator(seed, update)",
                  MEMORY_RANGES["seed"]),
)
MEMORY_SETTING = {s.field: s for s in MEMORY_SETTINGS}


def default_threads() -> int:
    """Torch threads for anything that runs the model: $INFFORMER_THREADS, else half the cores (at
    least one). More threads than free cores make torch's workers spin against each other: on a
    2-core machine busy with another job, 2 threads traced 30x slower than 1."""
    return int(os.environ.get("INFFORMER_THREADS") or max(1, (os.cpu_count() or 2) // 2))
