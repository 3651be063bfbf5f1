"""Streaming documents as consecutive segments, the memory carried from one to the next.

A corpus is a list of documents (token id lists). Each document is cut into segments of L
tokens (plus the next token as the last target). All segments, in document order, are dealt
into B contiguous streams; row b of every batch is the next segment of stream b, and the
caller resets row b's memory whenever its segment is not the continuation of the previous one.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from ..io.textio import InputError, read_text


def corpus_files(paths) -> list:
    """Text files from paths (a directory means its *.txt files, sorted); each file is one document."""
    files = []
    for p in map(Path, paths):
        if p.is_dir():
            found = sorted(p.glob("*.txt"))
            if not found:
                raise InputError(f"{p}: no .txt files in this directory")
            files.extend(found)
        else:
            files.append(p)
    return files


def split_heldout(ids: list, fraction: float) -> tuple[list, list]:
    """The first (1 - fraction) of a document for training, the rest held out (read in order)."""
    cut = int(round(len(ids) * (1 - fraction)))
    return ids[:cut], ids[cut:]


@dataclass(frozen=True)
class Segment:
    document: int
    index: int  # segment number within its document
    start: int  # token offset of the segment in its document


class SegmentStreams:
    """B streams of consecutive segments over a list of documents."""

    def __init__(self, documents: list, segment_len: int, batch_size: int):
        self.documents = [np.asarray(d, dtype=np.int64) for d in documents]
        self.L, self.B = segment_len, batch_size
        segments = [Segment(i, k, k * segment_len)
                    for i, d in enumerate(self.documents) for k in range((len(d) - 1) // segment_len)]
        if len(segments) < batch_size:
            raise InputError(f"corpus has {len(segments)} segments of {segment_len} tokens; "
                             f"need at least batch size {batch_size}")
        self.per_stream = len(segments) // batch_size
        self.streams = [segments[b * self.per_stream:(b + 1) * self.per_stream] for b in range(batch_size)]

    def __len__(self) -> int:
        """Batches in one pass over the data."""
        return self.per_stream

    def batch(self, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Batch `step` (wrapping around): inputs [B, L], targets [B, L], reset [B] bool.

        reset[b] is True when row b's segment does not continue the one before it (a new
        document, or the start of a pass), so its memory must be forgotten first.
        """
        k = step % self.per_stream
        inputs, targets, reset = [], [], []
        for stream in self.streams:
            seg = stream[k]
            doc = self.documents[seg.document]
            window = doc[seg.start:seg.start + self.L + 1]
            inputs.append(window[:-1])
            targets.append(window[1:])
            prev = stream[k - 1] if k else None
            reset.append(prev is None or prev.document != seg.document or prev.index + 1 != seg.index)
        return (torch.from_numpy(np.stack(inputs)), torch.from_numpy(np.stack(targets)), torch.tensor(reset))


def load_documents(paths, tokenizer) -> tuple[list, list]:
    """(names, token id lists) of every document in the given files/directories."""
    files = corpus_files(paths)
    texts = [read_text(f) for f in files]
    return [f.name for f in files], tokenizer.encode_batch(texts)
