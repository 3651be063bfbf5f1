"""AppTest: the Attention Gaussians page: every head's N(t; μ, σ²) for the query tokens, and μ-σ of all queries."""
import numpy as np
import pytest
from app_helpers import (
    app_default_queries,
    arr,
    assert_clean,
    figures,
    needs_model,
    open_page,
    parse_mu_sigma,
    trapezoid,
    widget,
)

pytestmark = needs_model


@pytest.fixture(scope="module")
def page():
    return open_page("attention")


def phi(z):
    from math import erf, sqrt
    return 0.5 * (1 + erf(z / sqrt(2)))


def inside(mu, var):
    """Mass of N(μ, σ²) inside [0, 1]."""
    sd = np.sqrt(var)
    return np.vectorize(phi)((1 - mu) / sd) - np.vectorize(phi)(-mu / sd)


def test_default_queries_average_gaussian_per_head(page, reference):
    trace = reference[0]
    fig = figures(page)[0]
    queries = app_default_queries(trace)
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(queries) > 4 and len(lines) == trace.num_layers * trace.num_heads  # one averaged density per head
    assert fig["data"][-1]["type"] == "heatmap"  # the token ruler
    assert "average N(t; μ, σ²)" in fig["layout"]["title"]["subtitle"]["text"]
    for i, line in enumerate(lines):
        y, h = divmod(i, trace.num_heads)
        axis = "xaxis" if y == 0 else f"xaxis{y + 1}"
        assert fig["layout"][axis]["range"] == [0, 1]
        x, density = arr(line["x"]).astype(float), arr(line["y"]).astype(float)
        assert x[0] == 0 and x[-1] == 1 and (density >= 0).all()
        # an average of densities: its integral over [0, 1] is the average mass inside [0, 1], at most 1
        expected = inside(trace.mu[y, queries, h].astype(float), trace.sigma_sq[y, queries, h].astype(float)).mean()
        assert trapezoid(density, x) == pytest.approx(expected, abs=0.01)
        assert trapezoid(density, x) <= 1 + 1e-6


def test_each_gaussian_of_a_few_queries(reference):
    trace = reference[0]
    queries = [trace.num_tokens - 2, trace.num_tokens - 1]
    at = open_page("attention")
    widget(at, "multiselect", "Query tokens").set_value(queries).run()
    assert_clean(at)
    fig = figures(at)[0]
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    assert len(lines) == trace.num_layers * trace.num_heads * len(queries)
    assert {line["line"]["dash"] for line in lines} == {"solid", "dash"}  # line style = query token
    for line in lines:
        x, density = arr(line["x"]).astype(float), arr(line["y"]).astype(float)
        mu, var = parse_mu_sigma(line["hovertemplate"])
        assert trapezoid(density, x) == pytest.approx(float(inside(mu, var)), abs=0.01)
    mu0, var0 = parse_mu_sigma(lines[0]["hovertemplate"])  # layer 0, head 0, first query
    assert mu0 == pytest.approx(float(trace.mu[0, queries[0], 0]), abs=2e-3)
    assert var0 == pytest.approx(float(trace.sigma_sq[0, queries[0], 0]), rel=2e-2)


def test_mu_sigma_scatter_has_every_query(page, reference):
    trace = reference[0]
    fig = next(f for f in figures(page) if f["layout"]["title"]["text"].startswith("μ and σ"))
    by_layer = [t for t in fig["data"] if t["name"].startswith("layer")]
    assert len(by_layer) == trace.num_layers
    points = sum(len(arr(t["x"])) for t in by_layer)
    assert points == min(20000, int((~np.isnan(trace.mu)).sum()))  # all, or thinned to 20,000 (said on it)
    mu = np.concatenate([arr(t["x"]) for t in by_layer])
    sigma = np.concatenate([arr(t["y"]) for t in by_layer])
    assert (mu > 0).all() and (mu < 1).all() and (sigma > 0).all()
    assert fig["layout"]["xaxis"]["range"] == [0, 1] and fig["layout"]["yaxis"]["type"] == "log"
    chosen = next(t for t in fig["data"] if t["name"] == "chosen query tokens")
    assert len(arr(chosen["x"])) == len(app_default_queries(trace)) * trace.num_layers * trace.num_heads


def test_fewer_layers_one_query_and_colour_by_head(reference):
    trace = reference[0]
    at = open_page("attention")
    widget(at, "multiselect", "Query tokens").set_value([trace.num_tokens - 1]).run()
    widget(at, "multiselect", "Layers").set_value([1, 3]).run()
    widget(at, "radio", "Colour").set_value("head").run()
    assert_clean(at)
    gauss, local, scatter = figures(at)  # the last token is the query's: its local weights are kept
    assert len([t for t in gauss["data"] if t["type"] == "scatter"]) == 2 * trace.num_heads
    assert len(local["data"]) == 2 * trace.num_heads  # the same two layers
    assert [t["name"] for t in scatter["data"]][:trace.num_heads] == [f"head {h}" for h in range(trace.num_heads)]
    # the choice of query tokens is remembered across pages
    at.switch_page("pages/excerpts.py").run()
    assert_clean(at)
    assert widget(at, "multiselect", "Query tokens").value == [trace.num_tokens - 1]


def test_the_local_attention_of_the_first_query_token_is_drawn_beside_its_gaussians(page, reference):
    """Issue 26: the two memories at once: the default queries are the query's tokens, whose local
    attention weights the trace keeps; the figure draws them per layer and head over the window."""
    trace = reference[0]
    fig = next(f for f in figures(page) if "local attention of query" in f["layout"]["title"]["text"])
    first = next(q for q in app_default_queries(trace) if trace.local_weights(q) is not None)
    keys, weights = trace.local_weights(first)
    assert f"{first} «" in fig["layout"]["title"]["text"]
    assert len(fig["data"]) == weights.shape[0] * weights.shape[1]  # every layer (the small model's 4) × head
    np.testing.assert_allclose(arr(fig["data"][0]["x"]), keys)
    np.testing.assert_allclose(arr(fig["data"][0]["y"]), weights[0, 0], rtol=1e-6)


def test_a_token_outside_the_query_gets_its_local_attention_on_request(reference):
    """A clicked or searched token is not one whose weights the trace kept: a toggle reads the text
    again up to its segment's end, and the weights are the ones a trace keeping them records."""
    import torch

    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.run import run_with_trace
    trace = reference[0]
    token = int(np.flatnonzero(~np.isnan(trace.mu[0, :, 0]))[5])  # an early token that read the memory
    assert trace.local_weights(token) is None
    at = open_page("attention")
    widget(at, "multiselect", "Query tokens").set_value([token]).run()
    assert not any("local attention of query" in f["layout"]["title"]["text"] for f in figures(at))
    at.toggle(key="local_on_demand").set_value(True).run()
    assert_clean(at)
    fig = next(f for f in figures(at) if "local attention of query" in f["layout"]["title"]["text"])
    model, _, _ = load_checkpoint()
    with torch.no_grad():
        _, _, again = run_with_trace(model, trace.token_ids, pattern_tokens=[token])
    keys, weights = again.local_weights(token)
    np.testing.assert_allclose(arr(fig["data"][0]["x"]), keys)
    np.testing.assert_allclose(arr(fig["data"][0]["y"]), weights[0, 0], rtol=1e-3, atol=1e-4)
