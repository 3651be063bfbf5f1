"""Long modern English from Debian's documentation packages: books written as prose, installed with
`apt-get install` and read from where the packages put them (never copied into the repository).

These are the training corpus's "real English" part (issue 23): a pretrained backbone's memory
trained only on Austen and film dialogue learns to help there and hurts elsewhere. Texts that
every machine of this kind already has and that users evaluate on — licence texts, manual pages,
Python's documentation, the Debian FAQ and Policy — are deliberately not among them.

`BOOKS` names every source (package, files, licence); `book_texts()` returns (name, text) per book,
one training document each, so the memory is carried through a whole book.
"""
from __future__ import annotations

import gzip
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from ..io.textio import InputError

APT_PACKAGES = ("debian-handbook", "developers-reference", "debian-reference-en", "gnu-standards")


@dataclass(frozen=True)
class Book:
    name: str
    package: str
    licence: str
    files: tuple  # paths read in this order: .txt.gz / .text.gz, or an .html page whose
    #               rel="next" links are followed to the end (a book split into pages)


HANDBOOK = "/usr/share/doc/debian-handbook/html/en-US/index.html"

BOOKS = (
    Book("debian-handbook", "debian-handbook", "GPL-2+ or CC BY-SA 3.0 (R. Hertzog, R. Mas)",
         (HANDBOOK,)),
    Book("developers-reference", "developers-reference", "MIT (Debian Developer's Reference authors)",
         ("/usr/share/developers-reference/developers-reference.txt.gz",)),
    Book("debian-reference", "debian-reference-en", "GPL-2+ (O. Aoki)",
         ("/usr/share/debian-reference/debian-reference.en.txt.gz",)),
    Book("gnu-coding-standards", "gnu-standards", "GFDL-1.3+ (Free Software Foundation)",
         ("/usr/share/doc/gnu-standards/standards.text.gz",)),
    Book("gnu-maintainers", "gnu-standards", "GFDL-1.3+ (Free Software Foundation)",
         ("/usr/share/doc/gnu-standards/maintain.text.gz",)),
)


class _Text(HTMLParser):
    """Visible text of an HTML page, one paragraph per block element; only <head>, <script> and
    <style> are left out (a handbook's shell examples are part of the English it teaches)."""
    BLOCKS = {"p", "div", "li", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr", "br", "title"}
    SKIP = {"script", "style", "head"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skip += 1
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(html: str) -> str:
    """The page's text; line breaks in the markup stay line breaks (the text reads as hard-wrapped,
    a shape users bring too), the markup's indentation goes."""
    parser = _Text()
    parser.feed(html)
    return tidy(re.sub(r"^[ \t]+", "", "".join(parser.parts), flags=re.M))  # the markup's indentation


def tidy(text: str) -> str:
    """One blank line between paragraphs, no trailing spaces, at most one space run kept per line."""
    lines = [re.sub(r"[ \t]+$", "", line) for line in text.replace("\r", "").split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"


NEXT = re.compile(r'<link rel="next" href="([^"/]+\.html)"')
DOCNAV = re.compile(r'<ul class="docnav">.*?</ul>', re.S)  # "Prev / Next" bars, on every page


def read_file(path: Path) -> str:
    if path.suffix != ".html":
        data = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
        return tidy(data.decode("utf-8"))
    pages, seen = [], set()
    while path.name not in seen and path.is_file():  # a cycle or a dangling link ends the book
        seen.add(path.name)
        html = path.read_text(encoding="utf-8")
        pages.append(html_text(DOCNAV.sub("", html)))
        link = NEXT.search(html)
        if link is None:
            break
        path = path.with_name(link.group(1))
    return "\n".join(pages)


def book_texts(books=BOOKS) -> list:
    """(name, text) of every book; a clear error naming every package to install if any is missing
    (all at once: one `apt-get install` line, not one failure a package)."""
    missing = {}
    for book in books:
        for f in book.files:
            if not Path(f).is_file():
                missing.setdefault(book.package, f)
    if missing:
        found = "; ".join(f"{f} not found" for f in missing.values())
        raise InputError(f"{found}: install the Debian package{'s' if len(missing) > 1 else ''} with "
                         f"`apt-get install {' '.join(missing)}`")
    return [(f"{book.name}.txt", "\n".join(read_file(Path(f)) for f in book.files)) for book in books]
