"""Collect the experiment runs into the CSV tables under results/ and the Markdown in results/TABLES.md.

Reads what scripts/experiments/{sorting,lm}.sh wrote: the evaluation JSON of every run
(results/sorting/*.json, results/lm/*.json, each printed by a `python -m infformer ... evaluate`
command) and the learning curve of every run (runs/*/NAME/metrics.csv, copied to
results/curves/ so the app can show them without the checkpoints). Missing runs are left out,
so the tables fill in as the runs finish.

    .venv/bin/python scripts/experiments/tables.py
"""
from __future__ import annotations

import json
import numbers
import re
from pathlib import Path

import pandas as pd

from infformer.experiments.sorting.trends import basis_trends, sorting_trends, table_rows
from infformer.training.runfiles import thin_metrics

ROOT = Path(__file__).resolve().parents[2]

# The paper's numbers (../shared/REFERENCE.md), matched to our runs by their place in the design.
PAPER_BY_LENGTH = {256: (4000, {"stm": 91.0, "compressive": 86.1, "ltm": 86.8}),
                   512: (8000, {"stm": 63.1, "compressive": 77.0, "ltm": 83.1}),
                   1024: (16000, {"stm": 34.9, "compressive": 72.0, "ltm": 80.2})}
PAPER_BY_BASIS = {8: (128, 82.7, 0.145), 16: (256, 83.4, 0.125), 32: (512, 83.7, 0.104),
                  64: (1024, 84.7, 0.086), 128: (2048, 81.9, 0.065)}   # N / segment as in the paper
PAPER_LM = {"none": None, "stm": ("GPT-2", 16.85, 33.44), "compressive": ("Compressive", 16.87, 33.09),
            "ltm": ("∞-former", 16.64, 32.61), "sticky": ("∞-former (sticky memories)", 16.61, 32.48)}
SORTING_LABELS = {"stm": "Transformer-XL", "compressive": "Compressive", "ltm": "∞-former"}
LABELS = {"none": "local attention only", "stm": "Transformer-XL (STM only)", "compressive": "Compressive Transformer",
          "ltm": "∞-former", "sticky": "∞-former, sticky memories"}
# (No "shipped default" row: the shipped models are not from-scratch Austen models; their own scores
# are in assets/models/NAME/scores.json, which the Experiments page shows: issue 24.)


def read_json(path: Path) -> dict | None:
    """An evaluation report, or None while it is still being written (the scripts move it into place)."""
    try:
        return json.loads(path.read_text())
    except json.JSONDecodeError:
        print(f"skipped {path}: not complete JSON")
        return None


def curve(root: Path, run_dir: Path, name: str) -> pd.DataFrame | None:
    """Copy a run's metrics.csv, thinned to one row per 50 steps, to results/curves/NAME.csv; return it. Without the run (runs/ is not
    committed, so a new machine has only what landed), the copy made earlier."""
    src = run_dir / "metrics.csv"
    if not src.is_file():
        kept = root / "results" / "curves" / f"{name}.csv"
        return pd.read_csv(kept) if kept.is_file() else None
    (root / "results" / "curves").mkdir(parents=True, exist_ok=True)
    metrics = pd.read_csv(src)
    thin_metrics(metrics).to_csv(root / "results" / "curves" / f"{name}.csv", index=False, float_format="%.6g")
    return metrics


def train_facts(root: Path, run_dir: Path, name: str) -> dict:
    metrics = curve(root, run_dir, name)
    if metrics is None or metrics.empty:
        return {"steps": None, "train_minutes": None}
    return {"steps": int(metrics["step"].iloc[-1]), "train_minutes": round(float(metrics["seconds"].iloc[-1]) / 60, 1)}


def late_gain(root: Path, name: str, span: int = 2000) -> float | None:
    """Validation accuracy (points) at a run's last validation minus at its last one `span` or more
    steps earlier, from the copied curve: how fast it was still rising when it stopped."""
    path = root / "results" / "curves" / f"{name}.csv"
    if not path.is_file():
        return None
    valid = pd.read_csv(path).dropna(subset=["valid_accuracy"])
    if valid.empty:
        return None
    last = valid.iloc[-1]
    earlier = valid[valid["step"] <= last["step"] - span]
    return None if earlier.empty else round(100 * (last["valid_accuracy"] - earlier.iloc[-1]["valid_accuracy"]), 1)


