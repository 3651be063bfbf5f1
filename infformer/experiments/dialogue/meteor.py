"""METEOR (Banerjee & Lavie, 2005), the paper's fourth Table 2 score, offline: nltk's implementation
with WordNet 3.0 from Debian's `wordnet-base` package (/usr/share/wordnet; scripts/setup.sh installs
it with the test tools), since nltk's own WordNet download cannot be fetched here.

nltk's reader wants a `lexnames` file that the Debian package does not ship (the 45 lexicographer
files, listed in its lexnames(5) manual page); it is written into a copy of the database in the
user's cache (~/.cache/infformer/wordnet-3.0, 28 MB, made once), which nltk's path guard is told to allow. Exact matches, Porter stems and WordNet
synonyms count, as in nltk (METEOR 1.0's modules); the authors' numbers came from their own
toolkit, so ours are comparable between our rows, not to the paper's digits.
"""
from __future__ import annotations

import os
import shutil
import string
import tempfile
import warnings
from functools import lru_cache
from pathlib import Path

WORDNET = "/usr/share/wordnet"   # Debian's wordnet-base; INFFORMER_WORDNET names another copy of the database
FILES = ("data.noun", "data.verb", "data.adj", "data.adv", "index.noun", "index.verb", "index.adj", "index.adv")
# lexnames(5): file number, name, syntactic category (1 noun, 2 verb, 3 adjective, 4 adverb)
LEXNAMES = (["adj.all", "adj.pert", "adv.all"]
            + [f"noun.{n}" for n in ("Tops act animal artifact attribute body cognition communication event feeling "
                                     "food group location motive object person phenomenon plant possession process "
                                     "quantity relation shape state substance time").split()]
            + [f"verb.{n}" for n in ("body change cognition communication competition consumption contact creation "
                                     "emotion motion perception possession social stative weather").split()]
            + ["adj.ppl"])
CATEGORY = {"noun": 1, "verb": 2, "adj": 3, "adv": 4}
_PUNCTUATION = str.maketrans("", "", string.punctuation)


def wordnet_root() -> Path | None:
    """The WordNet database folder, or None when it is not installed."""
    root = Path(os.environ.get("INFFORMER_WORDNET", WORDNET))
    return root if all((root / f).is_file() for f in FILES) else None


@lru_cache(maxsize=1)
def wordnet():
    """nltk's WordNet reader on the installed database, or None without one."""
    root = wordnet_root()
    if root is None:
        return None
    import nltk
    from nltk.corpus.reader.wordnet import WordNetCorpusReader
    if not (root / "lexnames").is_file():
        root = _with_lexnames(root)
    nltk.data.path.append(str(root))   # nltk reads corpora only under the folders it is told of

    class WordNet30(WordNetCorpusReader):
        def map_wn(self, version="wordnet"):
            return None   # this database is WordNet 3.0, what nltk would map to (by reading its own download)

    with warnings.catch_warnings():   # "multilingual functions are not available": not needed
        warnings.simplefilter("ignore", UserWarning)
        return WordNet30(str(root), None)


def _with_lexnames(root: Path) -> Path:
    """A copy of the database with `lexnames` added, made once in the user's cache (links would not do:
    nltk refuses files that resolve outside the reader's folder)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "infformer" / "wordnet-3.0"
    if (cache / "lexnames").is_file():
        return cache
    cache.parent.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(dir=cache.parent))
    for f in root.iterdir():
        if f.is_file():
            shutil.copyfile(f, work / f.name)
    (work / "lexnames").write_text("".join(f"{i:02d}\t{name}\t{CATEGORY[name.split('.')[0]]}\n"
                                           for i, name in enumerate(LEXNAMES)))
    try:
        work.rename(cache)        # atomic: two processes at once leave one complete copy
    except OSError:
        shutil.rmtree(work)       # the other one made it first
    return cache


def meteor_note() -> str:
    """What a report says of its METEOR column."""
    if wordnet_root() is None:
        return (f"not computed: no WordNet database at {os.environ.get('INFFORMER_WORDNET', WORDNET)} "
                "(Debian: apt-get install wordnet-base; scripts/setup.sh --browser installs it)")
    return "nltk's METEOR with WordNet 3.0 (Debian's wordnet-base); synonyms matched after Porter stemming"


def words(text: str) -> list:
    """Lower-cased words, punctuation removed (nltk's METEOR takes tokens)."""
    return text.lower().translate(_PUNCTUATION).split()


def meteor(prediction: str, reference: str) -> float | None:
    """METEOR of one reply against the real turn (0 when either has no word); None without WordNet."""
    wn = wordnet()
    if wn is None:
        return None
    pred, ref = words(prediction), words(reference)
    if not pred or not ref:
        return 0.0
    from nltk.translate.meteor_score import meteor_score
    return float(meteor_score([ref], pred, wordnet=wn))
