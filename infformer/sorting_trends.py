"""Which of Figure 3 left's trends reproduce, said in plain sentences from the numbers.

The paper's claim is about shapes, not levels: the models' order at each length, and how far each
falls as the sequence outgrows what it sees. Our runs are smaller and score lower, so comparing
levels says little; these sentences compare orders and falls, and are rebuilt from the table every
time it changes (a hand-written summary goes stale as runs finish).

A row is a mapping with "variant" ("stm", "compressive", "ltm"), "length", "accuracy" (%, the
mean over seeds), "paper_length" and "paper_accuracy" (%, or None) — the columns of
results/sorting_converged_by_length.csv.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

NAMES = {"stm": "Transformer-XL", "compressive": "Compressive", "ltm": "∞-former"}
FLAT = 1.0  # points: a change smaller than this is "about flat" (seeds differ by up to ~4 points)


def _known(x) -> bool:
    """Not None and not NaN (pandas writes a missing number as NaN)."""
    return x is not None and x == x


def _name(variant: str) -> str:
    return NAMES.get(variant, variant)


def _order(points: dict[str, float]) -> list[str]:
    """Variants from the lowest accuracy to the highest."""
    return sorted(points, key=points.get)


def _ranked(points: dict[str, float]) -> str:
    return " < ".join(f"{_name(v)} {points[v]:.1f}" for v in _order(points))


def _signed(x: float) -> str:
    return f"{x:+.1f}".replace("-", "−")


def _direction(first: float, last: float) -> str:
    change = last - first
    return "about flat" if abs(change) < FLAT else ("falls" if change < 0 else "rises")


def sorting_trends(rows: Iterable[Mapping]) -> list[str]:
    """Plain sentences (Markdown) saying, where the table has the runs: (1) at each length with two
    or more models, our order against the paper's; (2) for each model at two or more lengths, how
    its accuracy moves with length, ours and the paper's; (3) over the lengths all three models have,
    which falls least and which most, ours and the paper's."""
    rows = [r for r in rows if _known(r.get("accuracy"))]
    ours: dict[int, dict[str, float]] = {}
    paper: dict[int, dict[str, float]] = {}
    paper_length: dict[int, int] = {}
    for r in rows:
        length = int(r["length"])
        ours.setdefault(length, {})[r["variant"]] = float(r["accuracy"])
        if _known(r.get("paper_accuracy")):
            paper.setdefault(length, {})[r["variant"]] = float(r["paper_accuracy"])
            paper_length[length] = int(r["paper_length"])
    said = []
    for length in sorted(ours):
        points = ours[length]
        if len(points) < 2:
            continue
        theirs = {v: a for v, a in paper.get(length, {}).items() if v in points}
        line = f"Length {length:,}: ours {_ranked(points)}"
        if len(theirs) == len(points):
            same = _order(theirs) == _order(points)
            line += (f"; the paper's at {paper_length[length]:,}: {_ranked(theirs)}: "
                     + ("**the same order**." if same else "**a different order**."))
        said.append(line if line.endswith(".") else line + ".")
    present = list(dict.fromkeys(r["variant"] for r in rows))
    variants = [v for v in NAMES if v in present] + [v for v in present if v not in NAMES]
    for variant in variants:
        lengths = sorted(n for n in ours if variant in ours[n])
        if len(lengths) < 2:
            continue
        path = " → ".join(f"{ours[n][variant]:.1f}" for n in lengths)
        first, last = ours[lengths[0]][variant], ours[lengths[-1]][variant]
        line = (f"{_name(variant)} from {lengths[0]:,} to {lengths[-1]:,}: {path} "
                f"({_signed(last - first)} points, {_direction(first, last)})")
        if all(variant in paper.get(n, {}) for n in lengths):
            p_first, p_last = paper[lengths[0]][variant], paper[lengths[-1]][variant]
            line += (f"; the paper's {' → '.join(f'{paper[n][variant]:.1f}' for n in lengths)} "
                     f"({_signed(p_last - p_first)}, {_direction(p_first, p_last)})")
        said.append(line + ".")
    common = [n for n in sorted(ours) if set(variants) <= set(ours[n])]
    if len(variants) >= 3 and len(common) >= 2:
        a, b = common[0], common[-1]
        fall = {v: ours[a][v] - ours[b][v] for v in variants}
        ends = {"least": min(fall, key=fall.get), "most": max(fall, key=fall.get)}
        if all(v in paper.get(a, {}) and v in paper.get(b, {}) for v in variants):
            paper_fall = {v: paper[a][v] - paper[b][v] for v in variants}
            paper_ends = {"least": min(paper_fall, key=paper_fall.get), "most": max(paper_fall, key=paper_fall.get)}
            said += [f"Between {a:,} and {b:,}, the one that falls {end}: ours {_name(ends[end])}, the paper's "
                     f"{_name(paper_ends[end])}: "
                     + ("**reproduces**." if ends[end] == paper_ends[end] else "**does not reproduce**.")
                     for end in ("least", "most")]
        else:
            said += [f"Between {a:,} and {b:,}, the one that falls {end}: ours {_name(ends[end])}."
                     for end in ("least", "most")]
    return said
