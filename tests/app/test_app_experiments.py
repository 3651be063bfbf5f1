"""The Experiments page and its figure builders, on synthetic results in the schema of
scripts/experiments/tables.py: full, empty, and with a column missing. No model is needed."""
import numpy as np
import pandas as pd
from app_helpers import ROOT, arr, assert_clean, errors, figures, widget

from infformer.viz import experiments as ve

PAPER_BY_LENGTH = {256: (4000, {"stm": 91.0, "compressive": 86.1, "ltm": 86.8}),
                   512: (8000, {"stm": 63.1, "compressive": 77.0, "ltm": 83.1}),
                   1024: (16000, {"stm": 34.9, "compressive": 72.0, "ltm": 80.2})}


def by_length() -> pd.DataFrame:
    rows = [{"run": f"{v}-{n}", "variant": v, "length": n, "num_basis": None if v == "stm" else 32,
             "accuracy": 90 - n / 20 - i, "accuracy_stderr": 0.5 + i / 10, "regression_error": 0.1, "examples": 1000,
             "seed": 12345, "steps": 2000, "train_minutes": 10.0, "paper_length": paper_n, "paper_accuracy": paper[v]}
            for n, (paper_n, paper) in PAPER_BY_LENGTH.items() for i, v in enumerate(("compressive", "ltm", "stm"))]
    return pd.DataFrame(rows)


def by_basis() -> pd.DataFrame:
    paper = {8: (128, 82.7, 0.145), 16: (256, 83.4, 0.125), 32: (512, 83.7, 0.104), 64: (1024, 84.7, 0.086),
             128: (2048, 81.9, 0.065)}
    return pd.DataFrame([{"run": f"ltm-512-n{n}", "variant": "ltm", "length": 512, "num_basis": n, "accuracy": 70 + k,
                          "accuracy_stderr": 0.4, "regression_error": 0.3 / (k + 1), "examples": 1000, "seed": 12345,
                          "steps": 2000, "train_minutes": 9.0, "paper_num_basis": pn, "paper_accuracy": pa,
                          "paper_regression_error": pe} for k, (n, (pn, pa, pe)) in enumerate(paper.items())])


LM_PAPER = {"stm": ("GPT-2", 16.85, 33.44), "compressive": ("Compressive", 16.87, 33.09),
            "ltm": ("∞-former", 16.64, 32.61), "sticky": ("∞-former (sticky memories)", 16.61, 32.48)}
LM_VARIANTS = ("none", "stm", "compressive", "ltm", "sticky")


def lm() -> pd.DataFrame:
    rows = []
    for i, v in enumerate(LM_VARIANTS):
        paper_model, wikitext103, pg19 = LM_PAPER.get(v, (None,) * 3)
        rows.append({"variant": v, "model": ve.label(v), "perplexity": 60.0 - 2 * i, "tokens": 50000, "steps": 2000,
                     "train_minutes": 100.0, "paper_model": paper_model, "paper_wikitext103": wikitext103,
                     "paper_pg19": pg19})
    return pd.DataFrame(rows)


CEILINGS = {"exclusion only": (17.99, 17.99, 17.99), "counts of the last 107": (35.96, 31.82, 29.63),
            "counts of the last 171": (45.54, 35.12, 31.92), "counts of everything": (100.0, 100.0, 100.0)}


def ceilings() -> pd.DataFrame:
    """sorting_ceilings.csv as scripts/experiments/sorting_ceilings.py writes it."""
    return pd.DataFrame([{"length": n, "rule": rule, "window": 0 if rule == "exclusion only" else
                          n if rule == "counts of everything" else int(rule.split()[-1]), "accuracy": acc[k]}
                         for rule, acc in CEILINGS.items() for k, n in enumerate((256, 512, 1024))])


def by_position(variants=LM_VARIANTS) -> pd.DataFrame:
    # memory helps more later: perplexity falls along the text, faster with more memory
    return pd.DataFrame([{"variant": v, "bin": k, "start_fraction": k / 10, "end_fraction": (k + 1) / 10,
                          "tokens": 5000, "perplexity": 60.0 - i * k / 2}
                         for i, v in enumerate(variants) for k in range(10)])


