"""AppTest: every bad input the issue lists shows a clear message and the app keeps working:
empty text, binary or undecodable upload, text over the limit, a directory that is not a
checkpoint; plus nonsense in the URL."""
import pytest
from app_helpers import assert_clean, default_tau, errors, figures, needs_model, shown, start, widget

pytestmark = needs_model


def still_working(at, label_part="Home Alone"):
    """The previous text is still traced and summarised."""
    assert_clean(at)
    assert any(m.label == "Tokens per second" for m in at.metric)
    assert any(label_part in shown(h.value) for h in at.subheader)


def choose_source(at, source):
    at.get("button_group")[0].set_value(source).run()
    assert_clean(at)
    return at


def paste(at, text):
    widget(at, "text_area", "Your text").input(text)
    next(b for b in at.button if b.label == "Run").click().run()
    return at


def test_empty_paste():
    at = paste(choose_source(start(), "Paste"), "   \n\t ")
    assert any("empty" in e for e in errors(at)), errors(at)
    still_working(at)


def test_paste_over_the_limit():
    from pages._docs import MAX_INPUT_BYTES
    at = paste(choose_source(start(), "Paste"), "word " * (MAX_INPUT_BYTES // 5 + 10))
    assert any("the limit is 1,000,000" in e for e in errors(at)), errors(at)
    still_working(at)


def test_good_paste_is_traced():
    at = paste(choose_source(start(), "Paste"), "It was a bright cold day in April. " * 40)
    assert not errors(at)
    assert_clean(at)
    assert at.session_state["doc"].label == "pasted text"
    assert any(h.value == "pasted text" for h in at.subheader)


@pytest.mark.parametrize("name,data,message", [
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)), "a PNG image"),
    ("data.bin", b"\x01\x02\x03" + bytes(range(256)), "looks binary"),
    ("paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "a PDF document, not plain text"),
    ("notes.docx", b"PK\x03\x04\x14\x00\x06\x00" + bytes(100), ".docx"),
    ("latin1.txt", "Café crème, déjà vu".encode("latin-1"), "not valid UTF-8"),
    ("empty.md", b"", "empty"),
    ("blank.txt", b"  \n\n  ", "empty"),
    ("huge.txt", b"a " * 600_000, "the limit is 1,000,000"),
])
def test_bad_upload(name, data, message):
    at = choose_source(start(), "Upload")
    at.file_uploader[0].upload(name, data, "text/plain").run()
    assert any(message in e and name in e for e in errors(at)), errors(at)
    still_working(at)


def test_utf16_upload_with_a_byte_order_mark_is_read():
    """Issue 24: a UTF-16 file (as Windows editors save "Unicode" text) was called binary."""
    text = "The memory keeps what it reads — naïvely, perhaps. " * 30
    at = choose_source(start(), "Upload")
    at.file_uploader[0].upload("windows.txt", text.encode("utf-16"), "text/plain").run()
    assert not errors(at)
    assert at.session_state["doc"].text == text


def test_good_upload_is_traced():
    at = choose_source(start(), "Upload")
    at.file_uploader[0].upload("note.md", b"# A note\n\nThe memory keeps what it reads. " * 30, "text/markdown").run()
    assert not errors(at)
    assert_clean(at)
    assert at.session_state["doc"].label == "uploaded file note.md"


@pytest.mark.parametrize("kind", ["empty directory", "missing", "a file", "bad config"])
def test_local_directory_that_is_not_a_checkpoint(tmp_path, kind):
    path = {"empty directory": tmp_path, "missing": tmp_path / "nope"}.get(kind)
    if kind == "a file":
        path = tmp_path / "model.txt"
        path.write_text("hello")
    if kind == "bad config":
        path = tmp_path / "ckpt"
        path.mkdir()
        (path / "config.json").write_text("{not json")
    at = start()
    at.sidebar.selectbox[0].set_value("Local checkpoint directory…").run()
    at.sidebar.text_input[0].input(str(path)).run()
    assert any("Not a checkpoint" in e for e in errors(at)), errors(at)
    assert any(str(path.name) in e for e in errors(at))
    still_working(at)  # on the shipped default model
    at.switch_page("pages/attention.py").run()
    assert_clean(at)


def test_nonsense_in_the_url():
    at = start({"example": "nope", "tau": "abc", "M": "-", "sticky": "maybe", "seed": "x", "length": "y"})
    assert not errors(at)
    still_working(at)
    assert at.query_params["example"] == "home_alone" and at.query_params["tau"] == default_tau()


def test_out_of_range_settings_in_the_url_are_clamped():
    at = start({"tau": "7", "M": "-5", "D": "99999", "seed": "-1"})
    assert not errors(at)
    still_working(at)
    q = at.query_params
    assert (q["tau"], q["M"], q["D"], q["seed"]) == ("0.95", "8", "1024", "0")


def traced_label_and_query(at):
    run = at.session_state["doc"]
    return run.text, run.query


def test_every_submission_is_traced_and_shown():
    """Paste → run → paste → run → edit only the query → run: each submission traced, none lost."""
    at = choose_source(start(), "Paste")
    texts = [f"Submission {k}: the dog ran to the river and back. " * 30 for k in "ABCDE"]
    for text in texts:
        paste(at, text)
        assert not errors(at) and traced_label_and_query(at) == (text, "")
        assert widget(at, "text_area", "Your text").value == text   # the box keeps what was submitted
        assert any(h.value == "pasted text" for h in at.subheader)
    for query in ("Where did the dog run?", "And back to where?"):
        widget(at, "text_input", "Query or dialogue turn, read after the text (optional)").input(query)
        next(b for b in at.button if b.label == "Run").click().run()
        assert traced_label_and_query(at) == (texts[-1], query)
        assert any(query in shown(m.value) for m in at.markdown), query   # shown as the query read after the text


def test_pasted_text_survives_a_look_at_an_example():
    at = paste(choose_source(start(), "Paste"), "My own text about rivers and dogs. " * 30)
    choose_source(at, "Example")
    assert "Home Alone" in at.session_state["doc"].label
    choose_source(at, "Paste")
    assert widget(at, "text_area", "Your text").value == "My own text about rivers and dogs. " * 30


def test_editing_the_example_query_twice_keeps_both_edits():
    at = start()
    for query in ("Who plays Kevin?", "Who plays Harry?"):
        widget(at, "text_input", "Query or dialogue turn, read after the text (optional)").input(query).run()
        assert at.session_state["doc"].query == query


@pytest.mark.parametrize("page", ["attention", "excerpts"])
def test_a_text_too_short_for_the_memory_says_so_instead_of_an_empty_picker(page):
    """Issue 24: a short text gave "Choose at least one query token above" beside a disabled picker,
    and an empty scatter with a σ axis from 0.1 to 10k."""
    at = paste(choose_source(start(), "Paste"), "A short note. It fits in one segment.")
    at.switch_page(f"pages/{page}.py").run()
    assert_clean(at)
    assert any("too short for the long-term memory" in i.value for i in at.info), [i.value for i in at.info]
    assert not figures(at) and not at.multiselect
