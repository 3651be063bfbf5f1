"""AppTest: the Memory signal page on the default example, its figures read from the Plotly JSON."""
import numpy as np
import pytest
from app_helpers import arr, assert_clean, figures, needs_model, open_page, trapezoid, widget

pytestmark = needs_model


@pytest.fixture(scope="module")
def page():
    return open_page("memory_signal")


def test_signal_heatmap_frames_and_ruler(page, reference):
    trace = reference[0]
    fig = figures(page)[0]
    assert [t["type"] for t in fig["data"]] == ["heatmap", "heatmap"]  # X̄(t) and the token ruler
    heat, ruler = fig["data"]
    assert arr(heat["z"]).shape == (8, 300)  # 8 principal components over a 300-point grid of t
    assert arr(heat["x"])[0] == 0 and arr(heat["x"])[-1] == 1
    assert fig["layout"]["xaxis"]["range"] == [0, 1] and fig["layout"]["xaxis2"]["range"] == [0, 1]
    # one animation frame per kept snapshot (and the final memory), each with both traces
    updates = list(trace.snapshot_updates)
    last = int(np.flatnonzero(trace.update_kind > 0)[-1])
    if updates[-1] != last:
        updates.append(last)
    assert [f["name"] for f in fig["frames"]] == [str(u) for u in updates]
    assert all(len(f["data"]) == 2 for f in fig["frames"])
    assert len(fig["frames"]) == len(updates) and not fig["layout"].get("sliders")  # one control: the page's slider
    assert fig["layout"]["updatemenus"][0]["buttons"][0]["label"] == "▶"
    # the ruler: 200 bins over t, hover text naming the text stored there, positions in [0, 1]
    labels = ruler["customdata"][0]
    assert len(labels) == 200 and sum("«" in s for s in labels) > 150
    pos = arr(ruler["z"]).astype(float).reshape(-1)
    assert np.nanmin(pos) >= 0 and np.nanmax(pos) <= 1
    # old text is squeezed to the left: the document position increases along t
    assert np.nanmean(pos[:50]) < np.nanmean(pos[-50:])
    assert "t = %{x:.3f}" in ruler["hovertemplate"]


def test_vectors_against_the_curve(page, reference):
    trace, targets = reference[:2]
    fig = figures(page)[1]
    M, L = trace.ltm["num_samples"], trace.config["segment_len"]
    old = [t for t in fig["data"] if t.get("name", "").startswith("old signal")]
    new = [t for t in fig["data"] if t.get("name") == "incoming memory vectors"]
    curves = [t for t in fig["data"] if t.get("name") == "X̄(t) = Bᵀψ(t)"]
    assert len(old) == len(new) == len(curves) == 3  # three features by default
    assert len(fig["data"]) == 3 * 3 + 1  # + the token ruler
    assert all(len(arr(t["x"])) == M for t in old) and all(len(arr(t["x"])) == L for t in new)
    tau = trace.ltm["tau"]
    assert arr(old[0]["x"]).max() < tau < arr(new[0]["x"]).min()
    # the points are the fit targets the core recorded at that update
    update = int(targets.updates[-1])
    _, values, _ = targets.at(update)
    feature = int(fig["layout"]["yaxis"]["title"]["text"].split()[-1])
    np.testing.assert_allclose(arr(new[0]["y"]), values[trace.num_layers - 1][M:, feature], rtol=1e-2, atol=1e-2)


def test_fit_error_is_small_and_nonnegative(page):
    fig = figures(page)[2]
    assert len(fig["data"]) == 2
    errs = np.concatenate([arr(t["y"]).astype(float) for t in fig["data"]])
    assert (errs >= 0).all()
    assert fig["layout"]["xaxis"]["range"] == [0, 1]


def test_basis_on_request(reference):
    at = open_page("memory_signal")
    assert len(figures(at)) == 3
    widget(at, "toggle", "Show the basis").set_value(True).run()
    assert_clean(at)
    fig = figures(at)[3]
    total = next(t for t in fig["data"] if t["name"] == "Σⱼ ψⱼ(t)")
    # each ψ_j is a density: the sum integrates over [0, 1] to Σ_j the mass of N(c_j, w_j²) inside [0, 1]
    from math import erf, sqrt
    trace = reference[0]
    phi = np.vectorize(lambda z: 0.5 * (1 + erf(z / sqrt(2))))
    c, w = trace.basis_centers.astype(float), trace.basis_widths.astype(float)
    inside = float((phi((1 - c) / w) - phi(-c / w)).sum())
    assert len(c) - 4 < inside < len(c) - 2
    assert trapezoid(total["y"], total["x"]) == pytest.approx(inside, rel=1e-3)


def test_features_mode_and_layer():
    at = open_page("memory_signal")
    widget(at, "radio", "Rows").set_value("features").run()
    assert_clean(at)
    assert arr(figures(at)[0]["data"][0]["z"]).shape == (12, 300)
    widget(at, "selectbox", "Layer").set_value(0).run()
    assert_clean(at)
    assert "layer 0" in figures(at)[0]["layout"]["title"]["text"]
