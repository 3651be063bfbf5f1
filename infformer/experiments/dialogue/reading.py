"""Document-grounded dialogue (the paper's CMU-DoG experiment): the film's document is read first,
then the conversation; only the turns are scored, so the document helps only through what the
model remembers of it (the short-term window, and the long-term memory once it has left that).

`dialogue_examples` turns a split into token sequences with, per predicted token, the characters
it covers and whether it is scored: the text of a turn and the newline that ends it, never the
"A: " speaker label (known in advance) and never the document. A token that ends inside a turn
is scored whole (the space after the label usually rides on the turn's first word).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np

from ...corpora import cmudog
from ...training.evaluate import predicted_characters


@dataclass(frozen=True)
class DialogueExample:
    conversation: str        # CMU-DoG conversation id
    ids: list                # tokens: [document, blank line,] turns
    characters: np.ndarray   # [T - 1] characters of each predicted token
    scored: np.ndarray       # [T - 1] bool: the prediction is of a turn's text


def select_conversations(convs: list, count: int | None, seed: int) -> list:
    """All of them, or a seeded sample of `count` (kept in file order)."""
    if count is None or count >= len(convs):
        return convs
    keep = sorted(random.Random(seed).sample(range(len(convs)), count))
    return [convs[i] for i in keep]


def conversation_part(convs: list, part: int, parts: int, seed: int) -> list:
    """Part `part` (1 … `parts`) of the conversations put in a seeded order and cut into `parts`
    pieces as equal as can be (kept in file order): the parts of one seed are disjoint and cover
    every conversation, so a split too long for one sitting is scored a part at a time and pooled
    (experiments/dialogue/pooling.py), each part a fair sample of the films."""
    if not 1 <= part <= parts:
        raise ValueError(f"part {part} of {parts}: parts count from 1 to {parts}")
    order = list(range(len(convs)))
    random.Random(seed).shuffle(order)
    n = len(convs)
    keep = sorted(order[round(n * (part - 1) / parts):round(n * part / parts)])
    return [convs[i] for i in keep]


def conversation_text(document: cmudog.Document | None, conversation: cmudog.Conversation) -> tuple[str, list]:
    """The text the model reads ([document, blank line,] turns as lines) and each turn's characters
    [start, end): its text and the newline that ends it, not the "A: " label."""
    text = (document.text + "\n") if document is not None else ""
    turn_chars = []
    for speaker, _, turn in conversation.turns:
        start = len(text) + len(f"{speaker}: ")
        text += cmudog.turn_line(speaker, turn)
        turn_chars.append((start, len(text)))
    return text, turn_chars


def dialogue_example(tokenizer, document: cmudog.Document | None, conversation: cmudog.Conversation) -> DialogueExample:
    text, turn_chars = conversation_text(document, conversation)
    ids, offsets = tokenizer.encode(text)
    in_turn = np.zeros(len(text) + 1, bool)
    for a, b in turn_chars:
        in_turn[a:b] = True
    # a token is scored when it ends inside a turn (" Is" after "A:" carries the label's space)
    last = np.array([max(a, b - 1) for a, b in offsets[1:]], dtype=np.int64)
    return DialogueExample(conversation.id, ids, predicted_characters(offsets), in_turn[last])


def dialogue_examples(tokenizer, data_dir, convs: list, with_document: bool = True) -> list:
    docs = cmudog.documents(data_dir)
    return [dialogue_example(tokenizer, docs[c.document] if with_document else None, c) for c in convs]
