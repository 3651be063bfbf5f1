"""The Dialogue view (issue 11): a CMU-DoG conversation stepped through turn by turn, the section
figure's numbers equal to the core's section attention, the writer's section marked, a generated
reply equal to the core's, Figure 5 sticky against linear, and pasted input checked."""
import dataclasses

import numpy as np
import pytest
from app_helpers import arr, assert_clean, figures, needs_model, open_page, shown

pytestmark = needs_model


def reference(k: int, reply: str | None = None):
    """The page's numbers computed with the core: section rows for turn k of the bundled conversation."""
    from infformer.corpora import cmudog
    from infformer.experiments.dialogue.reading import conversation_text
    from infformer.experiments.dialogue.section_attention import section_rows
    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.run import trace_text
    from pages._docs import ASSETS
    document, conv = cmudog.read_example(ASSETS / "examples" / "home_alone_conversation.json")
    model, tokenizer, _ = load_checkpoint()
    text, _ = conversation_text(document, dataclasses.replace(conv, turns=conv.turns[:k]))
    speaker, doc_idx, real = conv.turns[k]
    full = text + cmudog.turn_line(speaker, real if reply is None else reply)
    _, _, trace = trace_text(model, tokenizer, full)
    return section_rows(trace, document.sections, len(text) + len(speaker) + 2, len(full)), doc_idx, text, speaker


def test_dialogue_view_on_the_bundled_conversation():
    at = open_page("dialogue")
    assert at.slider[0].value == 28
    figs = figures(at)
    assert len(figs) == 2
    rows, writer, _, _ = reference(28)
    bars = {t["name"]: arr(t["y"]) for t in figs[0]["data"]}
    np.testing.assert_allclose(bars["share of the attention"], [r["attention_fraction"] for r in rows], rtol=1e-5)
    np.testing.assert_allclose(bars["share of the memory"], [r["memory_share"] for r in rows], rtol=1e-5)
    assert list(figs[0]["data"][0]["x"])[writer] == f"section {writer} (writer's)"
    assert any("the writer was looking here" in m.value for m in at.markdown)
    assert {t["name"] for t in figs[1]["data"]} == {"sticky", "linear"}      # Figure 5, both samplings
    at.slider[0].set_value(5).run()
    assert_clean(at)
    rows5, _, _, _ = reference(5)
    bars = {t["name"]: arr(t["y"]) for t in figures(at)[0]["data"]}
    np.testing.assert_allclose(bars["share of the attention"], [r["attention_fraction"] for r in rows5], rtol=1e-5)


def test_a_generated_reply_is_the_cores():
    from infformer.experiments.dialogue.replies import reply_after
    from infformer.io.checkpoint import load_checkpoint
    at = open_page("dialogue")
    at.radio(key="_w_dlg_kind").set_value("one the model writes").run()
    assert_clean(at)
    _, _, text, speaker = reference(28)
    model, tokenizer, _ = load_checkpoint()
    reply = reply_after(model, tokenizer, text, speaker, seed=0, top_p=0.9, max_new_tokens=50)
    assert any(shown(m.value).startswith(f"**{speaker}:** {' '.join(reply.split())}") for m in at.markdown)
    rows, _, _, _ = reference(28, reply)
    bars = {t["name"]: arr(t["y"]) for t in figures(at)[0]["data"]}
    np.testing.assert_allclose(bars["share of the attention"], [r["attention_fraction"] for r in rows], rtol=1e-5)


def test_pasted_conversations_are_checked():
    at = open_page("dialogue")
    at.radio(key="_w_dlg_source").set_value("Paste a document and a conversation").run()
    assert_clean(at)
    assert any("Paste a document" in i.value for i in at.info)
    at.text_area(key="dlg_doc").input("The dog is brave.\n\nThe cat is not.").run()
    at.text_area(key="dlg_conv").input("hello there\nA: hi").run()
    assert_clean(at)
    assert any("must start with a labelled turn" in e.value for e in at.error)
    at.text_area(key="dlg_conv").input("A: Is the dog brave?\nB: Very brave, and the cat is not.").run()
    assert_clean(at)
    assert any("memory was still empty" in i.value for i in at.info)   # it all fits the short-term memory
    at.text_area(key="dlg_doc").input("The dog is brave. " * 80 + "\n\n" + "The cat is not. " * 80).run()
    assert_clean(at)
    assert not at.error and list(figures(at)[0]["data"][0]["x"]) == ["section 0", "section 1"]


@pytest.fixture
def cmudog_env(tmp_path, monkeypatch):
    from cmudog_fixture import write_cmudog
    monkeypatch.setenv("INFFORMER_CMUDOG", str(write_cmudog(tmp_path / "dog")))


def test_the_test_split_is_offered_where_the_dataset_is(cmudog_env):
    at = open_page("dialogue")
    at.radio(key="_w_dlg_source").set_value("CMU-DoG test split").run()
    assert_clean(at)
    labels = at.selectbox(key="_w_dlg_conv_id").options
    assert len(labels) == 2 and all("Film" in label for label in labels)
