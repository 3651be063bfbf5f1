"""Hard-wrapped text (Project Gutenberg style, lines of ~70 characters) joined into paragraphs.

A model trained on hard-wrapped books learns where the printer broke the lines: after ~70
characters it expects a newline, whatever was written, and text written as paragraphs (web text,
articles, dialogue) looks broken to it. The rules, in order:
  - blocks are separated by blank lines; each block becomes one paragraph, blocks joined by
    one blank line ("\\n\\n"), so chapter headings stay on their own;
  - inside a block, a line indented by two or more spaces (a letter's heading, verse, a
    quoted notice) stays its own line, its indentation removed;
  - other lines are joined to the previous one with a space, except after a dash ("--"),
    where the printer's break fell inside the dash;
  - runs of spaces become one (the typesetting's double space after a full stop).
The result is deterministic and depends only on the input text.
"""
from __future__ import annotations

import re
import textwrap

_BLANK = re.compile(r"\n[ \t]*\n")
_SPACES = re.compile(r"[ \t]+")


def join_block(block: str) -> str:
    """One blank-line-free block of wrapped lines -> one paragraph (indented lines kept as lines)."""
    lines = [line.rstrip() for line in block.split("\n")]
    out: list[str] = []
    for line in lines:
        indented = line.startswith("  ")
        text = _SPACES.sub(" ", line.strip())
        if not text:
            continue
        if not out or indented:
            out.append(text)
        elif out[-1].endswith("--"):
            out[-1] += text
        else:
            out[-1] += " " + text
    return "\n".join(out)


def join_wrapped_lines(text: str) -> str:
    """A hard-wrapped text as paragraphs separated by one blank line (see the module docstring)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    blocks = (join_block(b) for b in _BLANK.split(text))
    return "\n\n".join(b for b in blocks if b) + "\n"


def wrap_paragraphs(text: str, width: int = 70) -> str:
    """The reverse, for tests and augmentation: every paragraph hard-wrapped at `width` characters.

    Lines break only at spaces, so join_wrapped_lines gives the text back: a word longer than
    `width` keeps its own over-long line, and a hyphenated word is never split at its hyphen (the
    join would put a space after it)."""
    paragraphs = text.split("\n\n")
    return "\n\n".join("\n".join(textwrap.fill(line, width, break_long_words=False, break_on_hyphens=False)
                                  for line in p.split("\n")) for p in paragraphs)


def tail_paragraphs(text: str, fraction: float) -> str:
    """The last `fraction` of a text, from the first paragraph that starts inside it."""
    start = text.find("\n\n", int(len(text) * (1 - fraction)))
    return text[start + 2:] if start >= 0 else text