def sorting_curve(steps=600, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    step = np.arange(1, steps + 1)
    valid = np.where(step % 250 == 0, np.minimum(1, step / steps), np.nan)
    return pd.DataFrame({"step": step, "loss": 3 - step / steps + rng.normal(0, 0.1, steps),
                         "accuracy": np.minimum(1, step / steps), "lr": 1e-3, "valid_accuracy": valid,
                         "regression_error": np.where(step % 250 == 0, 0.1, np.nan), "seconds": step * 0.1})


def lm_curve(steps=1000) -> pd.DataFrame:
    step = np.arange(1, steps + 1)
    return pd.DataFrame({"step": step, "tokens": step * 1024, "loss": 8 - 3 * step / steps, "kl": 0.0, "lr": 1e-3,
                         "val_loss": np.where(step % 500 == 0, 5.5, np.nan), "seconds": step * 0.9})


def write_results(directory, with_ceilings=True, **drop) -> None:
    """Every results file of tables.py in `directory` (and sorting_ceilings.csv unless not
    `with_ceilings`); drop={file stem: column} leaves a column out."""
    tables = {"sorting_by_length": by_length(), "sorting_by_basis": by_basis(), "lm": lm(),
              "lm_by_position": by_position(), **({"sorting_ceilings": ceilings()} if with_ceilings else {}),
              "finetuned_lm": finetuned(), "dialogue": dialogue(), "section_attention": sections()}
    for name, df in tables.items():
        df.drop(columns=[drop[name]] if name in drop else []).to_csv(directory / f"{name}.csv", index=False)
    (directory / "curves").mkdir()
    for run in ("stm-512", "ltm-512", "ltm-256"):
        sorting_curve().to_csv(directory / "curves" / f"sorting-{run}.csv", index=False)
    for v in ("none", "ltm"):
        lm_curve().to_csv(directory / "curves" / f"lm-{v}.csv", index=False)


def finetuned() -> pd.DataFrame:
    return pd.DataFrame({"variant": ["stm", "sticky"], "model": ["STM only", "sticky"],
                         "austen_perplexity": [40.0, 38.0], "cmudog_perplexity": [20.0, 19.5]})


def dialogue() -> pd.DataFrame:
    return pd.DataFrame({"variant": ["stm-nodoc", "stm", "sticky"], "model": ["no doc", "STM only", "sticky"],
                         "perplexity": [25.0, 24.0, 23.5], "f1": [7.0, 8.0, 8.5], "rouge1": [10.0, 11.0, 12.0],
                         "rougeL": [9.0, 10.0, 11.0], "paper_f1": [7.82, 8.64, 9.01]})


def sections() -> pd.DataFrame:
    return pd.DataFrame({"variant": ["sticky"], "model": ["sticky"], "mean_ratio": [1.4], "control_mean_ratio": [1.1],
                         "replies": [500]})


def test_page_shows_tables_1_and_2_and_the_section_attention(monkeypatch, tmp_path):
    write_results(tmp_path)
    at = open_experiments(monkeypatch, tmp_path)
    shown = [d.value for d in at.dataframe]
    assert any("f1" in d.columns and list(d["f1"]) == [7.0, 8.0, 8.5]
               for d in shown)
    assert any("mean_ratio" in d.columns and d["mean_ratio"].iloc[0] == 1.4 for d in shown)
    assert any("austen_perplexity" in d.columns for d in shown)


# ------------------------------------------------------------------ builders
def test_sorting_by_length_ours_beside_the_papers():
    df = by_length()
    fig = ve.sorting_by_length_figure(df)
    ours = [t for t in fig.data if t.xaxis == "x"]
    paper = [t for t in fig.data if t.xaxis == "x2"]
    assert [t.name for t in ours] == [ve.label(v) for v in ("stm", "compressive", "ltm")]  # the paper's order
    assert len(paper) == 3 and all(t.line.dash == "dash" for t in paper)
    stm = df[df["variant"] == "stm"].sort_values("length")
    np.testing.assert_allclose(ours[0].y, stm["accuracy"])
    np.testing.assert_allclose(ours[0].error_y.array, stm["accuracy_stderr"])
    np.testing.assert_allclose(paper[0].x, [4000, 8000, 16000])
    np.testing.assert_allclose(paper[0].y, [91.0, 63.1, 34.9])
    assert fig.layout.xaxis.type == "log" and list(fig.layout.xaxis2.ticktext) == ["4,000", "8,000", "16,000"]
    assert fig.layout.yaxis.title.text == "accuracy (%)"


def test_sorting_by_length_with_reference_lines():
    fig = ve.sorting_by_length_figure(by_length(), ceilings=ceilings())
    lines = [t for t in fig.data if t.line.dash == "dot"]
    assert [t.name for t in lines] == list(CEILINGS) and all(t.xaxis == "x" and t.line.width == 1 for t in lines)
    for t, (rule, acc) in zip(lines, CEILINGS.items(), strict=False):
        np.testing.assert_allclose(t.x, [256, 512, 1024])
        np.testing.assert_allclose(t.y, acc)
        assert t.text[0] == rule and not t.showlegend
    models = [t.name for t in fig.data if t.xaxis == "x" and t.line.dash != "dot"]
    assert models == [ve.label(v) for v in ("stm", "compressive", "ltm")]
    assert not [t for t in ve.sorting_by_length_figure(by_length()).data if t.line.dash == "dot"]


def test_sorting_by_length_without_a_paper_value():
    df = by_length()
    df.loc[df["length"] == 1024, ["paper_length", "paper_accuracy"]] = np.nan  # a length the paper has not
    fig = ve.sorting_by_length_figure(df)
    paper = [t for t in fig.data if t.xaxis == "x2"]
    assert all(len(t.x) == 2 for t in paper)


def test_sorting_by_basis_accuracy_and_error():
    df = by_basis()
    fig = ve.sorting_by_basis_figure(df)
    assert [(t.name, t.xaxis) for t in fig.data] == [("∞-former, ours", "x"), ("∞-former, paper", "x"),
                                                     ("∞-former, ours", "x2"), ("∞-former, paper", "x2")]
    np.testing.assert_allclose(fig.data[1].y, df["paper_accuracy"])
    np.testing.assert_allclose(fig.data[3].y, df["paper_regression_error"])
    np.testing.assert_allclose(fig.data[2].y, df["regression_error"])
    assert fig.layout.xaxis.ticktext[0] == "8<br>(paper 128)"
    assert "length 512" in fig.layout.title.text


def test_sorting_by_basis_one_line_per_width_setting():
    ref = by_basis().assign(widths="0.01, 0.05 (reference)")
    wide = ref.assign(widths="0.16, 0.8 (×16)", accuracy=ref["accuracy"] + 1, paper_accuracy=np.nan)
    fig = ve.sorting_by_basis_figure(pd.concat([ref, wide]))
    names = [t.name for t in fig.data if t.xaxis == "x"]
    assert names == ["∞-former, ours: widths 0.01, 0.05 (reference)", "∞-former, ours: widths 0.16, 0.8 (×16)",
                     "∞-former, paper"]
    np.testing.assert_allclose(fig.data[1].y, ref["accuracy"] + 1)
    np.testing.assert_allclose(fig.data[2].y, ref["paper_accuracy"])   # the paper's line drawn once


def test_lm_perplexity_beside_the_paper():
    fig = ve.lm_perplexity_figure(lm())
    ours, wt103, pg19 = fig.data
    assert list(ours.y) == [ve.label(v) for v in LM_VARIANTS]
    np.testing.assert_allclose(ours.x, lm()["perplexity"])
    np.testing.assert_allclose(wt103.x, [np.nan, 16.85, 16.87, 16.64, 16.61])
    np.testing.assert_allclose(pg19.x, [np.nan, 33.44, 33.09, 32.61, 32.48])


def test_lm_by_position_with_and_without_the_memoryless_model():
    df = by_position()
    fig = ve.lm_by_position_figure(df)
    lines = [t for t in fig.data if t.yaxis == "y"]
    ratios = [t for t in fig.data if t.yaxis == "y2"]
    assert len(lines) == 5 and len(ratios) == 4
    np.testing.assert_allclose(lines[0].x, np.arange(10) / 10 + 0.05)
    ltm = df[df["variant"] == "ltm"]["perplexity"].to_numpy()
    np.testing.assert_allclose(ratios[2].y, ltm / 60.0)
    fig = ve.lm_by_position_figure(by_position(("stm", "ltm")))
    assert len(fig.data) == 2 and {t.yaxis for t in fig.data} == {"y"}


def test_learning_curves_smooth_the_loss_and_mark_validation():
    curves = {"stm-512": sorting_curve(), "ltm-512": sorting_curve(seed=1)}
    fig = ve.learning_curves_figure(curves, window=10)
    assert len(fig.data) == 6  # per run: loss, training accuracy, validation accuracy
    loss, train_acc, valid = fig.data[:3]
    np.testing.assert_allclose(loss.y, curves["stm-512"]["loss"].rolling(10, 1, center=True).mean())
    assert list(valid.x) == [250, 500] and valid.mode == "markers" and valid.yaxis == "y2"
    np.testing.assert_allclose(valid.y, 100 * curves["stm-512"]["valid_accuracy"].dropna())
    fig = ve.learning_curves_figure({"none": lm_curve()})
    assert [t.mode for t in fig.data] == ["lines", "markers"] and list(fig.data[1].x) == [500, 1000]
    assert {t.yaxis for t in fig.data} == {"y"}


def test_run_order():
    runs = ["stm-1024", "ltm-512-n16", "ltm-1024", "compressive-256", "ltm-512", "stm-256", "ltm-512-n128"]
    assert sorted(runs, key=ve.run_order) == ["stm-256", "stm-1024", "compressive-256", "ltm-512", "ltm-512-n16",
                                              "ltm-512-n128", "ltm-1024"]
    assert sorted(["sticky", "other", "none", "ltm"], key=ve.run_order) == ["none", "ltm", "sticky", "other"]


# ------------------------------------------------------------------ the page
def open_experiments(monkeypatch, directory):
    """The page on its own (it needs nothing from the sidebar), reading `directory`."""
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("INFFORMER_RESULTS", str(directory))
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60)
    at.run()
    assert_clean(at)
    return at


