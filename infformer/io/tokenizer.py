"""Byte-level BPE tokenizer (HF `tokenizers`) that keeps each token's character offsets."""
from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers, trainers


class Tokenizer:
    """Wraps a HF tokenizer; `encode` returns ids and [start, end) character offsets per token."""

    def __init__(self, hf: HFTokenizer):
        self.hf = hf

    @classmethod
    def train(cls, files, vocab_size: int = 4096) -> Tokenizer:
        hf = HFTokenizer(models.BPE())
        hf.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
        hf.decoder = decoders.ByteLevel()
        trainer = trainers.BpeTrainer(vocab_size=vocab_size, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
                                      show_progress=False)
        hf.train([str(f) for f in files], trainer)
        return cls(hf)

    @classmethod
    def from_file(cls, path) -> Tokenizer:
        try:
            return cls(HFTokenizer.from_file(str(path)))
        except Exception as e:  # the HF loader raises a bare Exception for malformed files
            raise ValueError(f"{path}: not a valid tokenizer.json ({str(e).splitlines()[0][:120]})") from None

    def save(self, path) -> None:
        self.hf.save(str(Path(path)))

    @property
    def vocab_size(self) -> int:
        return self.hf.get_vocab_size()

    def encode(self, text: str) -> tuple[list, list]:
        """text -> (ids, offsets): offsets[i] = (start, end) characters of token i in `text`.

        A long text is encoded piece by piece (HF's Encoding of a whole 50 MB text holds several GB of
        token strings and masks); pieces end before a space that starts a word, where
        the byte-level pre-tokenizer splits anyway, so the tokens are the same as in one call (tested)."""
        ids, offsets = [], []
        for start, piece in pieces(text, PIECE_CHARS):
            enc = self.hf.encode(piece, add_special_tokens=False)
            ids.extend(enc.ids)
            offsets.extend((a + start, b + start) for a, b in enc.offsets)
        return ids, offsets

    def encode_batch(self, texts: list) -> list:
        return [e.ids for e in self.hf.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids) -> str:
        return self.hf.decode(list(ids))

    def token_texts(self, ids) -> list:
        """The text of each token on its own (multi-byte characters split across tokens decode with U+FFFD)."""
        return [self.hf.decode([i]) for i in ids]


PIECE_CHARS = 1 << 18  # 256k characters a call: ~100 MB of HF's Encoding at most


def pieces(text: str, size: int = PIECE_CHARS):
    """(start, piece) of `text`, each piece about `size` characters, cut just before a space that
    follows a non-space character and precedes a letter (" word"): the byte-level pre-tokenizer
    starts a new piece there too, so the tokens are the same. A text with no such place stays whole."""
    start = 0
    while len(text) - start > size:
        cut = start + size
        while cut + 1 < len(text) and not (text[cut] == " " and not text[cut - 1].isspace() and text[cut + 1].isalpha()):
            cut += 1
        if cut + 1 >= len(text):
            break
        yield start, text[start:cut]
        start = cut
    yield start, text[start:]
