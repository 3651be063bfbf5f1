"""The pass-key haystack: filler text with one sentence holding a number, and a query asking for it."""
from __future__ import annotations

import random

FILLER = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again. "
TOKENS_PER_FILLER = 30  # about, with the shipped tokenizers
INTRO = ("There is an important piece of information hidden inside a lot of irrelevant text. "
         "Find it and memorize it.\n\n")
QUERY = "What is the pass key? The pass key is"


def passkey_text(length: int, depth: float) -> tuple[str, int]:
    """A haystack of about `length` tokens with the key sentence at `depth` (0 = start, 1 = end).
    The key depends only on (length, depth), so a link reproduces it."""
    key = random.Random(f"{int(length)}:{float(depth):.2f}").randint(10000, 99999)
    n = max(1, round(int(length) / TOKENS_PER_FILLER))
    at = min(n, max(0, round(float(depth) * n)))
    return INTRO + FILLER * at + needle(key) + FILLER * (n - at), key


def needle(key: int) -> str:
    return f"The pass key is {key}. Remember it. {key} is the pass key. "


def needle_span(text: str, key: int) -> tuple[int, int]:
    """Character range of the key sentence in a haystack."""
    start = text.index(needle(key))
    return start, start + len(needle(key))
