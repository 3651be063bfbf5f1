"""AppTest: the Excerpts page (the paper's Figure 4): mass per token, top excerpts, shaded text, replies."""
import html as html_lib
import re

import numpy as np
import pytest
from app_helpers import app_default_queries, arr, assert_clean, figures, needs_model, open_page, widget

pytestmark = needs_model


@pytest.fixture(scope="module")
def page():
    return open_page("excerpts")


def test_mass_matches_the_trace(page, reference):
    trace = reference[0]
    fig = figures(page)[0]
    assert len(fig["data"]) == 1
    mass = arr(fig["data"][0]["y"]).astype(float)
    assert len(mass) == trace.num_tokens and (mass >= 0).all()
    expected = trace.token_attention(app_default_queries(trace))
    np.testing.assert_allclose(mass, expected, rtol=1e-4, atol=1e-9)
    assert 0 < mass.sum() <= 1 + 1e-9  # an average of probabilities over the memory
    assert mass[trace.num_text_tokens:].sum() == 0  # the query is not in the long-term memory
    assert fig["layout"]["xaxis"]["range"] == [-0.5, trace.num_tokens - 0.5]
    assert fig["layout"]["yaxis"]["exponentformat"] == "power"  # 2×10⁻⁴, not "200μ" (μ is a mean here)


def test_top_excerpts_and_document(page):
    table = page.dataframe[0].value
    assert len(table) == 5 and list(table["rank"]) == [1, 2, 3, 4, 5]
    assert (np.diff(table["score"].to_numpy()) <= 0).all() and table["share of mass"].sum() <= 1 + 1e-9
    html = "".join(h.proto.body for h in page.get("html"))
    text = html_lib.unescape(re.sub(r"<[^>]+>", "", html))
    assert "Macaulay Culkin as Kevin McCallister" in text and "background: rgba(255,127,14," in html
    assert "outline: 2px solid" in html  # the query tokens are outlined


def test_one_layer_one_head(reference):
    trace = reference[0]
    at = open_page("excerpts")
    widget(at, "selectbox", "Layers").set_value("layer 2").run()
    widget(at, "selectbox", "Heads").set_value("head 1").run()
    assert_clean(at)
    mass = arr(figures(at)[0]["data"][0]["y"]).astype(float)
    np.testing.assert_allclose(mass, trace.token_attention(app_default_queries(trace), layers=[2], heads=[1]),
                               rtol=1e-4, atol=1e-9)
    assert mass.sum() <= 1 + 1e-9


def test_generated_reply_highlights_what_it_read(reference):
    trace = reference[0]
    at = open_page("excerpts")
    widget(at, "toggle", "Generate").set_value(True).run()
    widget(at, "slider", "Reply length").set_value(12).run()
    assert_clean(at)
    assert any(m.value.startswith("**Reply:**") for m in at.markdown)
    chooser = widget(at, "select_slider", "Reply token")
    n = len(chooser.options)  # one per reply token: at most 12, fewer when the turn ends first
    assert 1 <= n <= 12
    chooser.set_value(trace.num_tokens + n - 1).run()
    assert_clean(at)
    mass = arr(figures(at)[0]["data"][0]["y"]).astype(float)
    assert len(mass) == trace.num_tokens + n and 0 < mass.sum() <= 1 + 1e-9


def test_the_pass_key_example_says_whether_the_key_was_found():
    """Issue 24: the pass-key example failed without saying so."""
    at = open_page("excerpts", {"example": "passkey", "length": "1000", "depth": "0.5"})
    assert any(m.value.startswith("**The key sentence**") for m in at.markdown)
    widget(at, "toggle", "Generate").set_value(True).run()
    assert_clean(at)
    said = [s.value for s in at.success] + [w.value for w in at.warning]
    assert any("pass key" in s for s in said), said


def test_the_memorys_horizon_is_marked_and_said():
    """Issue 24: on a long text 0.000 of the mass fell on its first 90% and the page never said that
    the passage asked about was beyond what the memory still holds. Linear sampling (sticky off) on
    an 8,000-token haystack: τ^k forgetting leaves the beginning below a millionth of the memory."""
    at = open_page("excerpts", {"example": "passkey", "length": "8000", "depth": "0.1", "sticky": "0"})
    assert_clean(at)
    said = [w.value for w in at.warning if "Beyond the memory's horizon" in w.value]
    assert said and "tokens 0–" in said[0]
    shapes = figures(at)[0]["layout"]["shapes"]
    annotations = [a.get("text") for a in figures(at)[0]["layout"]["annotations"]]
    assert any(s["x0"] == -0.5 for s in shapes) and "beyond the memory's horizon" in annotations
