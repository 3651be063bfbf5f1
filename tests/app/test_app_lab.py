"""AppTest: the Precision lab (no model needed): fit, error against L/N, contractions."""
import numpy as np
import pytest
from app_helpers import arr, assert_clean, figures, needs_model, open_page, widget

pytestmark = needs_model  # the app's sidebar reads the shipped model's settings


@pytest.fixture(scope="module")
def page():
    return open_page("precision_lab")


def test_fit_figure(page):
    fit = figures(page)[0]
    points, curve = fit["data"]
    assert len(arr(points["x"])) == 512 and len(arr(curve["x"])) == 1000
    assert fit["layout"]["xaxis"]["range"] == [0, 1]
    assert "relative error" in fit["layout"]["title"]["text"]


def test_error_against_ratio(page):
    fig = figures(page)[1]
    assert [t["name"] for t in fig["data"]] == ["paper widths", "scaled widths", "your L/N"]
    for t in fig["data"][:2]:
        ratio, err = arr(t["x"]).astype(float), arr(t["y"]).astype(float)
        assert (np.diff(ratio) > 0).all() and (err >= 0).all()
        assert err[-1] > err[0]  # more points per basis function: a worse fit
    assert fig["layout"]["xaxis"]["type"] == "log"


def test_contractions_blur_early_content(page):
    blur, errors = figures(page)[2:4]
    assert blur["layout"]["annotations"][0]["text"] == "linear sampling"
    lines = {t["name"]: t for t in errors["data"]}
    lin = arr(lines["linear: whole chunk"]["y"]).astype(float)
    sticky = arr(lines["sticky: whole chunk"]["y"]).astype(float)
    assert len(lin) == len(sticky) == 9  # steps 0..8
    assert lin[0] == pytest.approx(sticky[0])  # the same first write
    assert lin[-1] > lin[0]  # contractions blur the first chunk
    focus_lin = arr(lines["linear: attended part"]["y"]).astype(float)
    focus_sticky = arr(lines["sticky: attended part"]["y"]).astype(float)
    assert focus_sticky[-1] < focus_lin[-1]  # sticky sampling keeps the attended part sharper


def test_more_basis_functions_fit_better():
    at = open_page("precision_lab")
    widget(at, "select_slider", "N,").set_value(16).run()
    coarse = float(figures(at)[0]["layout"]["title"]["text"].split()[-1])
    widget(at, "select_slider", "N,").set_value(1024).run()
    widget(at, "radio", "Widths").set_value("scaled").run()
    assert_clean(at)
    fine = float(figures(at)[0]["layout"]["title"]["text"].split()[-1])
    assert fine < coarse
    # issue 24: a slow setting says why it is slow (a minute at N = 1,024, before: no word)
    assert any("N = 1,024: every fit solves" in c.value for c in at.caption)


def test_signal_from_the_current_text():
    at = open_page("precision_lab")
    widget(at, "radio", "Signal").set_value("from the current text").run()
    assert_clean(at)
    assert len(figures(at)) == 4
    assert any("memory vectors written at update" in c.value for c in at.caption)
