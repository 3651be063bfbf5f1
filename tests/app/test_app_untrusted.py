"""Links and session files carry data, never reach (issue 25): what someone else wrote is shown as
text, checked against a schema with size and depth limits, and answered with a message, never a
traceback; a session file the app writes, the app can open."""
import gzip
import json
import random

import pytest
from app_helpers import assert_clean, errors, needs_model, open_page, shown, start, warnings
from markdown_it import MarkdownIt

from infformer.io.textio import MAX_QUERY_CHARS
from pages._docs import MAX_INPUT_BYTES
from pages._share import MAX_SESSION_BYTES, ShareError, encode_text, read_session, session_file, session_json
from pages._text import plain

pytestmark = needs_model
TEXT = "The lighthouse keeper counted the ships that passed in the night. " * 25
SETTINGS = dict(tau=0.75, num_samples=128, sticky=False, num_bins=64, seed=7)
IMAGE = "![x](http://attacker.example/p.gif)"
HOSTILE = [IMAGE, "[click me](javascript:alert(1))", "<img src=http://attacker.example/q.gif>",
           ":red[alarm] :material/warning: $x^2$", "# heading\n- list", "<script>alert(1)</script>",
           "**bold** _it_ `code` \\", "<http://attacker.example/auto>"]


def rendered(markdown: str) -> str:
    """HTML of a Markdown source, as a CommonMark renderer with links, images and raw HTML on makes it."""
    return MarkdownIt("commonmark").render(markdown)


@pytest.mark.parametrize("text", HOSTILE)
def test_plain_shows_any_string_as_its_own_text(text):
    html = rendered(plain(text, None))
    assert "<img" not in html and "<a " not in html and "<script" not in html and "<h1" not in html
    assert "<li" not in html and "<strong" not in html and "<em" not in html and "<code" not in html


def test_plain_keeps_the_characters_a_reader_sees():
    rng = random.Random(1)
    for _ in range(200):
        text = "".join(rng.choice("ab ![]()<>*_`#:-\\$|~.&é日") for _ in range(rng.randint(1, 40)))
        html = rendered(plain(text, None))
        inner = html.removeprefix("<p>").removesuffix("</p>\n")
        import html as h
        assert h.unescape(inner) == " ".join(text.split()), text


def all_markdown(at) -> list:
    """The Markdown source of every element that renders Markdown (text, captions, messages, headers)."""
    kinds = ("markdown", "caption", "error", "warning", "info", "success", "subheader", "header", "title")
    return [e.value for k in kinds for e in at.get(k)] + [e.value for k in kinds for e in at.sidebar.get(k)]


def assert_nothing_fetched(at) -> None:
    for md in all_markdown(at):
        html = rendered(md)
        assert "attacker.example" not in "".join(a for a in html.split('"') if a.startswith("http")), md
        assert "<img" not in html, md


def test_a_links_query_in_markdown_is_shown_as_text():
    at = start({"text": encode_text(TEXT), "query": IMAGE})
    assert_clean(at)
    assert at.session_state["doc"].query == IMAGE  # kept as the query ...
    assert_nothing_fetched(at)                     # ... and never rendered as an image
    assert any("attacker.example" in shown(md) for md in all_markdown(at))  # it is shown, as text


@pytest.mark.parametrize("page", ["excerpts", "attention"])
def test_other_pages_show_a_hostile_query_as_text(page):
    at = open_page(page, {"text": encode_text(TEXT), "query": IMAGE})
    assert_nothing_fetched(at)


def upload(at, name: str, data: bytes):
    at.get("button_group")[0].set_value("Session file").run()
    at.file_uploader[0].upload(name, data, "application/octet-stream").run()
    assert_clean(at)


def test_a_session_files_label_and_query_are_shown_as_text():
    at = start()
    upload(at, "s.json", session_json(TEXT, HOSTILE[1], IMAGE, "austen-cmudog-sticky", SETTINGS).encode())
    assert not errors(at)
    assert at.session_state["doc"].label == IMAGE
    assert_nothing_fetched(at)
    assert not any("<a " in rendered(md) for md in all_markdown(at) if "click me" in md)


def session_dict(**changes) -> dict:
    return {**json.loads(session_json(TEXT, "q", "l", "austen-cmudog-sticky", SETTINGS)), **changes}


def deep(n: int):
    value = []
    for _ in range(n):
        value = [value]
    return value


BAD = [
    (json.dumps(session_dict(query="ok \ud800 half")).encode(), "unpaired surrogate"),
    (b'{"format": "infformer-session", "version": 1, "text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "nested too deeply"),
    (json.dumps(session_dict(label=deep(50))).encode(), "nested deeper"),
    (json.dumps(session_dict(extra="x")).encode(), "a field this app does not know"),
    (json.dumps(session_dict(settings={**SETTINGS, "n_layers": 100000})).encode(), "a setting this app does not know"),
    (json.dumps(session_dict(query="q" * (MAX_QUERY_CHARS + 1))).encode(), "the limit is 10,000"),
    (json.dumps(session_dict(settings={**SETTINGS, "tau": 1e400})).encode(), "τ must lie in"),
    (json.dumps(session_dict(text="a\x00b")).encode(), "NUL"),
    (gzip.compress(b"{" * 10)[:-4], "gzip"),
    (gzip.compress(b" " * (MAX_SESSION_BYTES + 10)), "once decompressed"),
]


@pytest.mark.parametrize("data,message", BAD, ids=[m for _, m in BAD])
def test_a_bad_session_file_is_named_never_a_traceback(data, message):
    with pytest.raises(ShareError, match=message.replace("(", r"\(")):
        read_session(data)
    at = start()
    upload(at, "s.json", data)
    assert any(message in e for e in errors(at)), errors(at)
    assert "Home Alone" in at.session_state["doc"].label  # nothing changed
    at.get("button_group")[0].set_value("Example").run()  # and the session goes on
    assert_clean(at)


def test_a_session_file_the_app_writes_for_its_largest_text_it_can_open():
    rng = random.Random(0)
    words = ["memory", "signal", "the", "of", "continuous", "attention", "basis", "Gaussian", "a", "reads"]
    text = " ".join(rng.choice(words) for _ in range(200_000))[:MAX_INPUT_BYTES - 10]
    data = session_file(text, "What is read?", "big", "austen-cmudog-sticky", SETTINGS)
    assert len(data) < 1_000_000 < len(session_json(text, "What is read?", "big", "austen-cmudog-sticky", SETTINGS))
    assert read_session(data)["text"] == text  # (opening it in the app would trace 1 MB: the small one below)


def test_the_app_opens_its_own_compressed_session_file():
    data = session_file(TEXT, "Who counted?", "notes", "austen-cmudog-sticky", SETTINGS)
    at = start()
    upload(at, "session.json.gz", data)
    assert not errors(at), errors(at)
    assert (at.session_state["doc"].text, at.session_state["doc"].query) == (TEXT, "Who counted?")


def test_a_links_query_over_the_limit_is_dropped_with_a_notice():
    at = start({"text": encode_text(TEXT), "query": "q" * (MAX_QUERY_CHARS + 1)})
    assert at.session_state["doc"].query == ""
    assert any("the limit is 10,000" in w for w in warnings(at))
