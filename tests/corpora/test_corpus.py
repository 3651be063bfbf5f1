"""The training corpus: hard wraps joined into paragraphs, CMU-DoG document + conversation, split discipline."""
from pathlib import Path

import pytest
from cmudog_fixture import write_cmudog
from hypothesis import given
from hypothesis import strategies as st

from infformer.corpora import cmudog
from infformer.corpora.corpus import build_corpus, training_conversations
from infformer.corpora.paragraphs import join_wrapped_lines, wrap_paragraphs
from infformer.io.textio import InputError

ROOT = Path(__file__).resolve().parents[2]
WRAPPED = """Chapter 1


Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who,
for his own amusement, never took up any book but the Baronetage.  This
was the page at which the favourite volume always opened:

           "ELLIOT OF KELLYNCH HALL.

"Walter Elliot, born March 1, 1760, married, July 15, 1784, Elizabeth,
daughter of James Stevenson."

Sir Walter had improved it by adding these words, after the date of Mary's birth--
"Married, December 16, 1810."

  Dear Sir,
  I write in haste.
"""


def test_wraps_are_joined_and_paragraphs_headings_and_indented_lines_kept():
    out = join_wrapped_lines(WRAPPED)
    paragraphs = out.rstrip("\n").split("\n\n")
    assert paragraphs[0] == "Chapter 1"                                   # heading alone
    assert paragraphs[1] == ("Sir Walter Elliot, of Kellynch Hall, in Somersetshire, was a man who, for his own "
                             "amusement, never took up any book but the Baronetage. This was the page at which "
                             "the favourite volume always opened:")       # joined, double space collapsed
    assert paragraphs[2] == '"ELLIOT OF KELLYNCH HALL.'                  # indented line kept, unindented
    assert paragraphs[3].startswith('"Walter Elliot') and "\n" not in paragraphs[3]
    assert "birth--\"Married" in paragraphs[4]                            # no space inside a broken dash
    assert paragraphs[5] == "Dear Sir,\nI write in haste."                # indented lines stay lines
    assert len(paragraphs) == 6 and out.endswith("\n") and not out.endswith("\n\n")


def test_joining_is_deterministic_and_leaves_paragraph_text_alone():
    out = join_wrapped_lines(WRAPPED)
    assert join_wrapped_lines(WRAPPED) == out
    prose = "One paragraph, already joined.\n\nAnother one.\n"
    assert join_wrapped_lines(prose) == prose


# "-- " is left out: a line ending in a dash is joined without a space (the printer's break fell
# inside the dash), the one place where joining cannot know what the wrap removed
@given(st.lists(st.text(alphabet="abc defg,.-", min_size=1, max_size=300).map(lambda s: " ".join(s.split()))
                .filter(lambda s: s and "-- " not in s), min_size=1, max_size=5))
def test_wrapping_then_joining_gives_the_paragraphs_back(paragraphs):
    text = "\n\n".join(paragraphs)
    assert join_wrapped_lines(wrap_paragraphs(text, 20)) == text + "\n"


def test_wrapping_keeps_long_and_hyphenated_words_whole():
    text = "a " + "x" * 25 + " well-known words"
    assert wrap_paragraphs(text, 20).split("\n") == ["a", "x" * 25, "well-known words"]
    assert join_wrapped_lines(wrap_paragraphs(text, 20)) == text + "\n"


def test_the_committed_novels_as_paragraphs():
    emma = join_wrapped_lines((ROOT / "data" / "austen" / "1_emma.txt").read_text(encoding="utf-8"))
    lines = emma.split("\n")
    assert max(map(len, lines)) > 1000                                   # whole paragraphs on one line
    assert "Emma Woodhouse, handsome, clever, and rich, with a comfortable home and happy disposition, seemed" in emma
    assert "\nCHAPTER II\n" in emma or "\nCHAPTER 2\n" in emma.upper()


def test_cmudog_document_is_the_app_example_and_sections_are_located(tmp_path):
    data = write_cmudog(tmp_path / "dog")
    doc = cmudog.documents(data)[0]
    assert doc.text.startswith("Film 0 (1990)\n\nFilm 0 is a 1990 film about a dog, a hero")
    assert "happy end.\n\nCast: Actor One as Hero of Film 0; Actor Two as Villain.\n\n" in doc.text
    assert [doc.text[a:b] for a, b in doc.sections][1] == "The hero of film 0 finds a dog. The dog is brave."
    assert doc.text[slice(*doc.sections[3])].startswith("At the end of film 0")
    assert doc.sections[0][0] == 0 and all(doc.sections[k][1] < doc.sections[k + 1][0] for k in range(3))


def test_training_text_is_document_then_conversation(tmp_path):
    data = write_cmudog(tmp_path / "dog")
    docs = cmudog.documents(data)
    conv = cmudog.conversations(data, "train")[0]
    text = cmudog.training_text(docs[conv.document], conv)
    assert text.startswith(docs[0].text)
    assert text.endswith("A: Hello there!\nB: Hi, have you seen Film 0?\nA: I loved the dog.\n")


def test_no_heldout_conversation_is_trained_on(tmp_path):
    data = write_cmudog(tmp_path / "dog")
    train = training_conversations(data)
    assert [c.id for c in train] == ["tr0", "tr1"]                       # "dup" repeats a test conversation
    held = {t for s in ("valid", "test") for c in cmudog.conversations(data, s) for _, _, t in c.turns}
    out = tmp_path / "corpus"
    counts = build_corpus(ROOT / "data" / "austen", data, out, wrap_every=2)
    assert counts["cmudog"][0] == 2 and counts["austen"][0] == 6
    written = "".join(p.read_text(encoding="utf-8") for p in sorted((out / "cmudog").glob("*.txt")))
    assert not any(f": {t}\n" in written for t in held)
    assert "Did you like the film?" not in written and "A valid turn." not in written


def test_corpus_build_gives_the_same_bytes_twice(tmp_path):
    data = write_cmudog(tmp_path / "dog")
    a, b = tmp_path / "a", tmp_path / "b"
    build_corpus(ROOT / "data" / "austen", data, a, wrap_every=2)
    build_corpus(ROOT / "data" / "austen", data, b, wrap_every=2)
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    lines = [max(map(len, p.read_text().split("\n"))) for p in sorted((a / "cmudog").glob("*.txt"))]
    assert lines[0] > 70 and lines[1] <= 70                              # one in wrap_every=2 hard-wrapped


def test_bad_cmudog_path_names_the_problem(tmp_path):
    with pytest.raises(InputError, match="documents.jsonl"):
        cmudog.documents(tmp_path)
    with pytest.raises(InputError, match="split"):
        cmudog.conversations(write_cmudog(tmp_path / "dog"), "dev")


def test_heldout_texts_come_from_the_test_split_only(tmp_path):
    from cmudog_fixture import write_cmudog

    from infformer.corpora import cmudog
    from infformer.corpora.corpus import cmudog_heldout_texts
    from infformer.io.textio import InputError
    data = write_cmudog(tmp_path / "dog")
    texts = cmudog_heldout_texts(data, "test")
    tests = cmudog.conversations(data, "test")
    docs = cmudog.documents(data)
    assert [t for _, t in texts] == [docs[c.document].text + "\n" + cmudog.dialogue_text(c.turns) for c in tests]
    assert [n for n, _ in cmudog_heldout_texts(data, "test", every=2)] == ["test-0000.txt"]
    with pytest.raises(InputError, match="not train"):
        cmudog_heldout_texts(data, "train")