def sorting_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = []
    for path in sorted((root / "results" / "sorting").glob("*.json")):
        r = read_json(path)
        if r is None:
            continue
        name = path.stem
        parts = name.split("-")   # VARIANT-LENGTH[-nN[-note]]
        num_basis = int(parts[2][1:]) if len(parts) > 2 else (32 if parts[0] != "stm" else None)
        rows.append({"run": name, "variant": r["variant"], "model": SORTING_LABELS.get(r["variant"], r["variant"]),
                     "length": r["length"], "num_basis": num_basis,
                     "accuracy": round(100 * r["accuracy"], 2), "accuracy_stderr": round(100 * r["accuracy_stderr"], 2),
                     "regression_error": r["regression_error"], "examples": r["examples"], "seed": r["seed"],
                     **train_facts(root, root / "runs" / "sorting" / name, f"sorting-{name}")})
    runs = pd.DataFrame(rows)
    if not runs.empty:
        runs["num_basis"] = runs["num_basis"].astype("Int64")   # none for Transformer-XL
    if runs.empty:
        return runs, runs, runs
    main = runs[runs["run"].str.fullmatch(r"[a-z]+-\d+")].copy()
    main["paper_length"] = main["length"].map(lambda n: PAPER_BY_LENGTH.get(n, (None,))[0])
    main["paper_accuracy"] = [PAPER_BY_LENGTH.get(n, (None, {}))[1].get(v) for n, v in zip(main["length"], main["variant"], strict=False)]
    by_length = main.sort_values(["length", "variant"]).reset_index(drop=True)
    sweep = runs[runs["run"].str.fullmatch(r"ltm-512(-n\d+)?(-wide)?")].copy()
    # the reference's widths, or scaled ×16 like every other length here (runs named -wide)
    sweep["widths"] = ["0.16, 0.8 (×16)" if r.endswith("-wide") else "0.01, 0.05 (reference)" for r in sweep["run"]]
    sweep["paper_num_basis"] = sweep["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None,))[0])
    sweep["paper_accuracy"] = sweep["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None, None))[1])
    sweep["paper_regression_error"] = sweep["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None, None, None))[2])
    by_basis = sweep.sort_values(["widths", "num_basis"]).reset_index(drop=True)
    others = runs[~runs["run"].isin(list(by_length["run"]) + list(by_basis["run"]))].reset_index(drop=True)
    return by_length, by_basis, others


CONVERGED_NAME = re.compile(r"(?P<variant>[a-z]+)-(?P<length>\d+)(?:-n(?P<n>\d+))?(?P<gate>-gate)?-s(?P<seed>\d+)")


def stopped_by(run_dir: Path) -> str | None:
    """Why a converged run ended: 'plateau' (the rule in train_state.json), 'steps' (its budget) or None (running)."""
    try:
        state = json.loads((run_dir / "train_state.json").read_text())
    except (OSError, json.JSONDecodeError):
        return None
    if state.get("stopped"):
        return "plateau"
    steps = state.get("train", {}).get("steps")
    return "steps" if steps is not None and state.get("step") == steps else None


def with_missing_points(table: pd.DataFrame, missing: list[dict]) -> pd.DataFrame:
    """`table` with a row for each point of the paper's figure not run yet (accuracy empty, 0 seeds),
    integer columns kept integers."""
    if not missing:
        return table
    rows = pd.DataFrame([{**m, "model": SORTING_LABELS.get(m["variant"], m["variant"]), "seeds": 0,
                          "stopped_by": "not run yet"} for m in missing]).astype({"num_basis": "Int64"})
    return pd.concat([table, rows], ignore_index=True).astype(
        {"seeds": int, "steps": "Int64", "local_reach": "Int64", "coverage": "Int64"})


def converged_sorting_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The runs of sorting_converged.sh (results/sorting-converged/VARIANT-LENGTH[-nN][-gate]-sSEED.json):
    every run, then Figure 3 left and right with the seeds pooled: the mean accuracy, the seeds' lowest
    and highest (the error bars), and the sampling standard error of the mean."""
    rows = []
    for path in sorted((root / "results" / "sorting-converged").glob("*.json")):
        m, r = CONVERGED_NAME.fullmatch(path.stem), read_json(path)
        if m is None or r is None:
            continue
        gate = bool(m["gate"])
        variant = r["variant"]
        model = SORTING_LABELS.get(variant, variant) + ("" if variant != "ltm" or gate else ", no gate")
        run_dir = root / "runs" / "sorting" / path.stem
        rows.append({"run": path.stem, "variant": variant, "model": model, "gate": gate, "length": r["length"],
                     "num_basis": int(m["n"]) if m["n"] else (32 if variant != "stm" else None),
                     "seed": int(m["seed"]), "accuracy": round(100 * r["accuracy"], 2),
                     "accuracy_stderr": round(100 * r["accuracy_stderr"], 2), "regression_error": r["regression_error"],
                     "local_reach": r.get("local_reach"), "coverage": r.get("coverage"),
                     "stopped_by": r.get("stopped_by") or stopped_by(run_dir),
                     **train_facts(root, run_dir, f"sorting-converged-{path.stem}"),
                     "valid_gain_last_2000": late_gain(root, f"sorting-converged-{path.stem}")})
    runs = pd.DataFrame(rows)
    if runs.empty:
        return runs, runs, runs

    def pooled(group: pd.DataFrame) -> pd.Series:
        acc = group["accuracy"]
        return pd.Series({"model": group["model"].iloc[0], "accuracy": round(acc.mean(), 2),
                          "seed_low": acc.min(), "seed_high": acc.max(), "seeds": len(group),
                          "accuracy_stderr": round(float((group["accuracy_stderr"] ** 2).mean() ** 0.5 / len(group) ** 0.5), 2),
                          "regression_error": round(group["regression_error"].mean(), 5),
                          "steps": int(group["steps"].max()) if group["steps"].notna().any() else None,
                          "train_minutes": group["train_minutes"].sum(), "stopped_by": ", ".join(
                              sorted(set(group["stopped_by"].dropna()))) or "running",
                          "local_reach": group["local_reach"].iloc[0], "coverage": group["coverage"].iloc[0]})

    keys = ["variant", "gate", "length", "num_basis"]
    runs["num_basis"] = runs["num_basis"].astype("Int64")
    wide = runs["run"].str.contains(r"-n\d+-")
    main = runs[~wide & (runs["gate"] | (runs["variant"] != "ltm"))]
    by_length = main.groupby(keys, dropna=False).apply(pooled, include_groups=False).reset_index()
    # every point of the paper's figure gets a row, so its whole figure is drawn and the table says
    # what is not run yet (accuracy empty, 0 seeds)
    have = set(zip(by_length["length"], by_length["variant"], strict=False))
    by_length = with_missing_points(by_length, [
        {"variant": v, "gate": v == "ltm", "length": n, "num_basis": 32 if v != "stm" else None}
        for n, (_, paper) in PAPER_BY_LENGTH.items() for v in paper if (n, v) not in have])
    by_length["paper_length"] = by_length["length"].map(lambda n: PAPER_BY_LENGTH.get(n, (None,))[0])
    by_length["paper_accuracy"] = [PAPER_BY_LENGTH.get(n, (None, {}))[1].get(v)
                                   for n, v in zip(by_length["length"], by_length["variant"], strict=False)]
    # Figure 3 right: the -nN runs only, one pair of widths at every N (0.16, 0.8); the main N = 32 run
    # has the reference's narrower widths, so it is not a point of the sweep
    sweep = runs[runs["gate"] & (runs["variant"] == "ltm") & (runs["length"] == 512) & wide]
    by_basis = sweep.groupby(keys, dropna=False).apply(pooled, include_groups=False).reset_index()
    if not by_basis.empty:  # as for lengths: a row for each of the paper's N, so its whole curve is drawn
        by_basis = with_missing_points(by_basis, [{"variant": "ltm", "gate": True, "length": 512, "num_basis": n}
                                                  for n in PAPER_BY_BASIS if n not in set(by_basis["num_basis"])])
    by_basis["paper_num_basis"] = by_basis["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None,))[0])
    by_basis["paper_accuracy"] = by_basis["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None, None))[1])
    by_basis["paper_regression_error"] = by_basis["num_basis"].map(lambda n: PAPER_BY_BASIS.get(n, (None, None, None))[2])
    return (runs.sort_values(["length", "variant", "run"]).reset_index(drop=True),
            by_length.sort_values(["length", "variant"]).reset_index(drop=True),
            by_basis.sort_values("num_basis").reset_index(drop=True))


def lm_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows, positions = [], []
    order = list(LABELS)
    for path in sorted((root / "results" / "lm").glob("*.json"), key=lambda p: order.index(p.stem) if p.stem in order else 99):
        r = read_json(path)
        if r is None:
            continue
        v = path.stem
        run_dir = root / "runs" / "lm" / v
        paper = PAPER_LM.get(v)
        rows.append({"variant": v, "model": LABELS.get(v, v), "perplexity": r["perplexity"], "tokens": r["tokens"],
                     **train_facts(root, run_dir, f"lm-{v}"),
                     "paper_model": paper[0] if paper else None, "paper_wikitext103": paper[1] if paper else None,
                     "paper_pg19": paper[2] if paper else None})
        for k, b in enumerate(r["by_position"]):
            positions.append({"variant": v, "bin": k, "start_fraction": b["start_fraction"],
                              "end_fraction": b["end_fraction"], "tokens": b["tokens"], "perplexity": b["perplexity"]})
    by_position = pd.DataFrame(positions)
    if not by_position.empty and (by_position["variant"] == "none").any():
        # each model's perplexity over that of the model without memory, bin by bin (the table in docs/experiments.md)
        none = by_position[by_position["variant"] == "none"].set_index("bin")["perplexity"]
        by_position["ratio_to_none"] = (by_position["perplexity"] / by_position["bin"].map(none)).round(3)
    return pd.DataFrame(rows), by_position


# The paper's Table 2 (GPT-2 small fine-tuned on CMU-DoG): PPL, F1, ROUGE-1, ROUGE-L, METEOR
PAPER_DIALOGUE = {"stm-nodoc": ("GPT-2 without document", 19.43, 7.82, 12.18, 10.17, 6.10),
                  "stm": ("GPT-2", 18.53, 8.64, 14.61, 12.03, 7.15),
                  "compressive": ("Compressive", 18.02, 8.78, 14.74, 12.14, 7.29),
                  "ltm": ("∞-former", 18.02, 8.92, 15.28, 12.51, 7.52),
                  "sticky": ("∞-former (sticky memories)", 18.04, 9.01, 15.37, 12.56, 7.55)}
VARIANT_ORDER = ["stm-nodoc", "stm", "compressive", "ltm", "sticky"]


def zeroed(report: dict | None, key: str = "perplexity"):
    """The same number with the long-term read zeroed, where the report has it."""
    return (report or {}).get("without_ltm_read", {}).get(key)


def variant_tables(root: Path) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """From results/variants/ (scripts/experiments/variants.sh): Table 1 fine-tuned, its perplexity
    by position, Table 2 and the section attention."""
    folder = root / "results" / "variants"
    lm, positions, dialogue, sections = [], [], [], []
    for v in VARIANT_ORDER:
        austen = read_json(folder / f"austen-{v}.json") if (folder / f"austen-{v}.json").is_file() else None
        cmu = read_json(folder / f"cmudog-{v}.json") if (folder / f"cmudog-{v}.json").is_file() else None
        dia = read_json(folder / f"dialogue-{v}.json") if (folder / f"dialogue-{v}.json").is_file() else None
        facts = train_facts(root, root / "runs" / f"lm-ft-{v}", f"lm-ft-{v}") if v != "stm-nodoc" else {}
        model = LABELS.get(v, "Transformer-XL (STM only), without the document")
        if austen or cmu:
            paper = PAPER_LM.get(v)
            lm.append({"variant": v, "model": model,
                       "austen_perplexity": (austen or {}).get("perplexity"),
                       "austen_bpc": (austen or {}).get("bits_per_character"),
                       "austen_perplexity_read_zeroed": zeroed(austen),
                       "cmudog_perplexity": (cmu or {}).get("perplexity"),
                       "cmudog_bpc": (cmu or {}).get("bits_per_character"),
                       "cmudog_perplexity_read_zeroed": zeroed(cmu), **facts,
                       "paper_model": paper[0] if paper else None, "paper_wikitext103": paper[1] if paper else None,
                       "paper_pg19": paper[2] if paper else None})
            for corpus, r in (("austen", austen), ("cmudog", cmu)):
                for k, b in enumerate((r or {}).get("by_position", [])):
                    positions.append({"variant": v, "corpus": corpus, "bin": k, "start_fraction": b["start_fraction"],
                                      "end_fraction": b["end_fraction"], "tokens": b["tokens"],
                                      "perplexity": b["perplexity"]})
        if dia:
            paper = PAPER_DIALOGUE.get(v, (None,) * 6)
            dialogue.append({"variant": v, "model": model, "perplexity": dia["perplexity"],
                             "perplexity_read_zeroed": zeroed(dia), "f1": pct(dia.get("f1")),
                             "rouge1": pct(dia.get("rouge1")), "rougeL": pct(dia.get("rougeL")),
                             "rouge1_recall": pct(dia.get("rouge1_recall")), "rougeL_recall": pct(dia.get("rougeL_recall")),
                             "conversations": dia["conversations"], "generated_conversations": dia.get("generated_conversations"),
                             "replies": dia.get("turns"), "paper_model": paper[0], "paper_perplexity": paper[1],
                             "paper_f1": paper[2], "paper_rouge1": paper[3], "paper_rougeL": paper[4],
                             "paper_meteor": paper[5],
                             **{f"{k}_{end}": pct(dia[f"{k}_ci95"][i]) if dia.get(f"{k}_ci95") else None
                                for k in ("f1", "rouge1", "rougeL") for i, end in enumerate(("low", "high"))}})
            sa = dia.get("section_attention")
            if sa:
                sections.append({"variant": v, "model": model, "mean_ratio": round(sa["mean_ratio"], 3),
                                 "control_mean_ratio": round(sa["control_mean_ratio"], 3), "replies": sa["replies"],
                                 "replies_without_section_in_memory": sa["replies_without_section_in_memory"],
                                 **{f"{k}_{end}": round(sa[f"{k}_ci95"][i], 3) if sa.get(f"{k}_ci95") else None
                                    for k in ("mean_ratio", "control_mean_ratio", "difference")
                                    for i, end in enumerate(("low", "high"))}})
    return pd.DataFrame(lm), pd.DataFrame(positions), pd.DataFrame(dialogue), pd.DataFrame(sections)


def pct(x):
    return None if x is None else round(100 * x, 2)


def with_interval(df: pd.DataFrame, key: str) -> pd.Series:
    """'value [low, high]' where the report has a 95% interval (key_low, key_high), else the value."""
    def cell(row):
        low, high = row.get(f"{key}_low"), row.get(f"{key}_high")
        return row[key] if low is None or pd.isna(low) else f"{row[key]} [{low}, {high}]"
    return df.apply(cell, axis=1)


def markdown(df: pd.DataFrame, columns: dict) -> str:
    shown = df[list(columns)].rename(columns=columns)
    header = "| " + " | ".join(shown.columns) + " |\n|" + "---|" * len(shown.columns) + "\n"
    cell = lambda x: "–" if pd.isna(x) else (f"{x:,}" if isinstance(x, numbers.Integral) else str(x))
    return header + "".join("| " + " | ".join(cell(x) for x in row) + " |\n" for row in shown.itertuples(index=False))


def main(root: Path = ROOT) -> str:
    """Write the CSV tables and TABLES.md under root/results; return the Markdown."""
    results = root / "results"
    by_length, by_basis, others = sorting_tables(root)
    lm, by_position = lm_tables(root)
    parts = []
    converged_runs, converged_length, converged_basis = converged_sorting_tables(root)
    if not converged_runs.empty:
        converged_runs.to_csv(results / "sorting_converged_runs.csv", index=False)
        converged_length.to_csv(results / "sorting_converged_by_length.csv", index=False)
        parts.append("### Sorting trained to convergence (Figure 3 left; scripts/experiments/sorting_converged.sh)\n\n"
                     + markdown(converged_length, {
                         "length": "length", "paper_length": "paper's length", "model": "model",
                         "accuracy": "accuracy (%, mean of seeds)", "seed_low": "lowest seed", "seed_high": "highest seed",
                         "seeds": "seeds", "paper_accuracy": "paper (%)", "steps": "steps", "stopped_by": "stopped by",
                         "train_minutes": "minutes (all seeds)", "local_reach": "local reach", "coverage": "coverage"}))
        trends = sorting_trends(table_rows(converged_length))
        if trends:
            parts.append("Which of the paper's trends reproduce:\n\n" + "".join(f"- {s}\n" for s in trends))
        if converged_basis.empty:  # no sweep run has finished: no stale table either
            (results / "sorting_converged_by_basis.csv").unlink(missing_ok=True)
        else:
            converged_basis.to_csv(results / "sorting_converged_by_basis.csv", index=False)
            parts.append("### Sorting trained to convergence, length 512, varying N (Figure 3 right)\n\n"
                         + markdown(converged_basis, {
                             "num_basis": "N", "paper_num_basis": "paper's N", "accuracy": "accuracy (%)",
                             "seed_low": "lowest seed", "seed_high": "highest seed", "seeds": "seeds",
                             "regression_error": "regression error", "paper_accuracy": "paper (%)",
                             "paper_regression_error": "paper's error", "stopped_by": "stopped by"}))
            trends = basis_trends(table_rows(converged_basis))
            if trends:
                parts.append("Which of the paper's trends along N reproduce:\n\n" + "".join(f"- {s}\n" for s in trends))
    replayed = results / "sorting_regression_by_basis.csv"   # scripts/experiments/sorting_regression_by_basis.py
    if replayed.is_file():
        parts.append("### Sorting: the shipped model's memory writes refitted with other bases (regression error only)\n\n"
                     + markdown(pd.read_csv(replayed), {"widths": "widths", "num_basis": "N",
                                                        "regression_error": "regression error"}))
    if not by_length.empty:
        by_length.to_csv(results / "sorting_by_length.csv", index=False)
        parts.append("### Sorting: accuracy by length (Figure 3 left)\n\n" + markdown(by_length, {
            "length": "length", "paper_length": "paper's length", "model": "model", "accuracy": "accuracy (%)",
            "accuracy_stderr": "± s.e.", "paper_accuracy": "paper (%)", "steps": "steps", "train_minutes": "minutes"}))
    if not by_basis.empty:
        by_basis.to_csv(results / "sorting_by_basis.csv", index=False)
        parts.append("### Sorting: length 512, varying N (Figure 3 right)\n\n" + markdown(by_basis, {
            "widths": "widths", "num_basis": "N", "paper_num_basis": "paper's N", "accuracy": "accuracy (%)",
            "accuracy_stderr": "± s.e.",
            "regression_error": "regression error", "paper_accuracy": "paper (%)",
            "paper_regression_error": "paper's error", "train_minutes": "minutes"}))
    if not others.empty:
        others.to_csv(results / "sorting_other_runs.csv", index=False)
        parts.append("### Sorting: other runs (see scripts/experiments/sorting.sh)\n\n" + markdown(others, {
            "run": "run", "length": "length", "num_basis": "N", "accuracy": "accuracy (%)", "accuracy_stderr": "± s.e.",
            "regression_error": "regression error", "train_minutes": "minutes"}))
    ceilings = results / "sorting_ceilings.csv"
    if ceilings.is_file():
        wide = pd.read_csv(ceilings).pivot(index="rule", columns="length", values="accuracy")
        wide = wide.loc[sorted(wide.index, key=lambda r: wide.loc[r].mean())].reset_index()
        wide.columns = [str(c) for c in wide.columns]
        parts.append("### Sorting: what the visible symbols allow (no training; accuracy %)\n\n" + markdown(
            wide, {"rule": "rule", **{c: f"length {c}" for c in wide.columns[1:]}}))
    if not lm.empty:
        lm.to_csv(results / "lm.csv", index=False)
        by_position.to_csv(results / "lm_by_position.csv", index=False)
        parts.append("### Language modelling on Austen (Table 1)\n\n" + markdown(lm, {
            "model": "model", "perplexity": "held-out ppl", "tokens": "tokens scored", "steps": "steps",
            "train_minutes": "minutes", "paper_model": "paper's row", "paper_wikitext103": "paper WT-103",
            "paper_pg19": "paper PG-19"}))
    finetuned, ft_positions, dialogue, sections = variant_tables(root)
    if not finetuned.empty:
        finetuned.to_csv(results / "finetuned_lm.csv", index=False)
        ft_positions.to_csv(results / "finetuned_lm_by_position.csv", index=False)
        parts.append("### Language modelling, every variant fine-tuned from one base (Table 1)\n\n" + markdown(finetuned, {
            "model": "model", "austen_perplexity": "Austen ppl", "austen_bpc": "Austen bits/char",
            "austen_perplexity_read_zeroed": "Austen ppl, read zeroed", "cmudog_perplexity": "CMU-DoG ppl",
            "cmudog_bpc": "CMU-DoG bits/char", "cmudog_perplexity_read_zeroed": "CMU-DoG ppl, read zeroed",
            "steps": "fine-tune steps", "train_minutes": "minutes", "paper_model": "paper's row",
            "paper_wikitext103": "paper WT-103", "paper_pg19": "paper PG-19"}))
    if not dialogue.empty:
        dialogue.to_csv(results / "dialogue.csv", index=False)
        for k in ("f1", "rouge1", "rougeL"):
            dialogue[k] = with_interval(dialogue, k)
        parts.append("### Document-grounded dialogue, CMU-DoG test (Table 2)\n\n" + markdown(dialogue, {
            "model": "model", "perplexity": "ppl", "perplexity_read_zeroed": "ppl, read zeroed", "f1": "F1 [95% interval]",
            "rouge1": "ROUGE-1 [95%]", "rougeL": "ROUGE-L [95%]", "rouge1_recall": "ROUGE-1 recall", "rougeL_recall": "ROUGE-L recall",
            "paper_model": "paper's row", "paper_perplexity": "paper ppl", "paper_f1": "paper F1",
            "paper_rouge1": "paper ROUGE-1", "paper_rougeL": "paper ROUGE-L", "paper_meteor": "paper METEOR"}))
    if not sections.empty:
        sections.to_csv(results / "section_attention.csv", index=False)
        sections["difference"] = (sections["mean_ratio"] - sections["control_mean_ratio"]).round(3)
        for k in ("mean_ratio", "control_mean_ratio", "difference"):
            sections[k] = with_interval(sections, k)
        parts.append("### Section attention: the writer's section against its share of the memory (1.0 = chance)\n\n"
                     + markdown(sections, {"model": "model", "mean_ratio": "writer's section",
                                           "control_mean_ratio": "control (docIdx shuffled)",
                                           "difference": "writer's − control [95%]", "replies": "replies"}))
    text = "<!-- written by scripts/experiments/tables.py -->\n\n" + "\n".join(parts)
    (results / "TABLES.md").write_text(text)
    return text


if __name__ == "__main__":
    print(main())
