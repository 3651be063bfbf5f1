"""What people upload or pass that is not UTF-8 text: named as what it is, with what to do; UTF-16
and UTF-32 with a byte-order mark read as text (the command line and the app share decode_text)."""
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infformer.io.textio import InputError, decode_text


@pytest.mark.parametrize("data, words", [
    (b"%PDF-1.4\n...", "a PDF document"),
    (b"PK\x03\x04" + bytes(30), ".docx"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(30), "old Microsoft Office"),
    (b"\x1f\x8b\x08\x00" + bytes(30), "gzip"),
    (b"\xff\xd8\xff\xe0" + bytes(30), "JPEG"),
    (b"a\x00b\x00c\x00", "UTF-16 without a byte-order mark"),
    (b"\x01\x00\x02", "looks binary"),
])
def test_not_text_is_named(data, words):
    with pytest.raises(InputError, match="f.txt") as e:
        decode_text(data, "f.txt")
    assert words in str(e.value)


@given(st.text(min_size=1).filter(lambda t: t.strip() and "\x00" not in t and not t.startswith("\ufeff")),
       st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig"]))
def test_unicode_with_a_byte_order_mark_round_trips(text, encoding):
    data = text.encode(encoding)
    if encoding in ("utf-16-le", "utf-16-be"):  # these codecs write no mark: add it as editors do
        data = "\ufeff".encode(encoding) + data
    assert decode_text(data) == text
