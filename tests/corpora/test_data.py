"""The corpus and the segment streams: provenance hash, resets at document and pass starts, shifted targets."""
import hashlib

import numpy as np
import pytest
import torch
from helpers import ROOT

from infformer.corpora.data import SegmentStreams, corpus_files, load_documents, split_heldout
from infformer.io.textio import InputError

AUSTEN = ROOT / "data" / "austen"
AUSTEN_SHA256 = "db2cdbf60584de5e99d05bf89964819ec32e0b9968920e12c4f1217bd63cf87f"


def test_austen_corpus_matches_its_provenance():
    files = sorted(AUSTEN.glob("*.txt"))
    assert [f.name for f in files] == ["1_emma.txt", "2_mansfield_park.txt", "3_northanger_abbey.txt",
                                       "4_persuasion.txt", "5_pride_and_prejudice.txt", "6_sense_and_sensibility.txt"]
    h = hashlib.sha256()
    for f in files:
        h.update(f.read_bytes())
    assert h.hexdigest() == AUSTEN_SHA256
    assert corpus_files([AUSTEN]) == files


def tagged_documents(lengths):
    """Document i holds tokens i*10000 + position, so any token tells where it came from."""
    return [list(range(i * 10000, i * 10000 + n)) for i, n in enumerate(lengths)]


@pytest.mark.parametrize("lengths,L,B", [([50, 33, 9, 81], 8, 2), ([200], 8, 3), ([17, 17, 17, 17, 17], 4, 4),
                                         ([100, 3, 64], 5, 1)])
def test_segment_streams(lengths, L, B):
    docs = tagged_documents(lengths)
    streams = SegmentStreams(docs, L, B)
    total = sum((n - 1) // L for n in lengths)
    assert len(streams) == total // B
    seen = set()
    prev = [None] * B
    for step in range(2 * len(streams)):  # two passes
        inputs, targets, reset = streams.batch(step)
        assert inputs.shape == targets.shape == (B, L) and reset.shape == (B,)
        assert inputs.dtype == targets.dtype == torch.int64 and reset.dtype == torch.bool
        for b in range(B):
            x, y = inputs[b].numpy(), targets[b].numpy()
            doc, pos = int(x[0]) // 10000, int(x[0]) % 10000
            # a contiguous window of one document, targets shifted by one
            np.testing.assert_array_equal(x, np.arange(x[0], x[0] + L))
            np.testing.assert_array_equal(y, x + 1)
            assert pos % L == 0 and pos + L + 1 <= lengths[doc]
            continues = prev[b] is not None and prev[b] == (doc, pos - L) and step % len(streams) != 0
            assert bool(reset[b]) == (not continues), (step, b, prev[b], doc, pos)
            if step % len(streams) == 0:
                assert reset[b], "the start of a pass must reset"
            prev[b] = (doc, pos)
            seen.add((doc, pos))
    assert len(seen) == (total // B) * B  # every kept segment is visited, none twice per pass
    # wrapping: step len(streams) is step 0 again
    a, b = streams.batch(0), streams.batch(len(streams))
    assert all(torch.equal(u, v) for u, v in zip(a, b, strict=False))


def test_segment_streams_too_small():
    with pytest.raises(InputError):
        SegmentStreams(tagged_documents([10]), 8, 2)


def test_split_heldout():
    train, held = split_heldout(list(range(100)), 0.1)
    assert train == list(range(90)) and held == list(range(90, 100))


def test_load_documents_and_corpus_files(tmp_path, tiny_tokenizer):
    (tmp_path / "b.txt").write_text("second document")
    (tmp_path / "a.txt").write_text("first document")
    (tmp_path / "skip.md").write_text("not a txt")
    names, docs = load_documents([tmp_path], tiny_tokenizer)
    assert names == ["a.txt", "b.txt"]
    assert tiny_tokenizer.decode(docs[0]) == "first document"
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError):
        corpus_files([tmp_path / "empty"])
    (tmp_path / "bad.txt").write_bytes(b"\xc3\x28 bad")  # not UTF-8 (and no byte-order mark: \xff\xfe is UTF-16)
    with pytest.raises(InputError):
        load_documents([tmp_path], tiny_tokenizer)


def test_tokenizer_offsets(tiny_tokenizer):
    text = "Émma — “quoted”, and 71432.\n\nNew paragraph."
    ids, offsets = tiny_tokenizer.encode(text)
    assert len(ids) == len(offsets) > 0
    assert tiny_tokenizer.decode(ids) == text
    assert offsets[0][0] == 0 and offsets[-1][1] == len(text)
    for (a, b), (c, d) in zip(offsets, offsets[1:], strict=False):
        # in order and inside the text; the byte pieces of one multi-byte character share its offsets
        assert 0 <= a < b <= len(text) and a <= c and b <= d
        assert b <= c or (a, b) == (c, d)
    assert tiny_tokenizer.vocab_size == 300
