"""Every page of the explorer on the shipped default, the memory on SmolLM2-135M (30 layers × 9
heads, its own tokenizer), reached as a visitor would: the model named in the link.

Slow: the backbone loads (~5 s) and the example is traced once (~10-20 s on one core); the rest of
the suite runs on the small model (tests/conftest.py sets INFFORMER_MODEL)."""
import pytest
from app_helpers import assert_clean, errors, figures, open_page, start, widget

from infformer.core.precision import native_bf16
from infformer.io.checkpoint import PRETRAINED_MODEL, read_config, weight_files
from pages._registry import PAGES

pytestmark = pytest.mark.slow
LINK = {"model": PRETRAINED_MODEL.name}


@pytest.fixture(scope="module", autouse=True)
def needs_smollm2():
    from infformer.io.pretrained import smollm2_gguf_path
    try:
        smollm2_gguf_path()
    except ValueError as e:
        pytest.skip(str(e))
    if not weight_files(PRETRAINED_MODEL):
        pytest.skip("the shipped pretrained model's weights are missing")


def test_the_run_page_reads_the_example_with_the_pretrained_model_and_says_how():
    at = start(LINK)
    assert not errors(at)
    assert widget(at, "selectbox", "Checkpoint").value == PRETRAINED_MODEL.name
    metrics = {m.label: m for m in at.metric}
    assert int(metrics["Tokens"].value.replace(",", "")) > 1000
    # bf16 autocast where this CPU multiplies bf16 natively (the 135 M model is over "auto"'s threshold)
    expected = "bf16" if native_bf16("cpu") else "float32"
    assert f"matrix products in {expected}" in metrics["Tokens per second"].help
    cfg, _ = read_config(PRETRAINED_MODEL)
    assert any(f"{cfg.n_layers} layers × {cfg.n_heads} heads" in c.value for c in at.caption)


@pytest.mark.parametrize("page", [p for p in PAGES if p.model and p.url_path], ids=lambda p: p.stem)
def test_every_text_page_draws_its_figures_at_30_layers_by_9_heads(page):
    at = open_page(page.stem, LINK)
    assert_clean(at)
    assert not errors(at), errors(at)
    assert len(figures(at)) >= page.charts


def test_predictions_compares_the_small_model_with_the_pretrained_one_on_the_same_text():
    """Issue 26: two models with different tokenizers on one text: each scored on its own tokens (bits
    per character comparable), the other's costs put on the sidebar model's tokens character by character."""
    import numpy as np

    from pages._compare import COMPARE
    at = open_page("predictions")  # the sidebar's model: the small default (tests/conftest.py)
    at.radio(key="_w_pred_shading").set_value(COMPARE).run()
    at.selectbox(key="_w_pred_cmp_model").set_value(PRETRAINED_MODEL.name).run()
    at.toggle(key="_w_pred_cmp_sticky").set_value(True).run()
    assert_clean(at)
    assert not errors(at)
    table = at.dataframe[1].value
    assert PRETRAINED_MODEL.name in table["settings"][1] and table["tokens"][0] != table["tokens"][1]
    assert np.isfinite(table["bits per character"]).all() and (table["bits per character"] > 0.05).all()
    assert any("compare bits per character" in c.value for c in at.caption)
    assert "compared" in at.get("html")[-1].proto.body and "Difference" in at.get("html")[-2].proto.body
    assert at.query_params["vs"][0].endswith(PRETRAINED_MODEL.name) or str(at.query_params["vs"]).endswith(
        PRETRAINED_MODEL.name)
