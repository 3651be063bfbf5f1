"""The app's pure helpers in infformer.viz (no Streamlit): provenance in one pass, the fit points,
the token ruler, sentence cuts, downsampling, standalone HTML, and the import boundaries."""
import subprocess
import sys

import numpy as np
import pytest
import torch
from app_helpers import ROOT, needs_model

from infformer.core.regression import fit_coefficients
from infformer.tracing.record import sentence_bounds
from infformer.viz import common


@needs_model
def test_spans_in_one_pass_equal_spans_after(reference):
    trace = reference[0]
    updates = [-1, *range(trace.num_updates)]
    for layer in (0, trace.num_layers - 1):
        history = trace.spans_at(updates, layer)
        for u in updates:
            spans, tokens = trace.spans_after(u, layer)
            np.testing.assert_array_equal(history[u][1], tokens)
            np.testing.assert_array_equal(history[u][0], spans)


@needs_model
def test_fit_points_refit_to_the_snapshots(reference):
    trace, targets = reference[:2]
    assert list(targets.updates) == list(trace.snapshot_updates)
    M, L = trace.ltm["num_samples"], trace.config["segment_len"]
    for k, u in enumerate(targets.updates):
        positions, values, num_old = targets.at(int(u))
        assert num_old == (M if trace.update_kind[u] == 2 else 0) and len(positions) == num_old + L
        for layer in (0, trace.num_layers - 1):
            B = fit_coefficients(torch.tensor(values[layer]), torch.tensor(positions, dtype=torch.float32),
                                 trace.basis, trace.ltm["ridge"]).numpy()
            ref = trace.coefficients[k, layer]
            assert np.abs(B - ref).max() < 2e-3 * np.abs(ref).max()  # float16 storage


@needs_model
def test_token_ruler(reference):
    trace = reference[0]
    spans, tokens = trace.spans_after(trace.num_updates - 1, 0)
    ruler = common.token_ruler(spans, tokens, trace.text, trace.offsets, trace.num_tokens, bins=100)
    assert len(ruler.t) == len(ruler.label) == 100 and ruler.t[0] == pytest.approx(0.005)
    held = ruler.first >= 0
    assert held.all()  # the memory covers [0, 1]
    assert (np.diff(ruler.first) >= 0).all() and (ruler.last >= ruler.first).all()
    a, b = trace.offsets[ruler.first[-1]][0], trace.offsets[ruler.last[-1]][1]
    assert common.hover_text(trace.text[a:b], 70) in ruler.label[-1]
    empty = common.token_ruler(np.zeros((4, 2)), np.full(4, -1), trace.text, trace.offsets, trace.num_tokens, bins=10)
    assert empty.label == ["(empty)"] * 10 and np.isnan(empty.position).all()


def test_sentence_bounds_give_a_sentence_its_first_word():
    from infformer.io.checkpoint import DEFAULT_MODEL
    from infformer.io.tokenizer import Tokenizer
    path = DEFAULT_MODEL / "tokenizer.json"
    if not path.is_file():
        pytest.skip("the shipped tokenizer is missing")
    text = "It rained. Harry and Marv broke in. Kevin ran!\n\nThe end."
    tok = Tokenizer.from_file(path)
    ids, offsets = tok.encode(text)
    bounds = sentence_bounds(text, offsets, len(ids))  # BPE tokens carry their leading space
    starts = [text[offsets[a][0]:offsets[b - 1][1]].strip() for a, b in bounds]
    assert starts == ["It rained.", "Harry and Marv broke in.", "Kevin ran!", "The end."]


def test_downsampling_helpers():
    values = np.zeros(10_000)
    values[1234] = 5.0
    x, y, size = common.pool_max(values, 1000)
    assert size == 10 and len(y) == 1000 and y.max() == 5.0 and x[np.argmax(y)] <= 1234 < x[np.argmax(y)] + size
    idx = common.sample_indices(1_000_000, 20_000)
    assert len(idx) == 20_000 and (np.diff(idx) > 0).all()
    assert (common.sample_indices(50, 100) == np.arange(50)).all()


def test_notes_and_standalone_html():
    import plotly.graph_objects as go
    fig = common.style(go.Figure(go.Scatter(x=[0, 1], y=[1, 2])), "A title")
    common.add_note(fig, "showing 10 of 20 points")
    assert common.notes(fig) == ["showing 10 of 20 points"]
    assert "showing 10 of 20" in fig.layout.title.subtitle.text
    html = common.to_html(fig)
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert len(html) > 1_000_000 and '<script src="http' not in html  # plotly.js inlined: works offline


def test_import_boundaries():
    """The core never imports plotly or streamlit; the figure builders never import streamlit."""
    probe = ("import sys, infformer, infformer.tracing.record, infformer.io.checkpoint; core = [m for m in ('plotly', 'streamlit') "
             "if m in sys.modules]; import infformer.viz; viz = [m for m in ('streamlit',) if m in sys.modules]; "
             "print(core, viz)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[] []"


def test_log_ticks_are_one_two_five_and_cover_the_range():
    vals, texts = common.log_ticks(0.003, 0.4)
    assert vals[0] <= 0.003 and vals[-1] >= 0.4 and vals[1] > 0.003 and vals[-2] < 0.4
    assert texts == [f"{v:g}" for v in vals] and set(t[0] for t in texts) <= {"1", "2", "5", "0"}
    assert all(np.isclose(v / 10 ** np.floor(np.log10(v)), (1, 2, 5)).any() for v in vals)


def test_blur_figure_explains_an_overshooting_read_back():
    from infformer.viz import lab
    first = np.sin(np.linspace(0, 6, 128)) * 3
    runs = {"linear": [dict(step=0, read=first, region=(0.0, 1.0)), dict(step=1, read=first * 7, region=(0.0, 0.5))]}
    fig = lab.blur_figure(first, runs, [0, 1])
    assert any("ill-conditioned" in n for n in common.notes(fig))
    calm = {"linear": [dict(step=0, read=first, region=(0.0, 1.0)), dict(step=1, read=first * 0.9, region=(0.0, 0.5))]}
    assert not common.notes(lab.blur_figure(first, calm, [0, 1]))


def test_joining_scripts_stay_joined_across_token_spans():
    """Issue 24: Arabic query outlines broke the joined script (each token is its own span, so the
    letters at a boundary inside a word showed in isolated forms). A zero-width joiner on both sides
    of such a boundary keeps them joined; Latin and Hebrew (which does not join) are left as they are;
    the block is laid out right to left where the text is."""
    import re

    from infformer.viz.excerpts import ZWJ, highlight_html
    text = "مرحبا بالعالم"
    offsets = [(0, 3), (3, 5), (5, 6), (6, 9), (9, 13)]
    html_ = highlight_html(text, offsets, [0.1, 0.2, 0.0, 0.3, 0.1], queries=[1])
    assert 'dir="auto"' in html_
    spans = re.findall(r"<span[^>]*>([^<]*)</span>", html_)
    assert spans == ["مر" + "ح" + ZWJ, ZWJ + "با", " ", "بال" + ZWJ, ZWJ + "عالم"]
    assert "".join(spans).replace(ZWJ, "") == text
    for other in ("hello world", "שלום עולם"):
        assert ZWJ not in highlight_html(other, [(0, 3), (3, 5), (5, len(other))], [0.1, 0.1, 0.1])
