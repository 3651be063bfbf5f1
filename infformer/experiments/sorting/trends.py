"""Which of Figure 3's trends reproduce, said in plain sentences from the numbers.

The paper's claim is about shapes, not levels: the models' order at each length, and how far each
falls as the sequence outgrows what it sees. Our runs are smaller and score lower, so comparing
levels says little; these sentences compare orders and falls, and are rebuilt from the table every
time it changes (a hand-written summary goes stale as runs finish).

A row is a mapping with "variant" ("stm", "compressive", "ltm"), "length", "accuracy" (%, the
mean over seeds), "paper_length" and "paper_accuracy" (%, or None) — the columns of
results/sorting_converged_by_length.csv. Figure 3 right (basis_trends) reads the columns of
results/sorting_converged_by_basis.csv: "num_basis", "accuracy", "regression_error", optionally
"seed_low" and "seed_high", and the paper's "paper_num_basis", "paper_accuracy" and
"paper_regression_error".
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping

NAMES = {"stm": "Transformer-XL", "compressive": "Compressive", "ltm": "∞-former"}
FLAT = 1.0  # points: a change smaller than this is "about flat" (seeds differ by up to ~4 points)
FLAT_ERROR = 0.1  # a regression error that changes by less than this fraction of itself is "about flat"


def table_rows(df) -> list[dict]:
    """A pandas table's rows as dicts, missing cells None (pandas' NA cannot be compared)."""
    return df.astype(object).where(df.notna(), None).to_dict("records")


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


def _error_direction(first: float, last: float) -> str:
    change = last - first
    return "about flat" if abs(change) < FLAT_ERROR * first else ("falls" if change < 0 else "rises")


def _monotone(values: list[float], direction: str) -> bool:
    steps = [b - a for a, b in zip(values, values[1:], strict=False)]
    return all(d < 0 for d in steps) if direction == "falls" else all(d > 0 for d in steps)


def basis_trends(rows: Iterable[Mapping]) -> list[str]:
    """Plain sentences (Markdown) on Figure 3 right, where two or more N have run: (1) how accuracy moves
    with N and where it peaks, ours and the paper's (its N are ours × 16, the same geometry scaled), with
    the widest spread between one point's seeds as the yardstick; (2) how the regression error moves with
    N, ours and the paper's (the paper's falls at every doubling: more basis functions fit the memory
    better), and whether that reproduces."""
    rows = sorted((r for r in rows if _known(r.get("accuracy"))), key=lambda r: int(r["num_basis"]))
    if len(rows) < 2:
        return []
    ns = [int(r["num_basis"]) for r in rows]
    acc = [float(r["accuracy"]) for r in rows]
    span = f"from N = {ns[0]:,} to N = {ns[-1]:,}"
    line = (f"Accuracy {span}: {' → '.join(f'{a:.1f}' for a in acc)} ({_signed(acc[-1] - acc[0])} points, "
            f"{_direction(acc[0], acc[-1])}), highest at N = {ns[acc.index(max(acc))]:,}")
    spreads = [float(r["seed_high"]) - float(r["seed_low"]) for r in rows
               if _known(r.get("seed_low")) and _known(r.get("seed_high")) and int(r.get("seeds") or 2) > 1]
    if spreads:
        line += f" (one point's seeds differ by up to {max(spreads):.1f} points)"
    theirs = [r for r in rows if _known(r.get("paper_accuracy")) and _known(r.get("paper_num_basis"))]
    if len(theirs) == len(rows):
        p_acc = [float(r["paper_accuracy"]) for r in theirs]
        peak, p_peak = acc.index(max(acc)), p_acc.index(max(p_acc))
        line += (f"; the paper's (N = {int(theirs[0]['paper_num_basis']):,} to {int(theirs[-1]['paper_num_basis']):,}) "
                 f"{' → '.join(f'{a:.1f}' for a in p_acc)} ({_signed(p_acc[-1] - p_acc[0])}, "
                 f"{_direction(p_acc[0], p_acc[-1])}), highest at N = {int(theirs[p_peak]['paper_num_basis']):,}: "
                 + ("**the same peak**." if peak == p_peak else "**a different peak**."))
    said = [line if line.endswith(".") else line + "."]
    with_error = [r for r in rows if _known(r.get("regression_error"))]
    if len(with_error) >= 2:
        err = [float(r["regression_error"]) for r in with_error]
        ours = _error_direction(err[0], err[-1])
        monotone = ours != "about flat" and len(err) > 2 and _monotone(err, ours)
        line = (f"Regression error from N = {int(with_error[0]['num_basis']):,} to N = {int(with_error[-1]['num_basis']):,}: "
                f"{' → '.join(f'{e:.3f}' for e in err)} ({ours}{' at every step' if monotone else ''})")
        if all(_known(r.get("paper_regression_error")) for r in with_error):
            p_err = [float(r["paper_regression_error"]) for r in with_error]
            theirs = _error_direction(p_err[0], p_err[-1])
            line += (f"; the paper's {' → '.join(f'{e:.3f}' for e in p_err)} ({theirs}): "
                     + ("**reproduces**." if ours == theirs else "**does not reproduce**."))
        said.append(line if line.endswith(".") else line + ".")
    return said
