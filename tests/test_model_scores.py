"""Every shipped model's scores.json says what its evaluation files say (nothing typed by hand), and
the Experiments page shows those numbers (issue 24: its "shipped default" row came from a model no
longer shipped)."""
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCORES = sorted((ROOT / "assets" / "models").glob("*/scores.json"))


@pytest.mark.parametrize("path", SCORES, ids=lambda p: p.parent.name)
def test_scores_are_the_evaluation_files_numbers(path):
    import sys
    sys.path.insert(0, str(ROOT / "scripts" / "experiments"))
    from model_scores import later_half
    scores = json.loads(path.read_text())
    assert scores["model"] == path.parent.name and scores["scores"]
    for row in scores["scores"]:
        report = json.loads((ROOT / row["file"]).read_text())
        assert Path(report["model"]).name == path.parent.name  # evaluated on this very model
        assert (row["bits_per_character"], row["tokens"]) == (report["bits_per_character"], report["tokens"])
        assert row["later_half_bits_per_character"] == later_half(report)


def test_the_experiments_page_shows_every_shipped_models_scores(monkeypatch, tmp_path):
    from streamlit.testing.v1 import AppTest
    monkeypatch.setenv("INFFORMER_RESULTS", str(tmp_path))
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60)
    at.run()
    assert not at.exception
    shown = at.dataframe[0].value
    for path in SCORES:
        scores = json.loads(path.read_text())
        column = f"{scores['model']}: bits/char"
        assert list(shown[column]) == [r["bits_per_character"] for r in scores["scores"]]
