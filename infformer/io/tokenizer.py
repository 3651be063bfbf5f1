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
        """text -> (ids, offsets): offsets[i] = (start, end) characters of token i in `text`."""
        enc = self.hf.encode(text, add_special_tokens=False)
        return enc.ids, enc.offsets

    def encode_batch(self, texts: list) -> list:
        return [e.ids for e in self.hf.encode_batch(texts, add_special_tokens=False)]

    def decode(self, ids) -> str:
        return self.hf.decode(list(ids))

    def token_texts(self, ids) -> list:
        """The text of each token on its own (multi-byte characters split across tokens decode with U+FFFD)."""
        return [self.hf.decode([i]) for i in ids]
