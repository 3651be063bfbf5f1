"""Build the language-model training corpus (see infformer/corpora/corpus.py for the rules).

    python scripts/build_corpus.py --cmudog ../shared/data/cmu_dog/full --out build/corpus

    python scripts/build_corpus.py --cmudog ../shared/data/cmu_dog/full --heldout-out build/eval/cmudog-test --every 4

    python scripts/build_corpus.py --cmudog ../shared/data/cmu_dog/full --mix --out build/corpus

With --mix, the corpus for a memory on a pretrained backbone is written instead (out/mix/, see
infformer/corpora/mix.py): Austen, CMU-DoG and books from Debian's documentation packages
(`apt-get install debian-handbook developers-reference debian-reference-en gnu-standards`).

CMU-DoG is read from its path and never copied into the repository; `build/` is git-ignored.
With --heldout-out, only the held-out texts are written: every K-th test conversation after its
film's document (the language-model table's held-out CMU-DoG).
Without --cmudog only Austen (as paragraphs) is written.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from infformer.corpora.corpus import build_corpus
from infformer.corpora.mix import build_mix
from infformer.io.textio import InputError

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--austen", default=str(ROOT / "data" / "austen"))
    p.add_argument("--cmudog", help="the condensed CMU-DoG directory (documents.jsonl, conversations.jsonl)")
    p.add_argument("--out", help="the training corpus's directory")
    p.add_argument("--heldout-out", metavar="DIR", help="write held-out test texts here instead")
    p.add_argument("--every", type=int, default=1, help="with --heldout-out: every K-th test conversation")
    p.add_argument("--mix", action="store_true", help="write the mixed corpus (out/mix/) for a pretrained backbone")
    p.add_argument("--wrap-every", type=int, default=4, help="hard-wrap one CMU-DoG document in K (0: none)")
    args = p.parse_args(argv)
    if args.heldout_out:
        return write_heldout(args)
    if not args.out:
        p.error("give --out (the training corpus) or --heldout-out (held-out texts)")
    try:
        if args.mix:
            counts = build_mix(args.austen, args.cmudog, args.out)
        else:
            counts = build_corpus(args.austen, args.cmudog, args.out, args.wrap_every)
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    for part, (files, chars) in counts.items():
        print(f"{part}: {files} files, {chars:,} characters -> {args.out}/{'mix' if args.mix else part}/")
    return 0


def write_heldout(args) -> int:
    from infformer.corpora.corpus import cmudog_heldout_texts
    if not args.cmudog:
        print("error: --heldout-out needs --cmudog", file=sys.stderr)
        return 2
    try:
        texts = cmudog_heldout_texts(args.cmudog, "test", max(1, args.every))
    except InputError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out = Path(args.heldout_out)
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.txt"):
        old.unlink()
    for name, text in texts:
        (out / name).write_text(text, encoding="utf-8")
    print(f"cmudog test: {len(texts)} files, {sum(len(t) for _, t in texts):,} characters -> {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
