"""AppTest: the Sticky memories page: histogram, samples and warp; sticky against linear; phrase shares."""
import numpy as np
import pytest
from app_helpers import arr, assert_clean, figures, needs_model, open_page, widget

pytestmark = needs_model


@pytest.fixture(scope="module")
def page():
    return open_page("sticky")


def test_update_histogram_rug_and_warp(page, reference):
    trace = reference[0]
    fig = figures(page)[0]
    bars, rug, warp, linear, ruler = fig["data"]
    D, M, tau = trace.ltm["num_bins"], trace.ltm["num_samples"], trace.ltm["tau"]
    p = arr(bars["y"]).astype(float)
    assert len(p) == D and (p >= 0).all() and p.sum() == pytest.approx(1.0, abs=1e-5)  # a histogram
    last = int(np.flatnonzero(trace.update_kind == 2)[-1])
    layer = trace.num_layers - 1
    np.testing.assert_allclose(p, trace.bin_probs[last, layer], rtol=1e-5, atol=1e-7)
    s = arr(rug["x"]).astype(float)
    assert len(s) == M and (np.diff(s) >= 0).all() and s.min() > 0 and s.max() < 1
    sx, ty = arr(warp["x"]).astype(float), arr(warp["y"]).astype(float)
    assert sx[0] == 0 and sx[-1] == 1 and ty[0] == 0 and ty[-1] == pytest.approx(tau)
    assert (np.diff(ty) > 0).all()  # the warp is strictly increasing
    assert ruler["type"] == "heatmap"
    for axis in ("xaxis", "xaxis2", "xaxis3", "xaxis4"):
        assert fig["layout"][axis]["range"] == [0, 1]


def test_sticky_against_linear(page, reference):
    trace = reference[0]
    fig = figures(page)[1]
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    bars = [t for t in fig["data"] if t["type"] == "bar"]
    assert len(lines) == len(bars) == 2
    for line in lines:
        t = arr(line["y"]).astype(float)
        assert (np.diff(t) >= 0).all() and t.min() >= 0 and t.max() <= 1  # token order is memory order
    shares = [arr(b["y"]).astype(float) for b in bars]
    for share in shares:
        assert (share >= 0).all() and 0.3 < share.sum() <= 1 + 1e-9  # shares of [0, 1]
    # the sticky column is the app's trace: its shares are the widths of the final spans
    layer = trace.num_layers - 1
    spans, tokens = trace.final_provenance(layer)
    keep = (tokens >= 0) & (tokens < trace.num_text_tokens)
    widths = (spans[keep, 1] - spans[keep, 0]).sum()
    assert shares[0].sum() == pytest.approx(widths, abs=1e-6)
    assert fig["layout"]["annotations"][0]["text"] == "sticky" and fig["layout"]["annotations"][1]["text"] == "linear"


def test_memory_horizon(page, reference):
    """Share of the memory held by each tenth of the text after every update, sticky and linear."""
    from infformer.tracing.regions import shares_by_part
    trace = reference[0]
    fig = figures(page)[2]
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(lines) == 2 * 10
    # both panels log-scaled with their tick labels shown (issue 24: the second was linear, unlabelled)
    for axis in ("yaxis", "yaxis2"):
        assert fig["layout"][axis]["type"] == "log" and fig["layout"][axis]["showticklabels"] is True
    # the legend sits under the panels, clear of the panel titles above them
    assert fig["layout"]["legend"]["y"] < 0 and fig["layout"]["legend"]["yanchor"] == "top"
    want, edges = shares_by_part(trace, trace.num_layers - 1, 10)
    first = arr(lines[0]["y"]).astype(float)
    np.testing.assert_allclose(np.nan_to_num(first), want[:, 0], rtol=1e-6)
    assert lines[0]["name"] == f"tokens 0–{edges[1] - 1:,}"


def test_phrase_shares(page, reference):
    fig = figures(page)[3]
    assert [t["name"] for t in fig["data"]] == ["sticky", "linear"]
    sticky = arr(fig["data"][0]["x"]).astype(float)
    assert len(sticky) == 15 and (np.diff(sticky) >= 0).all()  # ranked (drawn bottom to top)
    for t in fig["data"]:
        x = arr(t["x"]).astype(float)
        assert (x >= 0).all() and x.sum() <= 1 + 1e-9
    assert all("[" in label for label in fig["data"][0]["y"])  # phrase text with its first token


def test_without_comparison_and_another_update(reference):
    trace = reference[0]
    at = open_page("sticky")
    widget(at, "toggle", "Compare").set_value(False).run()
    assert_clean(at)
    figs = figures(at)
    assert len(figs) == 3 and [t["name"] for t in figs[2]["data"]] == ["sticky"]
    first = int(np.flatnonzero(trace.update_kind == 2)[0])
    widget(at, "select_slider", "Memory update").set_value(first).run()
    assert_clean(at)
    p = arr(figures(at)[0]["data"][0]["y"]).astype(float)
    np.testing.assert_allclose(p, trace.bin_probs[first, trace.num_layers - 1], rtol=1e-5, atol=1e-7)
