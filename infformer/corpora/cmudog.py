"""CMU-DoG (Zhou, Prabhumoye & Black, EMNLP 2018) as text: a film's document, then a conversation.

The paper's dialogue experiment reads the Wikipedia document first; the conversation about it
follows, so as the dialogue grows the document survives only in the long-term memory. This
module reads the condensed dataset (`documents.jsonl`, `conversations.jsonl`; see the data's
PROVENANCE.md, never committed here) and writes both as plain text, keeping where each of the
document's four sections lies (a turn's `docIdx` names the section its writer was looking at).

Split discipline: `conversations(path, split)` returns only that split, and a training corpus is
built from the dataset's "train" split alone; valid and test stay held out.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..io.textio import InputError

SPLITS = ("train", "valid", "test")
SPEAKERS = {"user1": "A", "user2": "B"}  # short, stable labels: the dataset's two participants


@dataclass(frozen=True)
class Document:
    index: int                      # wikiDocumentIdx
    title: str
    text: str
    sections: tuple                 # (start, end) characters of sections 0-3 in `text`


@dataclass(frozen=True)
class Conversation:
    id: str
    split: str
    document: int                   # wikiDocumentIdx
    turns: tuple                    # ((speaker label, docIdx, text), ...)


def _join(value) -> str:
    if isinstance(value, list):
        return " ".join(str(v).strip() for v in value if str(v).strip())
    return str(value).strip()


def section0_text(s: dict) -> str:
    """The film's summary fields as paragraphs (the layout of the app's Home Alone example)."""
    parts = [f"{s.get('movieName', '').strip()} ({s.get('year', '').strip()})", _join(s.get("introduction", ""))]
    if s.get("cast"):
        parts.append("Cast: " + "; ".join(c.strip() for c in s["cast"]) + ".")
    parts.append(f"Director: {_join(s.get('director', ''))}. Genre: {_join(s.get('genre', ''))}.")
    if s.get("rating"):
        parts.append("Rating: " + "; ".join(r.strip() for r in s["rating"]) + ".")
    if s.get("critical_response"):
        parts.append("Critical response: " + _join(s["critical_response"]))
    return "\n\n".join(p for p in parts if p)


def document_from_record(record: dict) -> Document:
    sections = record["sections"]
    pieces = [section0_text(sections[0])] + [" ".join(str(s).split()) for s in sections[1:]]
    text, spans = "", []
    for k, piece in enumerate(pieces):
        if k:
            text += "\n\n"
        spans.append((len(text), len(text) + len(piece)))
        text += piece
    return Document(int(record["wikiDocumentIdx"]), str(sections[0].get("movieName", "")).strip(), text + "\n",
                    tuple(spans))


def _lines(path: Path, name: str):
    f = Path(path) / name
    if not f.is_file():
        raise InputError(f"{path}: no {name} here (expected the condensed CMU-DoG: documents.jsonl, "
                         "conversations.jsonl)")
    with open(f, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def documents(path) -> dict:
    """wikiDocumentIdx -> Document, for every film of the dataset."""
    return {d.index: d for d in map(document_from_record, _lines(path, "documents.jsonl"))}


def conversations(path, split: str) -> list:
    """The conversations of one split, in file order, turns with empty text dropped."""
    if split not in SPLITS:
        raise InputError(f"unknown CMU-DoG split {split!r}; choose one of {', '.join(SPLITS)}")
    out = [conversation_from_record(c) for c in _lines(path, "conversations.jsonl") if c["split"] == split]
    return [c for c in out if c.turns]


def conversation_from_record(c: dict) -> Conversation:
    """A conversation record of conversations.jsonl; turns with empty text dropped."""
    turns = tuple((SPEAKERS.get(t["uid"], t["uid"]), int(t["docIdx"]), " ".join(t["text"].split()))
                  for t in c["turns"] if t["text"].strip())
    return Conversation(c["id"], c["split"], int(c["wikiDocumentIdx"]), turns)


def read_example(path) -> tuple[Document, Conversation]:
    """The app's bundled example: one document record and one conversation record in one JSON file
    ({"document": …, "conversation": …}, the dataset's own fields)."""
    record = json.loads(Path(path).read_text(encoding="utf-8"))
    return document_from_record(record["document"]), conversation_from_record(record["conversation"])


def parse_conversation(text: str, speakers=("A", "B")) -> tuple:
    """Turns typed as lines "A: …" / "B: …" (a line without a label continues the turn before it)
    -> ((speaker, -1, text), ...); the section a pasted turn's writer saw is unknown (-1)."""
    turns: list = []
    for line in text.splitlines():
        head, sep, rest = line.partition(":")
        if sep and head.strip() in speakers:
            turns.append([head.strip(), " ".join(rest.split())])
        elif line.strip() and turns:
            turns[-1][1] = (turns[-1][1] + " " + " ".join(line.split())).strip()
        elif line.strip():
            raise InputError(f"the conversation must start with a labelled turn, 'A: …' or 'B: …'; got {line[:40]!r}")
    return tuple((s, -1, t) for s, t in turns if t)


def turn_line(speaker: str, text: str) -> str:
    return f"{speaker}: {text}\n"


def dialogue_text(turns) -> str:
    """Turns as lines "A: …" / "B: …"."""
    return "".join(turn_line(s, t) for s, _, t in turns)


def training_text(document: Document, conversation: Conversation) -> str:
    """One training document of the paper's arrangement: the film's document, then one conversation."""
    return document.text + "\n" + dialogue_text(conversation.turns)