def test_page_with_all_results(monkeypatch, tmp_path):
    write_results(tmp_path)
    at = open_experiments(monkeypatch, tmp_path)
    assert not errors(at) and not at.info
    figs = figures(at)
    assert len(figs) == 6  # by length, by N, perplexity, by position, sorting curves, LM curves
    paper = [t for t in figs[0]["data"] if t.get("xaxis") == "x2"]
    np.testing.assert_allclose(arr(paper[2]["y"]).astype(float), [86.8, 83.1, 80.2])  # the ∞-former's
    reference = [t for t in figs[0]["data"] if t.get("line", {}).get("dash") == "dot"]
    assert [t["name"] for t in reference] == list(CEILINGS)
    np.testing.assert_allclose(arr(reference[1]["y"]).astype(float), CEILINGS["counts of the last 107"])
    assert len(figs[3]["data"]) == 9
    assert [t["name"] for t in figs[4]["data"] if t.get("showlegend") is not False] == ["stm-512", "ltm-512"]
    lm_runs = [t["name"] for t in figs[5]["data"] if t.get("showlegend") is not False]
    assert lm_runs == [ve.label("none"), ve.label("ltm")]
    assert len(at.dataframe) == 8  # the shipped models, by length, the reference accuracies, by N, LM, fine-tuned LM, dialogue, sections
    widget(at, "multiselect", "Sorting runs").set_value(["ltm-256"]).run()
    assert_clean(at)
    assert [t["name"] for t in figures(at)[4]["data"]][0] == "ltm-256"


