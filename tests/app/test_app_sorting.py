"""AppTest: the Sorting page on a tiny sorting model (INFFORMER_SORTING_MODELS points at it), and
the text pages' model list, which must not offer sorting models."""
import json
import shutil

import numpy as np
import pytest
from app_helpers import arr, assert_clean, errors, figures, open_page, start, widget

from infformer.experiments.sorting.task import make_batch, symbol_name


@pytest.fixture(scope="module")
def page(sorting_models):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFFORMER_SORTING_MODELS", str(sorting_models))
        yield open_page("sorting")


@pytest.fixture(scope="module")
def reference(sorting_models):
    """The page's default run (the model's training length 40, seed 0) made with the core directly."""
    from infformer.experiments.sorting.run import run_sorting
    from infformer.io.checkpoint import load_checkpoint
    model, tokenizer, _ = load_checkpoint(sorting_models / "sorting-tiny")
    return run_sorting(model, tokenizer, 40, 0)


def test_answer_counts_and_memory_views(page, reference):
    titles = [f["layout"]["title"]["text"] for f in figures(page)]
    assert len(titles) == 5, titles  # answer, counts, attention mass, Gaussians, memory signal
    assert page.metric[0].label == "Accuracy on this sequence"
    assert page.metric[0].value == f"{reference.accuracy:.0%}"
    answer = make_batch(40, 1, 0, 0)[0][-20:]  # the CLI's first evaluation example of (40, seed 0)
    prediction, counts = figures(page)[:2]
    true_row, model_row = prediction["data"][0]["text"]
    assert true_row == [str(s) for s in answer]
    assert model_row == [symbol_name(s) for s in reference.predicted]  # an untrained model may say "sep"
    assert arr(prediction["data"][0]["z"])[1].tolist() == (reference.predicted == answer).astype(float).tolist()
    total = sum(arr(bar["y"]).astype(int) for bar in counts["data"])
    assert total.tolist() == np.bincount(reference.symbols, minlength=20)[answer].tolist()
    assert "--length 40 --seed 0 --examples 1" in page.caption[0].value
    assert "Where the answer's Gaussians fell" in titles[2] and "X̄(t), layer 0" in titles[4]
    # the page ran inside app.py, under its shared (text) sidebar
    assert widget(page, "selectbox", "Checkpoint")


def test_length_and_seed_rerun(sorting_models, monkeypatch):
    monkeypatch.setenv("INFFORMER_SORTING_MODELS", str(sorting_models))
    at = open_page("sorting")
    widget(at, "number_input", "Sequence length").set_value(60).run()
    assert_clean(at)
    assert "(60 symbols)" in figures(at)[1]["layout"]["title"]["text"]
    widget(at, "number_input", "Seed").set_value(5).run()
    assert_clean(at)
    assert figures(at)[0]["data"][0]["text"][0] == [str(s) for s in make_batch(60, 1, 5, 0)[0][-20:]]
    widget(at, "multiselect", "Answer positions").set_value([1, 2]).run()  # two queries: each Gaussian drawn
    assert_clean(at)
    assert "line style = query token" in figures(at)[3]["layout"]["title"]["subtitle"]["text"]


def test_no_sorting_model(tmp_path, monkeypatch):
    monkeypatch.setenv("INFFORMER_SORTING_MODELS", str(tmp_path))
    at = open_page("sorting")
    assert any("No sorting model" in i.value for i in at.info)
    assert not figures(at)


def test_text_pages_do_not_offer_sorting_models(sorting_models, tmp_path, monkeypatch):
    import pages._sidebar as common
    # a models folder with the tiny sorting model and a text model (a config.json that names no task)
    shutil.copytree(sorting_models / "sorting-tiny", tmp_path / "sorting-tiny")
    (tmp_path / "text-model").mkdir()
    config = json.loads((sorting_models / "sorting-tiny" / "config.json").read_text())
    (tmp_path / "text-model" / "config.json").write_text(json.dumps({"model": config["model"], "info": {}}))
    assert list(common.shipped_models("sorting", tmp_path)) == ["sorting-tiny"]
    assert list(common.shipped_models("text", tmp_path)) == ["text-model"]
    monkeypatch.setattr(common, "MODELS", tmp_path)
    at = start()
    assert widget(at, "selectbox", "Checkpoint").options == ["text-model", common.LOCAL]
    # nor take one typed in as a local checkpoint
    widget(at, "selectbox", "Checkpoint").set_value(common.LOCAL).run()
    widget(at, "text_input", "Checkpoint directory").set_value(str(tmp_path / "sorting-tiny")).run()
    assert_clean(at)
    assert any("A sorting model" in e for e in errors(at))
