"""AppTest: the Run page (home) on the default example, the other examples, and the URL state."""
import numpy as np
import pytest
from app_helpers import DEFAULT_MODEL_DIR, assert_clean, default_tau, errors, needs_model, shown, start, widget

pytestmark = needs_model


def metric(at, label):
    return next(m for m in at.metric if m.label == label).value


def test_default_example_summary(reference):
    trace, _, _, query = reference
    at = start()
    assert not errors(at)
    assert at.title[0].value.startswith("Run")
    assert int(metric(at, "Tokens").replace(",", "")) == trace.num_tokens
    assert int(metric(at, "Segments").replace(",", "")) == len(trace.segments) == int(np.ceil(trace.num_tokens / 128))
    assert int(metric(at, "Memory updates").replace(",", "")) == int((trace.update_kind > 0).sum()) >= 1
    assert float(metric(at, "Time").split()[0]) > 0
    assert any(query in shown(m.value) for m in at.markdown)
    # the settings and the example are in the URL
    q = at.query_params
    assert q["example"] == "home_alone" and q["tau"] == default_tau() and q["sticky"] == "1" and q["seed"] == "0"
    # the CLI's files are offered, plus the summary
    labels = [b.label for b in at.get("download_button")]
    assert labels == ["tokens.csv", "queries.csv", "histograms.csv", "summary.json", "session.json.gz"]
    # the model card is on the page (issue 24: it was nowhere in the app)
    card = (DEFAULT_MODEL_DIR / "README.md").read_text(encoding="utf-8")
    assert any(e.label.startswith("The model card") for e in at.expander)
    assert any(m.value.strip() == card.strip() for m in at.markdown)


def test_link_reproduces_example_and_settings():
    at = start({"example": "pride_and_prejudice", "tau": "0.25", "sticky": "0", "seed": "3", "M": "128"})
    assert not errors(at)
    assert any("Pride and Prejudice" in h.value for h in at.subheader)
    assert any("τ = 0.25, M = 128, linear sampling" in c.value for c in at.caption)
    assert at.sidebar.slider[0].value == 0.25
    assert at.query_params["example"] == "pride_and_prejudice" and at.query_params["sticky"] == "0"


def test_passkey_generator_length_and_depth():
    at = start({"example": "passkey", "length": "3000", "depth": "0.2"})
    assert not errors(at)
    tokens = int(metric(at, "Tokens").replace(",", ""))
    assert 2500 < tokens < 3600
    doc = at.session_state["doc"]
    key = doc.label.split("key ")[-1].rstrip(")")
    assert doc.text.index(f"The pass key is {key}") / len(doc.text) == pytest.approx(0.2, abs=0.05)
    # moving the depth slider regenerates the haystack
    widget(at, "slider", "Depth").set_value(0.8).run()
    assert_clean(at)
    doc = at.session_state["doc"]
    assert doc.params == {"length": 3000, "depth": 0.8}
    assert at.query_params["depth"] == "0.8"


def test_choosing_another_example_and_query():
    at = start()
    widget(at, "selectbox", "Example").set_value("pride_and_prejudice").run()
    assert_clean(at)
    widget(at, "text_input", "Query").set_value("Who is Mr. Bingley?").run()
    assert_clean(at)
    doc = at.session_state["doc"]
    assert doc.example == "pride_and_prejudice" and doc.query == "Who is Mr. Bingley?"
    assert at.query_params["example"] == "pride_and_prejudice"


def test_sidebar_settings_retrace_and_go_into_the_url():
    at = start()
    at.sidebar.slider[0].set_value(0.75).run()
    at.sidebar.toggle[0].set_value(False).run()
    assert_clean(at)
    assert any("τ = 0.75, M = 256, linear sampling" in c.value for c in at.caption)
    assert at.query_params["tau"] == "0.75" and at.query_params["sticky"] == "0"
    # the settings hold on other pages, and the fixed ones are shown read-only
    at.switch_page("pages/sticky.py").run()
    assert_clean(at)
    assert at.sidebar.slider[0].value == 0.75
    fixed = at.sidebar.dataframe[0].value
    assert "N, basis functions" in list(fixed.iloc[:, 0]) and "256" in list(fixed.iloc[:, 1])


def test_every_registered_page_opens_and_no_page_is_unregistered():
    from app_helpers import ROOT, open_page

    from pages._registry import PAGES
    files = {p.file for p in PAGES}
    on_disk = {f"pages/{f.name}" for f in (ROOT / "pages").glob("*.py") if not f.name.startswith("_")}
    assert files == on_disk
    for p in PAGES:
        if p.stem not in ("sorting",):  # the Sorting page needs a sorting model (tests/app/test_app_sorting.py)
            at = open_page(p.stem)
            assert at.title[0].value.startswith(p.title.split()[0]), p
