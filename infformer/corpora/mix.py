"""The mixed corpus for a memory on a pretrained backbone: Austen, CMU-DoG and modern English books,
cut into chapter-sized documents and interleaved so that every stretch of the list has all three.

Why interleave: the trainer deals the documents, in order, into a few contiguous streams and a run
on this CPU reads only a fraction of them; a corpus listed source by source would train the memory
on the first source alone (issue 23's first run saw Austen only, and its memory helped on Austen
and hurt everywhere else).

`build_mix(austen_dir, cmudog_dir, out)` writes out/mix/NNNNN-SOURCE.txt and out/mix/PROVENANCE.md.
Held out, never written: the last `AUSTEN_HELDOUT` of every novel (the evaluation's held-out Austen
is its last 5% of tokens) and everything of CMU-DoG but its train split (corpus.py's rules).
"""
from __future__ import annotations

import hashlib
from pathlib import Path

from ..io.textio import InputError, read_text
from .corpus import cmudog_training_texts
from .debian_docs import BOOKS, book_texts
from .paragraphs import join_wrapped_lines

CHUNK_CHARS = 40_000      # about 10,000 tokens: twenty 512-token segments with the memory carried
AUSTEN_HELDOUT = 0.06     # of characters, more than the 5% of tokens `evaluate --heldout 0.05` reads
CMUDOG_EVERY = 8          # one CMU-DoG training document in eight (about as many characters as the books)


def chunks(text: str, size: int = CHUNK_CHARS) -> list:
    """Consecutive pieces of at most about `size` characters, cut between paragraphs."""
    out, current, length = [], [], 0
    for para in text.split("\n\n"):
        if current and length + len(para) > size:
            out.append("\n\n".join(current).strip() + "\n")
            current, length = [], 0
        current.append(para)
        length += len(para) + 2
    if "".join(current).strip():
        out.append("\n\n".join(current).strip() + "\n")
    return out


def austen_training_chunks(austen_dir) -> list:
    """Every novel less its held-out tail, in chapters; odd chapters keep the book's hard line wraps,
    even ones are joined into paragraphs (users bring both shapes of text)."""
    files = sorted(Path(austen_dir).glob("*.txt"))
    if not files:
        raise InputError(f"{austen_dir}: no .txt files (expected data/austen)")
    out = []
    for f in files:
        text = read_text(f)
        cut = text.rfind("\n\n", 0, int(len(text) * (1 - AUSTEN_HELDOUT)))
        for k, piece in enumerate(chunks(text[:cut])):
            out.append(piece if k % 2 else join_wrapped_lines(piece))
    return out


def interleave(sources: dict) -> list:
    """(source, text) in an order where each source's documents are spread evenly: document k of n
    sits at (k + 0.5) / n along the list (ties broken by source name, so the order is fixed)."""
    keyed = [((k + 0.5) / len(texts), name, k, text)
             for name, texts in sources.items() for k, text in enumerate(texts)]
    return [(name, text) for _, name, _, text in sorted(keyed, key=lambda t: t[:3])]


def build_mix(austen_dir, cmudog_dir, out, cmudog_every: int = CMUDOG_EVERY, books=BOOKS) -> dict:
    """Write the mixed corpus; returns {source: (documents, characters)}."""
    sources = {"austen": austen_training_chunks(austen_dir),
               "books": [c for _, text in book_texts(books) for c in chunks(text)]}
    if cmudog_dir is not None:
        sources["cmudog"] = [t for _, t in cmudog_training_texts(cmudog_dir)[::cmudog_every]]
    mix = Path(out) / "mix"
    mix.mkdir(parents=True, exist_ok=True)
    for old in mix.glob("*.txt"):  # a rebuild never leaves stale documents behind
        old.unlink()
    lines = []
    for i, (name, text) in enumerate(interleave(sources)):
        data = text.encode("utf-8")
        (mix / f"{i:05d}-{name}.txt").write_bytes(data)
        lines.append(f"{hashlib.sha256(data).hexdigest()}  {i:05d}-{name}.txt")
    counts = {name: (len(texts), sum(map(len, texts))) for name, texts in sources.items()}
    (mix / "PROVENANCE.md").write_text(provenance(counts, cmudog_every, books) + "\n## sha256\n\n```\n"
                                       + "\n".join(lines) + "\n```\n", encoding="utf-8")
    return counts


def provenance(counts: dict, cmudog_every: int, books=BOOKS) -> str:
    text = ("# Mixed training corpus (built by `scripts/build_corpus.py --mix`; do not edit by hand)\n\n"
            f"Documents of at most ~{CHUNK_CHARS:,} characters, interleaved (`infformer/corpora/mix.py`).\n\n"
            f"- `austen`: {counts['austen'][0]} chapters, {counts['austen'][1]:,} characters: `data/austen/` "
            f"(public domain) less the last {AUSTEN_HELDOUT:.0%} of every novel (held out for evaluation); "
            "every other chapter joined into paragraphs.\n"
            f"- `books`: {counts['books'][0]} chapters, {counts['books'][1]:,} characters, from Debian packages "
            "(read where they install; never committed):\n")
    for book in books:
        text += f"  - {book.name}: package `{book.package}`, licence {book.licence}\n"
    if "cmudog" in counts:
        text += (f"- `cmudog`: {counts['cmudog'][0]} documents, {counts['cmudog'][1]:,} characters: one in "
                 f"{cmudog_every} of CMU-DoG's training documents, each with one conversation (Zhou, Prabhumoye "
                 "& Black, EMNLP 2018; documents from English Wikipedia, CC BY-SA 3.0; train split only, less "
                 "conversations that also appear in valid or test). Never commit these files.\n")
    return text
