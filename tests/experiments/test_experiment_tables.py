"""scripts/experiments/tables.py turns the evaluation JSON of every run into the results tables."""
import importlib.util
import json
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]


def load_tables():
    spec = importlib.util.spec_from_file_location("tables", ROOT / "scripts" / "experiments" / "tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sorting_report(variant, length, accuracy, error=None):
    return {"accuracy": accuracy, "accuracy_stderr": 0.01, "examples": 100, "length": length, "seed": 7,
            "variant": variant, "regression_error": error, "seconds": 1.0}


def lm_report(ppl):
    return {"perplexity": ppl, "tokens": 1000, "by_position": [
        {"start_fraction": 0.0, "end_fraction": 0.5, "tokens": 500, "perplexity": ppl + 1},
        {"start_fraction": 0.5, "end_fraction": 1.0, "tokens": 500, "perplexity": ppl - 1}]}


def test_tables_from_run_reports(tmp_path):
    sorting = tmp_path / "results" / "sorting"
    sorting.mkdir(parents=True)
    for name, report in {"stm-256": sorting_report("stm", 256, 0.5), "ltm-256": sorting_report("ltm", 256, 0.4, 0.2),
                         "ltm-512": sorting_report("ltm", 512, 0.3, 0.2),
                         "ltm-512-n16": sorting_report("ltm", 512, 0.25, 0.3)}.items():
        (sorting / f"{name}.json").write_text(json.dumps(report))
    run = tmp_path / "runs" / "sorting" / "ltm-512"
    run.mkdir(parents=True)
    (run / "metrics.csv").write_text("step,loss,accuracy,lr,valid_accuracy,regression_error,seconds\n"
                                     "1,3.0,0.05,0.001,,,1.0\n2,2.9,0.1,0.001,0.1,0.2,120.0\n")
    lm = tmp_path / "results" / "lm"
    lm.mkdir()
    for v, ppl in {"none": 60.0, "sticky": 50.0}.items():
        (lm / f"{v}.json").write_text(json.dumps(lm_report(ppl)))

    text = load_tables().main(tmp_path)

    by_length = pd.read_csv(tmp_path / "results" / "sorting_by_length.csv")
    assert list(by_length["run"]) == ["ltm-256", "stm-256", "ltm-512"]
    assert list(by_length["paper_accuracy"]) == [86.8, 91.0, 83.1]     # the paper's row for the same design place
    assert by_length.set_index("run").loc["ltm-512", "steps"] == 2
    assert by_length.set_index("run").loc["ltm-512", "train_minutes"] == 2.0
    by_basis = pd.read_csv(tmp_path / "results" / "sorting_by_basis.csv")
    assert list(by_basis["num_basis"]) == [16, 32] and list(by_basis["paper_num_basis"]) == [256, 512]
    assert list(by_basis["accuracy"]) == [25.0, 30.0]
    table = pd.read_csv(tmp_path / "results" / "lm.csv")
    assert list(table["variant"]) == ["none", "sticky"] and list(table["perplexity"]) == [60.0, 50.0]
    assert table["paper_pg19"].iloc[1] == 32.48
    by_position = pd.read_csv(tmp_path / "results" / "lm_by_position.csv")
    assert len(by_position) == 4
    assert list(by_position["ratio_to_none"]) == [1.0, 1.0, round(51 / 61, 3), round(49 / 59, 3)]
    assert (tmp_path / "results" / "curves" / "sorting-ltm-512.csv").is_file()
    assert "| 512 | 8,000 | ∞-former | 30.0 |" in text and (tmp_path / "results" / "TABLES.md").read_text() == text


def test_sorting_ceilings_rules():
    spec = importlib.util.spec_from_file_location("ceilings", ROOT / "scripts" / "experiments" / "sorting_ceilings.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    answer = list(range(19, -1, -1))
    assert module.teacher_forced_accuracy(answer, answer) == 1.0
    # the reverse ranking keeps predicting 0, which is right only at the last position
    assert module.teacher_forced_accuracy(list(range(20)), answer) == 0.05
    rows = {r["rule"]: r["accuracy"] for r in module.ceilings(40, examples=50, windows=(10,))}
    assert rows["counts of everything"] == 100.0
    assert 17.9 < rows["exclusion only"] < 18.1
    assert rows["exclusion only"] < rows["counts of the last 10"] < 100.0


def test_variant_tables_from_reports(tmp_path):
    folder = tmp_path / "results" / "variants"
    folder.mkdir(parents=True)
    for v, ppl in {"stm": 40.0, "sticky": 38.0}.items():
        report = {**lm_report(ppl), "bits_per_character": 1.5}
        if v == "sticky":
            report["without_ltm_read"] = {"perplexity": 39.0}
        (folder / f"austen-{v}.json").write_text(json.dumps(report))
        (folder / f"dialogue-{v}.json").write_text(json.dumps({
            "perplexity": ppl / 2, "conversations": 150, "generated_conversations": 30, "turns": 600,
            "f1": 0.081, "rouge1": 0.12, "rougeL": 0.1, "rouge1_recall": 0.13, "rougeL_recall": 0.11,
            "f1_ci95": [0.07, 0.09],
            "section_attention": None if v == "stm" else {"mean_ratio": 1.4, "control_mean_ratio": 1.1,
                                                          "replies": 590, "replies_without_section_in_memory": 10,
                                                          "difference_ci95": [0.1, 0.5]}}))
    (folder / "dialogue-stm-nodoc.json").write_text(json.dumps({"perplexity": 25.0, "conversations": 150, "f1": 0.07}))
    load_tables().main(tmp_path)
    lm = pd.read_csv(tmp_path / "results" / "finetuned_lm.csv")
    assert list(lm["variant"]) == ["stm", "sticky"] and list(lm["austen_perplexity"]) == [40.0, 38.0]
    assert pd.isna(lm["austen_perplexity_read_zeroed"].iloc[0]) and lm["austen_perplexity_read_zeroed"].iloc[1] == 39.0
    dialogue = pd.read_csv(tmp_path / "results" / "dialogue.csv")
    assert list(dialogue["variant"]) == ["stm-nodoc", "stm", "sticky"]
    assert list(dialogue["f1"]) == [7.0, 8.1, 8.1] and list(dialogue["paper_f1"]) == [7.82, 8.64, 9.01]
    sections = pd.read_csv(tmp_path / "results" / "section_attention.csv")
    assert list(sections["variant"]) == ["sticky"] and sections["mean_ratio"].iloc[0] == 1.4
    assert list(dialogue["f1_low"].iloc[1:]) == [7.0, 7.0] and pd.isna(dialogue["f1_low"].iloc[0])
    assert list(sections["difference_low"]) == [0.1] and pd.isna(sections["mean_ratio_low"].iloc[0])
    tables_md = (tmp_path / "results" / "TABLES.md").read_text()
    assert "Table 2" in tables_md and "| 8.1 [7.0, 9.0] |" in tables_md and "| 0.3 [0.1, 0.5] |" in tables_md


def test_converged_sorting_tables_pool_the_seeds(tmp_path):
    """results/sorting-converged/VARIANT-LENGTH[-nN][-gate]-sS.json: Figure 3 left from the gated ∞-former
    and the baselines, seeds pooled (mean, lowest, highest); the ungated run only among the runs; the N sweep from its own runs (-nN), N = 32 included."""
    out = tmp_path / "results" / "sorting-converged"
    out.mkdir(parents=True)
    reports = {"ltm-512-gate-s0": ("ltm", 0.40), "ltm-512-gate-s1": ("ltm", 0.30), "stm-512-s0": ("stm", 0.25),
               "stm-512-s1": ("stm", 0.27), "ltm-512-s0": ("ltm", 0.10), "ltm-512-n16-gate-s0": ("ltm", 0.33),
               "ltm-512-n32-gate-s0": ("ltm", 0.31)}
    for name, (variant, acc) in reports.items():
        report = {**sorting_report(variant, 512, acc), "local_reach": 192, "coverage": None if variant == "ltm" else 192}
        if name == "stm-512-s1":   # finished: its run folder is gone, its report says why it stopped
            report["stopped_by"] = "plateau"
        (out / f"{name}.json").write_text(json.dumps(report))
    run = tmp_path / "runs" / "sorting" / "ltm-512-gate-s0"
    run.mkdir(parents=True)
    (run / "train_state.json").write_text(json.dumps({"step": 9000, "train": {"steps": 20000}, "stopped": "plateau: ..."}))
    (run / "metrics.csv").write_text("step,loss,accuracy,lr,valid_accuracy,regression_error,seconds\n"
                                     "6500,2.1,0.3,0.001,0.31,,400.0\n7000,2.1,0.3,0.001,0.33,,450.0\n"
                                     "8999,2.0,0.4,0.001,,,599.0\n9000,2.0,0.4,0.001,0.4,,600.0\n")
    other = tmp_path / "runs" / "sorting" / "stm-512-s0"
    other.mkdir(parents=True)
    (other / "train_state.json").write_text(json.dumps({"step": 20000, "train": {"steps": 20000}}))

    text = load_tables().main(tmp_path)

    runs = pd.read_csv(tmp_path / "results" / "sorting_converged_runs.csv").set_index("run")
    assert len(runs) == 7 and runs.loc["ltm-512-s0", "model"] == "∞-former, no gate"
    assert runs.loc["ltm-512-gate-s0", "stopped_by"] == "plateau" and runs.loc["stm-512-s0", "stopped_by"] == "steps"
    assert runs.loc["stm-512-s1", "stopped_by"] == "plateau" and pd.isna(runs.loc["ltm-512-s0", "stopped_by"])
    # validation gain over the last 2,000 steps: 9,000 against 7,000 (not 6,500); none without a curve
    assert runs.loc["ltm-512-gate-s0", "valid_gain_last_2000"] == 7.0 and pd.isna(runs.loc["stm-512-s0", "valid_gain_last_2000"])
    table = pd.read_csv(tmp_path / "results" / "sorting_converged_by_length.csv")
    # every point of the paper's figure has a row; those without a finished run say so
    assert len(table) == 9 and set(table["paper_accuracy"]) >= {91.0, 86.1, 72.0}
    waiting = table[table["seeds"] == 0]
    assert len(waiting) == 7 and set(waiting["stopped_by"]) == {"not run yet"} and waiting["accuracy"].isna().all()
    by_length = table[table["seeds"] > 0].set_index("variant")
    assert list(by_length.index) == ["ltm", "stm"]   # the ungated ∞-former is the ablation, not a point
    ltm = by_length.loc["ltm"]
    assert (ltm["accuracy"], ltm["seed_low"], ltm["seed_high"], ltm["seeds"]) == (35.0, 30.0, 40.0, 2)
    assert ltm["paper_accuracy"] == 83.1 and ltm["steps"] == 9000 and ltm["stopped_by"] == "plateau"
    assert by_length.loc["stm", "stopped_by"] == "plateau, steps"
    assert ltm["accuracy_stderr"] == round(1.0 / 2 ** 0.5, 2)   # two seeds' sampling errors of 1 point, pooled
    by_basis = pd.read_csv(tmp_path / "results" / "sorting_converged_by_basis.csv")
    # the sweep's own N = 32 (widths ×16), not the main runs' (the reference's widths)
    done = by_basis[by_basis["seeds"] > 0]
    assert list(done["num_basis"]) == [16, 32] and list(done["accuracy"]) == [33.0, 31.0]
    # and a row for each of the paper's other N, so its whole curve is drawn
    assert list(by_basis["num_basis"]) == [8, 16, 32, 64, 128] and by_basis["paper_accuracy"].notna().all()
    assert set(by_basis.loc[by_basis["seeds"] == 0, "stopped_by"]) == {"not run yet"}
    assert "Sorting trained to convergence" in text
    # the plain statement along N, from the finished points only (infformer/sorting_trends.basis_trends)
    assert "Which of the paper's trends along N reproduce" in text
    assert "Accuracy from N = 16 to N = 32: 33.0 → 31.0 (−2.0 points, falls)" in text
