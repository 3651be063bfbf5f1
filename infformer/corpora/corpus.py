"""The language-model training corpus: Austen as paragraphs, and CMU-DoG documents + conversations.

`build_corpus(austen_dir, cmudog_dir, out)` writes one .txt per training document:
  out/austen/N_title.txt        each novel with its hard line wraps joined (paragraphs.py)
  out/cmudog/NNNNN.txt          a film's document then one train-split conversation about it
  out/PROVENANCE.md             sources, rules, counts and sha256 of every file
Deterministic: the same inputs give the same bytes. Split discipline: only the dataset's train
split is written, and a train conversation that also appears in valid or test (by id or by its
turns; the dataset has 108 such) is left out, so nothing held out is ever trained on.

One CMU-DoG document in `wrap_every` gets its film document hard-wrapped at 70 characters: the
model should read both shapes of text people bring, and learns from context which one it is in.
"""
from __future__ import annotations

import hashlib
import random
from pathlib import Path

from ..io.textio import InputError, read_text
from . import cmudog
from .paragraphs import join_wrapped_lines, wrap_paragraphs

SHUFFLE_SEED = 8  # the order of CMU-DoG training documents (each film's conversations spread out)


def heldout_keys(path) -> tuple[set, set]:
    """Ids and turn sequences of every valid and test conversation."""
    held = cmudog.conversations(path, "valid") + cmudog.conversations(path, "test")
    return {c.id for c in held}, {tuple(t[2] for t in c.turns) for c in held}


def training_conversations(path) -> list:
    """The train split, less any conversation that also appears in valid or test."""
    ids, turns = heldout_keys(path)
    return [c for c in cmudog.conversations(path, "train")
            if c.id not in ids and tuple(t[2] for t in c.turns) not in turns]


def cmudog_training_texts(path, wrap_every: int = 4) -> list:
    """(name, text) of every CMU-DoG training document, in a fixed shuffled order."""
    docs = cmudog.documents(path)
    convs = training_conversations(path)
    random.Random(SHUFFLE_SEED).shuffle(convs)
    out = []
    for k, c in enumerate(convs):
        doc = docs[c.document]
        text = cmudog.training_text(doc, c)
        if wrap_every and k % wrap_every == wrap_every - 1:
            text = wrap_paragraphs(doc.text.rstrip("\n"), 70) + "\n\n" + cmudog.dialogue_text(c.turns)
        out.append((f"{k:05d}.txt", text))
    return out


def cmudog_heldout_texts(path, split: str = "test", every: int = 1) -> list:
    """(name, text) of every `every`-th conversation of a held-out split, as training documents are
    written (the film's document, then the conversation; never wrapped): the held-out CMU-DoG of the
    language-model table."""
    if split == "train":
        raise InputError("held-out texts come from the valid or test split, not train")
    docs = cmudog.documents(path)
    convs = cmudog.conversations(path, split)[::every]
    return [(f"{split}-{k:04d}.txt", cmudog.training_text(docs[c.document], c)) for k, c in enumerate(convs)]


def austen_texts(austen_dir) -> list:
    files = sorted(Path(austen_dir).glob("*.txt"))
    if not files:
        raise InputError(f"{austen_dir}: no .txt files (expected data/austen)")
    return [(f.name, join_wrapped_lines(read_text(f))) for f in files]


def build_corpus(austen_dir, cmudog_dir, out, wrap_every: int = 4) -> dict:
    """Write the corpus under `out`; returns counts {part: (files, characters)}."""
    out = Path(out)
    parts = {"austen": austen_texts(austen_dir)}
    if cmudog_dir is not None:
        parts["cmudog"] = cmudog_training_texts(cmudog_dir, wrap_every)
    lines, counts = [], {}
    for part, texts in parts.items():
        (out / part).mkdir(parents=True, exist_ok=True)
        for old in (out / part).glob("*.txt"):  # a rebuild never leaves stale documents behind
            old.unlink()
        for name, text in texts:
            data = text.encode("utf-8")
            (out / part / name).write_bytes(data)
            lines.append(f"{hashlib.sha256(data).hexdigest()}  {part}/{name}")
        counts[part] = (len(texts), sum(len(t) for _, t in texts))
    (out / "PROVENANCE.md").write_text(provenance(counts, wrap_every) + "\n## sha256\n\n```\n"
                                       + "\n".join(lines) + "\n```\n", encoding="utf-8")
    return counts


def provenance(counts: dict, wrap_every: int) -> str:
    text = ("# Training corpus (built by scripts/build_corpus.py; do not edit by hand)\n\n"
            f"- `austen/`: {counts['austen'][0]} novels, {counts['austen'][1]:,} characters: the project's "
            "`data/austen/` (public domain; see its PROVENANCE.md) with the hard line wraps joined into "
            "paragraphs (`infformer/corpora/paragraphs.py`).\n")
    if "cmudog" in counts:
        text += (f"- `cmudog/`: {counts['cmudog'][0]} documents, {counts['cmudog'][1]:,} characters: CMU-DoG "
                 "(Zhou, Prabhumoye & Black, \"A Dataset for Document Grounded Conversations\", EMNLP 2018; "
                 "documents are excerpts of English Wikipedia, CC BY-SA 3.0), train split only, less the "
                 "conversations that also appear in valid or test. Each file: the film's document, then one "
                 f"conversation (turns as `A: …` / `B: …`). One in {wrap_every} has its document hard-wrapped "
                 "at 70 characters. Research use with attribution; never commit these files.\n")
    return text
