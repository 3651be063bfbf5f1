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
    from model_scores import digests, later_half
    scores = json.loads(path.read_text())
    assert scores["model"] == path.parent.name and scores["scores"]
    for row in scores["scores"]:
        report = json.loads((ROOT / row["file"]).read_text())
        if Path(report["model"]).name != path.parent.name:   # evaluated on a copy: these very files
            assert report["model"] == scores["evaluated"] and digests(path.parent) == scores["sha256"]
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


def test_scores_of_a_copy_need_the_same_files(tmp_path, monkeypatch):
    import sys
    sys.path.insert(0, str(ROOT / "scripts" / "experiments"))
    import model_scores
    run, shipped, results = tmp_path / "runs" / "r", tmp_path / "assets" / "shipped", tmp_path / "results" / "x"
    for d in (run, shipped, results):
        d.mkdir(parents=True)
    for d in (run, shipped):
        (d / "config.json").write_text("{}")
        (d / "model-00001-of-00001.safetensors").write_bytes(b"weights")
    report = {"model": "runs/r", "tokens": 10, "bits_per_character": 1.0, "perplexity": 2.0,
              "by_position": [{"start_fraction": 0.5, "characters": 4, "bits_per_character": 1.0}]}
    (results / "legal-gpl3.json").write_text(json.dumps(report))
    monkeypatch.setattr(model_scores, "ROOT", tmp_path)
    out = model_scores.scores(results, "shipped", shipped)
    assert out["evaluated"] == "runs/r" and out["sha256"] == model_scores.digests(shipped)
    assert len(out["sha256"]) == 2 and out["scores"][0]["later_half_bits_per_character"] == 1.0
    (shipped / "model-00001-of-00001.safetensors").write_bytes(b"other weights")
    with pytest.raises(SystemExit, match="model-00001-of-00001.safetensors differ"):
        model_scores.scores(results, "shipped", shipped)
    with pytest.raises(SystemExit, match="made on runs/r, not on shipped"):
        model_scores.scores(results, "shipped")
