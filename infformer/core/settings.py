"""What the app and the command line share about inference-time settings: the allowed ranges of
the memory settings, and the default number of torch threads.

One table, so the app's widgets and the command line accept exactly the same values and say the
same range when they refuse one.
"""
from __future__ import annotations

import os
from dataclasses import dataclass


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


def default_threads() -> int:
    """Torch threads for anything that runs the model: $INFFORMER_THREADS, else half the cores (at
    least one). More threads than free cores make torch's workers spin against each other: on a
    2-core machine busy with another job, 2 threads traced 30x slower than 1."""
    return int(os.environ.get("INFFORMER_THREADS") or max(1, (os.cpu_count() or 2) // 2))
