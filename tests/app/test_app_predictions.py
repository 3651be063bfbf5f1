"""The Predictions page (issue 26): perplexity and bits per character of the text, surprisal shading
with the model's guesses on hover, what the memory was worth (computed once, shared), a standalone
HTML export; and a query found by a word in the text (any token, not only the last 4,000)."""
import numpy as np
import pytest
from app_helpers import assert_clean, errors, needs_model, open_page

from infformer.tracing.predictions import find_phrase, scores, token_characters
from infformer.training.evaluate import surprisal_without_ltm_read

pytestmark = needs_model


def metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_surprisal_and_memory_worth_match_the_core(reference):
    trace, _, _, _ = reference
    at = open_page("predictions")
    assert not errors(at)
    n = trace.num_text_tokens
    whole = scores(trace.surprisal()[:n], token_characters(trace)[:n])
    assert metric(at, "Perplexity") == f"{whole['perplexity']:,.2f}"
    assert metric(at, "Bits per character") == f"{whole['bits_per_character']:.3f}"
    shaded = at.get("html")[-1].proto.body
    assert "the model expected" in shaded  # the top guesses on hover
    at.radio(key="_w_pred_shading").set_value("Memory worth").run()
    assert_clean(at)
    from infformer.io.checkpoint import load_checkpoint
    model, _, _ = load_checkpoint()
    without = surprisal_without_ltm_read(model, trace.token_ids)
    gain = np.nanmean(without[:n] - trace.surprisal()[:n])
    assert metric(at, "Memory worth") == f"{gain:+.4f} nats/token"
    assert "memory helped by" in at.get("html")[-1].proto.body or "memory hurt by" in at.get("html")[-1].proto.body
    assert [b.label for b in at.get("download_button")][0] == "Download this shaded document (HTML)"
    table = at.dataframe[0].value
    assert "memory worth (nats/token)" in table.columns and len(table) == 10


def test_a_word_found_in_the_text_becomes_the_query(reference):
    trace, _, _, _ = reference
    at = open_page("excerpts")
    at.text_input(key="query_find").input("Kevin").run()
    assert_clean(at)
    hits = [int(i) for i in find_phrase(trace, "Kevin") if not np.isnan(trace.mu[0, i, 0])]
    assert at.selectbox(key="query_find_pick").value == hits[0]
    at.selectbox(key="query_find_pick").set_value(hits[2]).run()
    at.button(key="query_find_set").click().run()
    assert_clean(at)
    assert at.session_state["queries"] == [hits[2]] and at.multiselect(key="_w_queries").value == [hits[2]]
    at.selectbox(key="query_find_pick").set_value(hits[0]).run()
    at.button(key="query_find_add").click().run()
    assert at.multiselect(key="_w_queries").value == sorted([hits[0], hits[2]])


@pytest.mark.parametrize("phrase", ["no such phrase anywhere", "<img src=x>"])
def test_a_phrase_not_found_says_so(phrase):
    at = open_page("excerpts")
    at.text_input(key="query_find").input(phrase).run()
    assert_clean(at)
    assert any("Not found" in c.value for c in at.caption)


def test_compare_two_settings_scores_both_and_shades_the_difference(reference):
    trace, _, text, query = reference
    at = open_page("predictions")
    at.radio(key="_w_pred_shading").set_value("Compare with other settings").run()
    assert_clean(at)
    table = at.dataframe[1].value  # after the stretches: the two settings, scored (the default's is sticky)
    assert len(table) == 2 and "sticky" in table["settings"][0] and "linear" in table["settings"][1]
    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.run import trace_text
    model, tokenizer, _ = load_checkpoint(sticky=False)
    linear = trace_text(model, tokenizer, text, query)[2]
    n = trace.num_text_tokens
    for row, tr in ((0, trace), (1, linear)):
        want = scores(tr.surprisal()[:n], token_characters(tr)[:n])["perplexity"]
        assert table["perplexity"][row] == pytest.approx(want, rel=1e-5)
    body = at.get("html")[-1].proto.body
    assert "the sidebar&#x27;s" in body and "compared" in body  # per-token hover: both costs and the difference
    assert "Difference" in at.get("html")[-2].proto.body       # its legend


def test_the_excerpts_shading_has_its_export_too():
    """Each shading downloads as a standalone page (its content: test_predictions.py's export test)."""
    at = open_page("excerpts")
    assert_clean(at)
    assert "Download this shaded document (HTML)" in [b.label for b in at.get("download_button")]


def test_one_tokens_heads_show_their_long_term_share(reference):
    trace = reference[0]
    at = open_page("predictions")
    from app_helpers import arr, figures
    fig = next(f for f in figures(at) if "long-term share of its attention output" in f["layout"]["title"]["text"])
    token = int(fig["layout"]["title"]["text"].split()[1].rstrip(":"))
    z = np.asarray(arr(fig["data"][0]["z"]), dtype=float)
    np.testing.assert_allclose(z, trace.long_term_head_share(token), rtol=1e-6)
    assert z.shape == (trace.num_layers, trace.num_heads) and z.max() > 0
