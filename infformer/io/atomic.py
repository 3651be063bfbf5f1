"""Files written whole or not at all: an interrupted save (a killed run, a full disk) leaves the
old file in place, never half a new one."""
from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, write) -> None:
    """Call write(temporary_path), then rename it over `path`."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    write(tmp)
    tmp.replace(path)
