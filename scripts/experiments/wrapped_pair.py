"""One held-out passage twice: as paragraphs, and hard-wrapped at 70 characters.

    python scripts/experiments/wrapped_pair.py --out build/eval

Writes persuasion_tail_paragraphs.txt and persuasion_tail_wrapped70.txt: the last 5% of Persuasion
as paragraphs (the part training never saw; `train` holds out the last 5% of every document's
tokens), and the same text with every paragraph wrapped at 70 characters, as the source was. A
model that reads both shapes scores them alike in bits per character.
"""
from __future__ import annotations

import argparse
from pathlib import Path

from infformer.corpora.paragraphs import join_wrapped_lines, tail_paragraphs, wrap_paragraphs

ROOT = Path(__file__).resolve().parents[2]


def heldout_tail(fraction: float = 0.045) -> str:
    """The last `fraction` of Persuasion as paragraphs, starting at a paragraph."""
    text = join_wrapped_lines((ROOT / "data" / "austen" / "4_persuasion.txt").read_text(encoding="utf-8"))
    return tail_paragraphs(text, fraction)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    tail = heldout_tail()  # inside the last 5% of tokens that training held out
    (out / "persuasion_tail_paragraphs.txt").write_text(tail, encoding="utf-8")
    (out / "persuasion_tail_wrapped70.txt").write_text(wrap_paragraphs(tail, 70), encoding="utf-8")
    print(f"{len(tail):,} characters -> {out}/persuasion_tail_{{paragraphs,wrapped70}}.txt")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
