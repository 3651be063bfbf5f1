"""The small model (austen-cmudog-sticky, the test suite's default: tests/conftest.py) reads the text people bring: paragraphs as well as hard-wrapped lines,
and its default example is a CMU-DoG conversation about Home Alone with the next turn as the query."""
import json
import math
from pathlib import Path

import pytest

from infformer.corpora.paragraphs import join_wrapped_lines, tail_paragraphs, wrap_paragraphs
from infformer.io.checkpoint import DEFAULT_MODEL, load_checkpoint, read_config
from infformer.training.evaluate import perplexity_report, predicted_characters

ROOT = Path(__file__).resolve().parent.parent
CMUDOG = ROOT.parent / "shared" / "data" / "cmu_dog" / "full"
needs_model = pytest.mark.skipif(not (DEFAULT_MODEL / "model.safetensors").is_file(), reason="no shipped model")


def bits_per_character(model, tokenizer, text: str) -> float:
    ids, offsets = tokenizer.encode(text)
    return perplexity_report(model, [ids], 1, characters=[predicted_characters(offsets)])["bits_per_character"]


@needs_model
def test_paragraphs_read_as_well_as_hard_wrapped_lines():
    """A held-out passage (the end of Persuasion, never trained on) as paragraphs and wrapped at 70:
    within 10% in bits per character."""
    model, tokenizer, _ = load_checkpoint(DEFAULT_MODEL)
    book = join_wrapped_lines((ROOT / "data" / "austen" / "4_persuasion.txt").read_text(encoding="utf-8"))
    passage = tail_paragraphs(book, 0.045)[:12_000]
    as_paragraphs = bits_per_character(model, tokenizer, passage)
    wrapped = bits_per_character(model, tokenizer, wrap_paragraphs(passage, 70))
    assert math.isfinite(as_paragraphs) and as_paragraphs < 3
    assert abs(as_paragraphs - wrapped) / wrapped <= 0.10, (as_paragraphs, wrapped)


@needs_model
def test_the_default_model_has_a_long_term_memory_and_a_recorded_base():
    cfg, info = read_config(DEFAULT_MODEL)
    assert cfg.ltm is not None and cfg.ltm.sticky
    assert info.get("base", {}).get("steps")  # fine-tuned from a base, as the paper's recipe


def test_default_example_is_a_home_alone_conversation_with_its_next_turn_as_query():
    examples = json.loads((ROOT / "assets" / "examples" / "examples.json").read_text(encoding="utf-8"))
    ex = examples["home_alone"]
    text = (ROOT / "assets" / "examples" / ex["file"]).read_text(encoding="utf-8")
    document = (ROOT / "assets" / "examples" / "home_alone.txt").read_text(encoding="utf-8")
    assert text.startswith(document) and text[len(document):].startswith(("\nA: ", "\nB: "))
    assert ex["query"].startswith(("A: ", "B: ")) and ex["query"] not in text


@pytest.mark.skipif(not CMUDOG.is_dir(), reason="the CMU-DoG data is not next to this checkout")
def test_the_example_is_the_dataset_s_document_and_conversation():
    from infformer.corpora import cmudog
    doc = cmudog.documents(CMUDOG)[20]
    assert (ROOT / "assets" / "examples" / "home_alone.txt").read_text(encoding="utf-8") == doc.text
    conv = next(c for c in cmudog.conversations(CMUDOG, "test") if c.id.startswith("4a568148"))
    text = (ROOT / "assets" / "examples" / "home_alone_dialogue.txt").read_text(encoding="utf-8")
    assert text == doc.text + "\n" + cmudog.dialogue_text(conv.turns[:28])
