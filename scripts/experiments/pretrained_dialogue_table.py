"""Issue 27's Table 2 and Figure 4 on the pretrained backbone: each row a model evaluated by
scripts/experiments/pretrained_dialogue.sh (results/pretrained/NAME/dialogue.json, and
dialogue-nodoc.json for the "without document" row), seeds of one variant pooled as mean ± standard
deviation, one seed shown with its 95% bootstrap interval over conversations.

    python scripts/experiments/pretrained_dialogue_table.py [--results results/pretrained]
        [--row "LABEL=NAME[,NAME...]"] ...     (NAME/dialogue-nodoc.json when NAME ends in :nodoc)
Prints Markdown: Table 2 (perplexity, read zeroed, F1, ROUGE-1, ROUGE-L in %) and Figure 4 (the
section-attention ratio of the writer's section against the shuffled control).
"""
from __future__ import annotations

import argparse
import json
import statistics
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_ROWS = ["SmolLM2, without document=baseline:nodoc", "SmolLM2, 512-token segments=baseline",
                "Compressive=variant-compressive-s0", "∞-former=variant-ltm-s0,variant-ltm-s1",
                "∞-former, sticky=infformer-mix,variant-sticky-s1"]


def load(results: Path, name: str) -> dict | None:
    name, _, kind = name.partition(":")
    path = results / name / ("dialogue-nodoc.json" if kind == "nodoc" else "dialogue.json")
    return json.loads(path.read_text()) if path.is_file() else None


def cell(reports: list, value, interval=None, scale: float = 1.0, digits: int = 2) -> str:
    """Mean ± sd over seeds; one seed with its interval [low, high] when the report has one."""
    values = [value(r) for r in reports if value(r) is not None]
    if not values:
        return "–"
    if len(values) > 1:
        return f"{scale * statistics.mean(values):.{digits}f} ± {scale * statistics.stdev(values):.{digits}f} (n={len(values)})"
    ci = interval(reports[0]) if interval else None
    text = f"{scale * values[0]:.{digits}f}"
    return text + (f" [{scale * ci[0]:.{digits}f}, {scale * ci[1]:.{digits}f}]" if ci else "")


def table2(results: Path, rows: list) -> str:
    head = ["model", "ppl", "read zeroed", "F1 %", "ROUGE-1 %", "ROUGE-L %", "conversations / generated"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, names in (r.split("=", 1) for r in rows):
        reports = [x for x in (load(results, n) for n in names.split(",")) if x is not None]
        if not reports:
            continue
        cells = [cell(reports, lambda r: r["perplexity"]),
                 cell(reports, lambda r: r.get("without_ltm_read", {}).get("perplexity"))]
        for k in ("f1", "rouge1", "rougeL"):
            cells.append(cell(reports, lambda r, k=k: r.get(k), lambda r, k=k: r.get(f"{k}_ci95"), scale=100))
        counts = sorted({f"{r['conversations']} / {r.get('generated_conversations', 0)}" for r in reports})
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {', '.join(counts)} |")
    return "\n".join(lines)


def figure4(results: Path, rows: list) -> str:
    head = ["model", "writer's section", "control (docIdx shuffled)", "writer's − control", "replies"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, names in (r.split("=", 1) for r in rows):
        reports = [x.get("section_attention") for x in (load(results, n) for n in names.split(",")) if x]
        reports = [s for s in reports if s]
        if not reports:
            continue
        diff = [s["difference_ci95"] for s in reports if s.get("difference_ci95")]
        lines.append(f"| {label} | {cell(reports, lambda s: s['mean_ratio'], lambda s: s.get('mean_ratio_ci95'), digits=3)}"
                     f" | {cell(reports, lambda s: s['control_mean_ratio'], lambda s: s.get('control_mean_ratio_ci95'), digits=3)}"
                     f" | {'; '.join(f'[{a:.3f}, {b:.3f}]' for a, b in diff) or '–'}"
                     f" | {', '.join(str(s['replies']) for s in reports)} |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=ROOT / "results" / "pretrained")
    p.add_argument("--row", action="append", help="LABEL=NAME[,NAME...] (seeds pooled; NAME:nodoc)")
    args = p.parse_args()
    rows = args.row or DEFAULT_ROWS
    print("Table 2, CMU-DoG test (document first; F1 / ROUGE in %)\n")
    print(table2(args.results, rows))
    print("\nFigure 4, the section-attention ratio (1.0 is chance)\n")
    print(figure4(args.results, rows))


if __name__ == "__main__":
    main()
