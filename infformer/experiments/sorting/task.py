"""The paper's synthetic sorting task (section 4.1): count symbols in a long drifting sequence,
then output them by descending count.

Vocabulary: symbols 0..19, separator 20, padding 21. An example of length T: two distributions
over the 20 symbols (20 integers uniform in 1..9, normalised); token j is drawn from
(1 − r)·p_start + r·p_end with r = (j + 1)/T, so the distribution drifts along the sequence.
Then the separator, then the 20 symbols sorted by their count, most frequent first (ties: first
occurrence first; symbols never seen: appended in index order). Only the 20 answer positions
are scored.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tokenizers import Tokenizer as HFTokenizer
from tokenizers import decoders, models, pre_tokenizers

from ...io.tokenizer import Tokenizer
from ...tracing.record import Trace

NUM_SYMBOLS = 20
SEPARATOR = 20
PADDING = 21
VOCAB_SIZE = 22


def sorting_answer(sequence) -> np.ndarray:
    """The 20 symbols by descending count in `sequence`; ties by first occurrence; unseen last, by index."""
    seq = np.asarray(sequence, dtype=np.int64)
    counts = np.bincount(seq, minlength=NUM_SYMBOLS)[:NUM_SYMBOLS]
    first = np.full(NUM_SYMBOLS, len(seq), dtype=np.int64)
    seen = np.unique(seq)
    first[seen] = [int(np.argmax(seq == s)) for s in seen]
    # unseen symbols have count 0 and first = len(seq); among them, index order
    return np.lexsort((np.arange(NUM_SYMBOLS), first, -counts))


def make_example(length: int, rng: np.random.Generator) -> np.ndarray:
    """One example: length symbols, the separator, the 20-symbol answer: [length + 21] int64."""
    if length < 1:
        raise ValueError(f"length must be >= 1, got {length}")
    p_start, p_end = (w / w.sum() for w in rng.integers(1, 10, size=(2, NUM_SYMBOLS)).astype(np.float64))
    r = (np.arange(length) + 1.0) / length
    probs = (1 - r)[:, None] * p_start + r[:, None] * p_end  # [T, 20]
    u = rng.random(length)[:, None]
    symbols = (probs.cumsum(1) < u).sum(1).clip(max=NUM_SYMBOLS - 1)  # inverse-CDF draw per position
    return np.concatenate([symbols, [SEPARATOR], sorting_answer(symbols)]).astype(np.int64)


def answer_mask(length: int) -> np.ndarray:
    """Which next-token targets are scored, for inputs = example[:-1], targets = example[1:]: [length + 20] bool."""
    mask = np.zeros(length + NUM_SYMBOLS, dtype=bool)
    mask[length:] = True  # the targets after the separator: the 20 answer symbols
    return mask


def make_batch(length: int, batch_size: int, seed: int, index: int) -> np.ndarray:
    """Batch `index` of a seeded stream of examples: [batch_size, length + 21]. Reproducible by (seed, index)."""
    rng = np.random.default_rng([int(seed), int(index)])
    return np.stack([make_example(length, rng) for _ in range(batch_size)])


def sorting_tokenizer():
    """A word-level tokenizer for the 22 task symbols ("0".."19", "<sep>", "<pad>"), so a sorting
    model is a checkpoint directory like any other."""
    vocab = {str(i): i for i in range(NUM_SYMBOLS)} | {"<sep>": SEPARATOR, "<pad>": PADDING}
    hf = HFTokenizer(models.WordLevel(vocab, unk_token="<pad>"))
    hf.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    hf.decoder = decoders.WordPiece(prefix="##", cleanup=False)
    return Tokenizer(hf)


# ----------------------------------------------------------------------------- one traced sequence
OTHER_TOKENS = {NUM_SYMBOLS: "sep", NUM_SYMBOLS + 1: "pad"}  # an untrained model may predict these


def symbol_name(token: int) -> str:
    return OTHER_TOKENS.get(int(token), str(int(token)))


@dataclass(frozen=True, eq=False)
class SortingRun:
    """One sorting sequence through a model: the example, the answer's probabilities and the trace."""

    example: np.ndarray   # [length + 21]: the symbols, the separator, the true answer
    probs: np.ndarray     # [20, V] the model's distribution at each answer position
    trace: Trace          # of the model's input: left padding, symbols, separator, answer[:-1]

    @property
    def length(self) -> int:
        return len(self.example) - NUM_SYMBOLS - 1

    @property
    def symbols(self) -> np.ndarray:
        return self.example[:self.length]

    @property
    def answer(self) -> np.ndarray:
        return self.example[-NUM_SYMBOLS:]

    @property
    def predicted(self) -> np.ndarray:
        return self.probs.argmax(1)

    @property
    def accuracy(self) -> float:
        return float((self.predicted == self.answer).mean())

    @property
    def queries(self) -> np.ndarray:
        """Trace token indices of the answer positions' queries (the separator and answer[:-1])."""
        return np.arange(self.trace.num_tokens - NUM_SYMBOLS, self.trace.num_tokens)

    @property
    def padding(self) -> int:
        return self.trace.num_tokens - self.length - NUM_SYMBOLS
