"""Build the language-model training corpus (see infformer/corpus.py for the rules).

    python scripts/build_corpus.py --cmudog ../shared/data/cmu_dog/full --out build/corpus

CMU-DoG is read from its path and never copied into the repository; `build/` is git-ignored.
Without --cmudog only Austen (as paragraphs) is written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infformer.corpus import build_corpus
from infformer.textio import InputError

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--austen", default=str(ROOT / "data" / "austen"))
    p.add_argument("--cmudog", help="the condensed CMU-DoG directory (documents.jsonl, conversations.jsonl)")
    p.add_argument("--out", required=True)
    p.add_argument("--wrap-every", type=int, default=4, help="hard-wrap one CMU-DoG document in K (0: none)")
    args = p.parse_args(argv)
    try:
        counts = build_corpus(args.austen, args.cmudog, args.out, args.wrap_every)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for part, (files, chars) in counts.items():
        print(f"{part}: {files} files, {chars:,} characters -> {args.out}/{part}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
