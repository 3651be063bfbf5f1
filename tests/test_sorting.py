"""The sorting task's data rule (REFERENCE.md), on hand-made cases and generated examples."""
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer.sorting import NUM_SYMBOLS, SEPARATOR, answer_mask, make_example, sorting_answer


def test_descending_count():
    assert sorting_answer([5, 5, 5, 2, 2, 9])[:3].tolist() == [5, 2, 9]


def test_ties_broken_by_first_occurrence():
    # 7 and 3 both twice; 7 appears first
    assert sorting_answer([7, 3, 3, 7, 1])[:3].tolist() == [7, 3, 1]
    assert sorting_answer([3, 7, 7, 3, 1])[:3].tolist() == [3, 7, 1]


def test_unseen_symbols_appended_in_index_order():
    answer = sorting_answer([19, 19, 4])
    assert answer[:2].tolist() == [19, 4]
    assert answer[2:].tolist() == [s for s in range(NUM_SYMBOLS) if s not in (19, 4)]


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 400), st.integers(0, 2 ** 31))
def test_generated_example_layout(length, seed):
    ex = make_example(length, np.random.default_rng(seed))
    assert len(ex) == length + 1 + NUM_SYMBOLS
    assert ex[length] == SEPARATOR and (ex[:length] < NUM_SYMBOLS).all()
    answer = ex[length + 1:]
    assert sorted(answer.tolist()) == list(range(NUM_SYMBOLS))  # a permutation
    counts = np.bincount(ex[:length], minlength=NUM_SYMBOLS)
    assert (np.diff(counts[answer]) <= 0).all()  # by descending count
    assert answer_mask(length).sum() == NUM_SYMBOLS


def test_distribution_drifts_along_the_sequence():
    # with a long sequence, the first and last tenth differ in symbol frequencies
    ex = make_example(20000, np.random.default_rng(1))[:20000]
    head = np.bincount(ex[:2000], minlength=NUM_SYMBOLS) / 2000
    tail = np.bincount(ex[-2000:], minlength=NUM_SYMBOLS) / 2000
    assert np.abs(head - tail).sum() > 0.1
