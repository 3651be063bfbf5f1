"""The mixed corpus for a memory on a pretrained backbone: books read from documentation packages
(HTML pages followed by their rel="next" links, gzipped text), chapters, the even interleaving, and
Austen's held-out tail never written."""
import gzip
from pathlib import Path

import pytest
from cmudog_fixture import write_cmudog
from hypothesis import given
from hypothesis import strategies as st

from infformer.corpora.debian_docs import Book, book_texts, html_text
from infformer.corpora.mix import AUSTEN_HELDOUT, austen_training_chunks, build_mix, chunks, interleave
from infformer.io.textio import InputError

PAGE = ('<html><head><title>Chapter {n}</title><link rel="next" href="{next}" title="x" /></head><body>'
        '<ul class="docnav"><li class="next"><a accesskey="n" href="{next}"><strong>Next</strong></a></li></ul>'
        '<div class="chapter"><h1 class="title">Chapter {n}</h1>\n\t\t<p>Text of\n\t\tpage {n} &amp; more.</p>'
        '<script>var x = 1;</script><pre>$ apt-get install x</pre></div></body></html>')


def write_book(directory: Path) -> tuple:
    """A three-page HTML book and a gzipped text book."""
    for n, nxt in ((1, "p2.html"), (2, "p3.html"), (3, "missing.html")):
        (directory / f"p{n}.html").write_text(PAGE.format(n=n, next=nxt), encoding="utf-8")
    (directory / "book.txt.gz").write_bytes(gzip.compress(b"Line one   \r\n\n\n\nLine two\n"))
    return (Book("html-book", "pkg-html", "MIT", (str(directory / "p1.html"),)),
            Book("text-book", "pkg-text", "GPL-2+", (str(directory / "book.txt.gz"),)))


def test_html_book_follows_next_links_and_keeps_only_the_text(tmp_path):
    texts = dict(book_texts(write_book(tmp_path)))
    html = texts["html-book.txt"]
    assert [html.count(f"Text of\npage {n} & more.") for n in (1, 2, 3)] == [1, 1, 1]  # each page once, in order
    assert html.index("page 1") < html.index("page 2") < html.index("page 3")
    assert "Next" not in html and "var x" not in html          # navigation bars and scripts left out
    assert "$ apt-get install x" in html                        # examples are part of the English
    assert "\t" not in html                                     # the markup's indentation is not text
    assert texts["text-book.txt"] == "Line one\n\nLine two\n"


def test_a_missing_book_names_the_package_to_install(tmp_path):
    with pytest.raises(InputError, match="apt-get install pkg-x"):
        book_texts([Book("x", "pkg-x", "MIT", (str(tmp_path / "nope.txt.gz"),))])
    with pytest.raises(InputError, match=r"`apt-get install pkg-x pkg-y`$"):   # every missing package, in one line
        book_texts([Book("x", "pkg-x", "MIT", (str(tmp_path / "nope.txt.gz"), str(tmp_path / "nope2.html"))),
                    Book("y", "pkg-y", "MIT", (str(tmp_path / "nope3.txt.gz"),))])


def test_a_cycle_of_next_links_ends_the_book(tmp_path):
    (tmp_path / "a.html").write_text('<link rel="next" href="b.html" /><p>A</p>', encoding="utf-8")
    (tmp_path / "b.html").write_text('<link rel="next" href="a.html" /><p>B</p>', encoding="utf-8")
    text = dict(book_texts([Book("c", "p", "MIT", (str(tmp_path / "a.html"),))]))["c.txt"]
    assert text.split() == ["A", "B"]


def test_html_text_paragraphs():
    assert html_text("<p>one</p><p>two</p><div>three</div>") == "one\n\ntwo\n\nthree\n"


@given(st.lists(st.text(alphabet="ab \n", min_size=0, max_size=60), min_size=1, max_size=30),
       st.integers(20, 200))
def test_chunks_keep_every_paragraph_and_stay_near_the_size(paras, size):
    text = "\n\n".join(p.strip("\n") for p in paras)
    out = chunks(text, size)
    kept = [p.strip() for c in out for p in c.split("\n\n") if p.strip()]
    assert kept == [p.strip() for p in text.split("\n\n") if p.strip()]
    longest = max((len(p) for p in text.split("\n\n")), default=0)
    assert all(len(c) <= max(size, longest) + 2 for c in out)


def test_interleave_spreads_every_source_evenly():
    order = [name for name, _ in interleave({"a": ["a"] * 10, "b": ["b"] * 5, "c": ["c"] * 2})]
    assert len(order) == 17 and order.count("b") == 5
    for name, n in (("a", 10), ("b", 5), ("c", 2)):
        positions = [i for i, x in enumerate(order) if x == name]
        # document k of n sits near (k + 0.5) / n of the way along
        assert all(abs(p / 17 - (k + 0.5) / n) < 0.12 for k, p in enumerate(positions))


def test_austen_held_out_tail_is_never_written(tmp_path):
    austen = tmp_path / "austen"
    austen.mkdir()
    paragraphs = [f"Paragraph {i} of the novel,\nwrapped." for i in range(400)]
    (austen / "1_novel.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    written = " ".join(austen_training_chunks(austen))
    kept = [i for i in range(400) if f"Paragraph {i} of" in written]
    assert kept == list(range(len(kept)))                    # a prefix of the novel
    assert len(kept) <= 400 * (1 - AUSTEN_HELDOUT)           # its last 6% of characters held out
    assert len(kept) >= 400 * (1 - AUSTEN_HELDOUT) - 2


def test_build_mix_writes_interleaved_documents_with_provenance(tmp_path):
    austen = tmp_path / "austen"
    austen.mkdir()
    (austen / "1_novel.txt").write_text("\n\n".join(f"Paragraph {i}." for i in range(300)) + "\n", encoding="utf-8")
    books = tmp_path / "books"
    books.mkdir()
    counts = build_mix(austen, write_cmudog(tmp_path / "cmudog"), tmp_path / "out", cmudog_every=1,
                       books=write_book(books))
    names = sorted(p.name for p in (tmp_path / "out" / "mix").glob("*.txt"))
    assert len(names) == sum(n for n, _ in counts.values())
    assert {n.split("-", 1)[1].removesuffix(".txt") for n in names} == {"austen", "books", "cmudog"}
    provenance = (tmp_path / "out" / "mix" / "PROVENANCE.md").read_text()
    assert "pkg-html" in provenance and "GPL-2+" in provenance and names[0] in provenance
    # deterministic: a rebuild writes the same bytes and leaves nothing stale
    before = {n: (tmp_path / "out" / "mix" / n).read_bytes() for n in names}
    build_mix(austen, write_cmudog(tmp_path / "cmudog"), tmp_path / "out", cmudog_every=1, books=write_book(books))
    assert {p.name: p.read_bytes() for p in (tmp_path / "out" / "mix").glob("*.txt")} == before