def test_page_without_results(monkeypatch, tmp_path):
    at = open_experiments(monkeypatch, tmp_path)
    assert not figures(at) and not errors(at)
    infos = " ".join(i.value for i in at.info)
    for name in ("sorting_by_length.csv", "sorting_by_basis.csv", "lm.csv", "lm_by_position.csv",
                 "curves/sorting-*.csv", "curves/lm-*.csv", "scripts/experiments/sorting.sh",
                 "scripts/experiments/lm.sh"):
        assert name in infos


def test_page_without_the_reference_lines(monkeypatch, tmp_path):
    write_results(tmp_path, with_ceilings=False)
    at = open_experiments(monkeypatch, tmp_path)
    assert not errors(at) and not at.info and len(figures(at)) == 6
    assert not [t for t in figures(at)[0]["data"] if t.get("line", {}).get("dash") == "dot"]
    assert any("sorting_ceilings.csv" in c.value for c in at.caption)


def test_page_with_a_missing_column(monkeypatch, tmp_path):
    write_results(tmp_path, sorting_by_length="accuracy_stderr")
    at = open_experiments(monkeypatch, tmp_path)
    (message,) = errors(at)
    assert "sorting_by_length.csv" in message and "`accuracy_stderr`" in message
    assert len(figures(at)) == 5  # the rest of the page still shows


def test_page_with_a_reference_file_lacking_a_column(monkeypatch, tmp_path):
    write_results(tmp_path, sorting_ceilings="rule")
    at = open_experiments(monkeypatch, tmp_path)
    (message,) = errors(at)
    assert "sorting_ceilings.csv" in message and "`rule`" in message
    assert len(figures(at)) == 6 and not [t for t in figures(at)[0]["data"] if t.get("line", {}).get("dash") == "dot"]


