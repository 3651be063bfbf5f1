"""Sharing one's own text: a link that carries a short text, and the session file round trip."""
import json

import pytest
from app_helpers import assert_clean, errors, needs_model, open_page, start, warnings, widget

from infformer.core.settings import MEMORY_RANGES
from pages._docs import PASSKEY_LENGTH
from pages._share import MAX_LINK_CHARS, NOT_CARRIED, ShareError, decode_text, encode_text, read_session, session_json

pytestmark = needs_model
from infformer.io.checkpoint import DEFAULT_MODEL  # noqa: E402

DEFAULT_NAME = DEFAULT_MODEL.name
TEXT = "The lighthouse keeper counted the ships that passed in the night. " * 25
SETTINGS = dict(tau=0.75, num_samples=128, sticky=False, num_bins=64, seed=7)


def test_link_codec_round_trip_and_limit():
    assert decode_text(encode_text(TEXT)) == TEXT
    assert encode_text("é日本 " * 10) and decode_text(encode_text("é日本 " * 10)) == "é日本 " * 10
    import random
    rng = random.Random(0)
    noise = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz ") for _ in range(20_000))
    assert encode_text(noise) is None  # incompressible and long: too long for a link
    with pytest.raises(ShareError, match="could not be read"):
        decode_text(encode_text(TEXT)[:-40])


def test_a_link_with_a_short_pasted_text_opens_that_text():
    at = start()
    at.get("button_group")[0].set_value("Paste").run()
    widget(at, "text_area", "Your text").input(TEXT)
    widget(at, "text_input", "Query or dialogue turn, read after the text (optional)").input("What was counted?")
    next(b for b in at.button if b.label == "Run").click().run()
    assert_clean(at)
    params = dict(at.query_params)
    assert "text" in params and "example" not in params and len(params["text"]) <= MAX_LINK_CHARS
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in params.items()}
    other = start(query_params=link)  # a second user opening the link
    assert_clean(other)
    doc = other.session_state["doc"]
    assert doc.text == TEXT and doc.query == "What was counted?" and doc.label == "text from a link"
    assert any(h.value == "text from a link" for h in other.subheader)


def test_a_broken_link_says_so_and_shows_the_example():
    at = start(query_params={"text": "not-a-packed-text!!"})
    assert any("could not be read" in w for w in warnings(at)), warnings(at)
    assert "Home Alone" in at.session_state["doc"].label


def test_a_link_too_short_for_its_text_says_so_where_it_is_opened():
    """Issue 24: a long pasted text left no text in the address bar, and the link silently showed
    Home Alone. The link now says the text did not fit, and every page it opens on tells the reader."""
    long_text = " ".join(f"Sentence {i} says something about item {i * 7919 % 104729}." for i in range(4000))
    at = start()
    at.get("button_group")[0].set_value("Paste").run()
    widget(at, "text_area", "Your text").input(long_text)
    next(b for b in at.button if b.label == "Run").click().run()
    assert_clean(at)
    link = {k: (v[0] if isinstance(v, list) else v) for k, v in dict(at.query_params).items()}
    assert link["text"] == NOT_CARRIED and "example" not in link
    at.switch_page("pages/excerpts.py").run()  # the sender, about to copy the address bar, is told too
    assert any("does not carry this text" in c.value for c in at.caption)
    for page in ("run", "excerpts"):
        other = open_page(page, link) if page != "run" else start(link)
        assert any("too long to travel in a link" in w and "session file" in w for w in warnings(other)), page
        assert "Home Alone" in other.session_state["doc"].label


def test_bad_link_settings_are_reported_not_silently_replaced():
    at = start(query_params={"tau": "abc", "M": "99999", "sticky": "maybe", "model": "/etc", "example": "nope"})
    assert_clean(at)
    said = " ".join(warnings(at))
    for part in ("tau='abc'", "M=99999", "sticky='maybe'", "'/etc'", "'nope'"):
        assert part in said, (part, said)
    s = at.session_state["settings"]
    assert s.num_samples == MEMORY_RANGES["num_samples"].high  # the nearest allowed value
    assert "Home Alone" in at.session_state["doc"].label


def test_a_pass_key_link_cannot_ask_for_more_than_the_slider_allows():
    at = start(query_params={"example": "passkey", "length": "200000", "depth": "0.5"})
    assert_clean(at)
    assert at.session_state["doc"].params["length"] == PASSKEY_LENGTH[1]
    assert any("out of range" in w for w in warnings(at))


def test_session_file_round_trip():
    data = session_json(TEXT, "Who counted?", "my notes", DEFAULT_NAME, SETTINGS).encode()
    at = start()
    at.get("button_group")[0].set_value("Session file").run()
    at.file_uploader[0].upload("session.json", data, "application/json").run()
    assert_clean(at)
    assert not errors(at)
    doc = at.session_state["doc"]
    assert (doc.text, doc.query, doc.label) == (TEXT, "Who counted?", "my notes")
    s = at.session_state["settings"]
    assert (s.tau, s.num_samples, s.sticky, s.num_bins, s.seed) == (0.75, 128, False, 64, 7)
    assert at.query_params["tau"] == ["0.75"] or at.query_params["tau"] == "0.75"
    back = read_session(session_json(doc.text, doc.query, doc.label, DEFAULT_NAME,
                                     dict(tau=s.tau, num_samples=s.num_samples, sticky=s.sticky,
                                          num_bins=s.num_bins, seed=s.seed)).encode())
    assert back["text"] == TEXT and back["settings"] == SETTINGS


@pytest.mark.parametrize("data,message", [
    (b"\xff\xfe not json", "not UTF-8 JSON"),
    (json.dumps({"format": "something else"}).encode(), "format"),
    (session_json(TEXT, "", "x", "m", {**SETTINGS, "num_bins": 1}).encode(), "D must lie in [4, 1024]"),
    (session_json("   ", "", "x", "m", SETTINGS).encode(), "text is empty"),
])
def test_bad_session_files_are_refused_and_change_nothing(data, message):
    at = start()
    at.get("button_group")[0].set_value("Session file").run()
    at.file_uploader[0].upload("session.json", data, "application/json").run()
    assert any(message in e for e in errors(at)), errors(at)
    assert "Home Alone" in at.session_state["doc"].label
