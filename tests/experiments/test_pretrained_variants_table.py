"""Issue 27's variants table on fixture JSON: seeds pooled as mean ± standard deviation, the later half
pooled by characters, a missing text shown as a dash."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "experiments"))
from pretrained_variants_table import table  # noqa: E402


def report(bpc: float, early: float, late: float) -> dict:
    return {"bits_per_character": bpc, "tokens": 100, "by_position": [
        {"start_fraction": 0.0, "characters": 300, "bits_per_character": early},
        {"start_fraction": 0.5, "characters": 100, "bits_per_character": late},
        {"start_fraction": 0.75, "characters": 300, "bits_per_character": late + 0.2}]}


def write(root: Path, name: str, texts: dict) -> None:
    (root / name).mkdir(parents=True)
    for key, r in texts.items():
        (root / name / f"{key}.json").write_text(json.dumps(r))


def test_the_table_pools_seeds_and_the_later_half(tmp_path):
    write(tmp_path, "baseline", {"legal-gpl3": report(1.0, 1.1, 0.8), "manual-ssh": report(0.9, 1.0, 0.7)})
    write(tmp_path, "s0", {"legal-gpl3": report(0.96, 1.0, 0.8)})
    write(tmp_path, "s1", {"legal-gpl3": report(0.98, 1.0, 1.0), "manual-ssh": report(0.95, 1.0, 0.9)})
    out = table(tmp_path, ["sticky=s0,s1", "linear=nothing"])
    lines = out.splitlines()
    assert lines[0] == "| text | SmolLM2, 512-token segments | sticky | linear |"
    gpl = next(line for line in lines if line.startswith("| GPL-3"))
    # baseline later half: (0.8·100 + 1.0·300) / 400 = 0.95; seeds 0.96, 0.98 -> 0.970 ± 0.014
    assert "1.000 / 0.950" in gpl and "0.970 ± 0.014 (n=2)" in gpl and gpl.endswith("| – |")
    ssh = next(line for line in lines if line.startswith("| ssh(1)"))
    assert "0.950 / 1.050" in ssh  # one seed has it: its own numbers (later half (0.9·100 + 1.1·300) / 400)


def test_the_csv_rows_pool_seeds_and_the_experiments_page_shows_them(tmp_path, monkeypatch):
    from pretrained_variants_table import rows
    write(tmp_path, "baseline", {"legal-gpl3": report(1.0, 1.1, 0.8)})
    write(tmp_path, "s0", {"legal-gpl3": report(0.96, 1.0, 0.8)})
    write(tmp_path, "s1", {"legal-gpl3": report(0.98, 1.0, 1.0)})
    out = rows(tmp_path, ["sticky=s0,s1"])
    assert [(r["model"], r["seeds"]) for r in out] == [("SmolLM2, 512-token segments", 1), ("sticky", 2)]
    assert out[1]["bits_per_character"] == 0.97 and out[1]["bits_per_character_sd"] == 0.0141
    import pandas as pd
    from app_helpers import assert_clean
    from streamlit.testing.v1 import AppTest
    results = tmp_path / "results"
    results.mkdir()
    pd.DataFrame(out).to_csv(results / "pretrained_variants.csv", index=False)
    monkeypatch.setenv("INFFORMER_RESULTS", str(results))
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60).run()
    assert_clean(at)
    table = next(d.value for d in at.dataframe if "sticky" in d.value.columns)
    assert table.loc["GPL-3 (legal)", "sticky"] == "0.970 ± 0.014 / 1.050"  # later halves 0.95 and 1.15
    assert table.loc["GPL-3 (legal)", "SmolLM2, 512-token segments"] == "1.000 / 0.950"