def converged() -> pd.DataFrame:
    """sorting_converged_by_length.csv: seeds pooled, the error bars from the lowest to the highest seed."""
    rows = []
    for n, (paper_n, paper) in PAPER_BY_LENGTH.items():
        for i, v in enumerate(("compressive", "ltm", "stm")):
            acc = 60 - n / 40 + 5 * i
            rows.append({"variant": v, "gate": v == "ltm", "length": n, "num_basis": 32, "model": ve.label(v),
                         "accuracy": acc, "seed_low": acc - 1, "seed_high": acc + 2, "seeds": 2, "accuracy_stderr": 0.3,
                         "steps": 20000, "stopped_by": "steps", "paper_length": paper_n, "paper_accuracy": paper[v]})
    return pd.DataFrame(rows)


def test_page_shows_the_converged_sorting_with_seed_error_bars(monkeypatch, tmp_path):
    write_results(tmp_path)
    converged().to_csv(tmp_path / "sorting_converged_by_length.csv", index=False)
    for run in ("ltm-512-gate-s0", "stm-512-s0", "ltm-512-n8-gate-s0", "ltm-1024-gate-s0"):
        sorting_curve().to_csv(tmp_path / "curves" / f"sorting-converged-{run}.csv", index=False)
    at = open_experiments(monkeypatch, tmp_path)
    assert not errors(at)
    figs = figures(at)
    assert len(figs) == 7 and "convergence" in figs[0]["layout"]["title"]["text"]
    ours = [t for t in figs[0]["data"] if t.get("xaxis", "x") == "x" and t.get("line", {}).get("dash") != "dot"]
    bars = ours[0]["error_y"]
    assert bars["symmetric"] is False
    np.testing.assert_allclose(arr(bars["array"]).astype(float), 2.0)
    np.testing.assert_allclose(arr(bars["arrayminus"]).astype(float), 1.0)
    assert "lowest and the highest seed" in " ".join(figs[0]["layout"]["meta"]["notes"])
    assert any("seed_low" in d.value.columns for d in at.dataframe)
    # the plain statement of which trends reproduce, rebuilt from the table (infformer/experiments/sorting/trends.py)
    trends = [m.value for m in at.markdown if "Which of the paper's trends reproduce" in m.value]
    assert len(trends) == 1
    assert "Length 512: ours Compressive 47.2 < ∞-former 52.2 < Transformer-XL 57.2" in trends[0]
    assert "**a different order**" in trends[0] and "falls least" in trends[0]
    # the learning curves start on the converged runs at the middle length (not the N sweep's)
    assert at.multiselect(key="_w_exp_curves_sorting").value == ["converged-ltm-512-gate-s0", "converged-stm-512-s0"]


def test_page_says_which_trends_along_n_reproduce(monkeypatch, tmp_path):
    write_results(tmp_path)
    converged().to_csv(tmp_path / "sorting_converged_by_length.csv", index=False)
    sweep = by_basis().assign(seed_low=lambda d: d["accuracy"] - 1, seed_high=lambda d: d["accuracy"] + 1, seeds=2)
    sweep.to_csv(tmp_path / "sorting_converged_by_basis.csv", index=False)
    at = open_experiments(monkeypatch, tmp_path)
    assert not errors(at)
    trends = [m.value for m in at.markdown if "Which of the paper's trends along N reproduce" in m.value]
    assert len(trends) == 1
    # by_basis(): accuracy 70 → 74 rising to its last N, error 0.3 / (k + 1) falling at every doubling
    assert "Accuracy from N = 8 to N = 128: 70.0 → 71.0 → 72.0 → 73.0 → 74.0 (+4.0 points, rises)" in trends[0]
    assert "**a different peak**" in trends[0]   # the paper's peaks at N = 1,024 (our 64)
    assert "(falls at every step)" in trends[0] and "**reproduces**" in trends[0]
    # the fit alone (scripts/experiments/sorting_regression_by_basis.py): shown when written
    assert not any("the fit alone" in m.value for m in at.markdown)
    pd.DataFrame({"widths": ["0.16, 0.8", "0.01, 0.05"], "num_basis": [8, 8], "regression_error": [0.7, 0.85]}).to_csv(
        tmp_path / "sorting_regression_by_basis.csv", index=False)
    at = open_experiments(monkeypatch, tmp_path)
    assert not errors(at) and any("the fit alone" in m.value for m in at.markdown)
    assert any(list(d.value.columns) == ["widths", "num_basis", "regression_error"] for d in at.dataframe)
