"""Generated dialogue replies (the paper's Table 2): for every turn from the second on, the model
reads the film's document and the turns so far, then writes the next speaker's turn.

The conversation is read once: the memory is a value (`forward(tokens, state)` never changes
`state`), so each reply is generated from a copy of the state after the turns so far, and the
real turn is then read on from the uncopied state. Lines are tokenized one by one, which gives
the same tokens as the whole text (the byte-level pre-tokenizer never joins across a newline).
A reply starts after its speaker's label ("B:"), ends at the first newline or after
`max_new_tokens`, and is sampled with nucleus sampling from a seed fixed by (seed, conversation,
turn), so a reply does not depend on which other conversations were evaluated.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import torch

from ...core.generate import generate
from ...core.model import InfFormer
from ...corpora import cmudog


@dataclass(frozen=True)
class Reply:
    conversation: str
    turn: int            # index of the real turn the reply stands in for (≥ 1)
    speaker: str
    doc_idx: int         # the document section the real turn's writer was looking at
    reference: str       # the real turn
    generated: str       # the model's reply


def newline_tokens(tokenizer) -> list:
    """Every token whose text holds a newline: a reply ends with the first of them."""
    return [i for i, t in enumerate(tokenizer.token_texts(range(tokenizer.vocab_size))) if "\n" in t]


def reply_seed(seed: int, conversation: str, turn: int) -> int:
    return random.Random(f"{seed}:{conversation}:{turn}").randrange(2 ** 31)


def sample_reply(model: InfFormer, tokenizer, state, speaker: str, *, top_p: float = 0.9, max_new_tokens: int = 50,
                 seed: int = 0, stops: list | None = None) -> str:
    """The turn `speaker` writes next, from the memory `state` of the text so far (unchanged)."""
    stops = newline_tokens(tokenizer) if stops is None else stops
    label = torch.tensor([tokenizer.encode(f"{speaker}:")[0]])
    new, _ = generate(model, label, max_new_tokens, state=state, top_p=top_p, seed=seed, stop_token=stops)
    return tokenizer.decode(new[0].tolist()).split("\n")[0].strip()


@torch.no_grad()
def reply_after(model: InfFormer, tokenizer, text: str, speaker: str, **kwargs) -> str:
    """The turn `speaker` writes after `text` (a document and turns, ending with a newline)."""
    ids = tokenizer.encode(text)[0]
    state = model(torch.tensor([ids]))[1] if ids else None
    return sample_reply(model, tokenizer, state, speaker, **kwargs)


@torch.no_grad()
def conversation_replies(model: InfFormer, tokenizer, document: cmudog.Document | None,
                         conversation: cmudog.Conversation, *, top_p: float = 0.9, max_new_tokens: int = 50,
                         seed: int = 0, stops: list | None = None) -> list:
    """A generated Reply for every turn of `conversation` from the second on."""
    stops = newline_tokens(tokenizer) if stops is None else stops
    state = None
    if document is not None:
        _, state = model(torch.tensor([tokenizer.encode(document.text + "\n")[0]]))
    replies = []
    for k, (speaker, doc_idx, text) in enumerate(conversation.turns):
        if k >= 1:
            reply = sample_reply(model, tokenizer, state, speaker, top_p=top_p, max_new_tokens=max_new_tokens,
                                 seed=reply_seed(seed, conversation.id, k), stops=stops)
            replies.append(Reply(conversation.id, k, speaker, doc_idx, text, reply))
        _, state = model(torch.tensor([tokenizer.encode(cmudog.turn_line(speaker, text))[0]]), state)
    return replies
