"""Figure 4's controls (section_attention.summarize): the control shuffled across all replies, and the one
matched by turn, on ratios whose answer is known. CMU-DoG shows the sections in order through a
conversation, so a memory that reads by time alone beats the first control and must tie the second."""
import random

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from infformer.experiments.dialogue.section_attention import shuffled_within, summarize, summarize_rows


def schedule(rng, conversations=40, turns=8):
    """Replies of conversations whose writers see section turn // 2 most of the time, another now and then."""
    rows = []
    for c in range(conversations):
        for t in range(turns):
            d = t // 2 if rng.random() < 0.7 else rng.randrange(4)
            rows.append((f"c{c}", t, d))
    return rows


def test_a_memory_that_reads_by_time_alone_ties_the_turn_matched_control():
    rows = schedule(random.Random(0))
    # the memory reads the section usually shown at this turn, whoever wrote: ratios by turn only
    reads = [(d, np.eye(4)[t // 2] * 3.0) for _, t, d in rows]
    s = summarize(reads, seed=1, conversations=[c for c, _, _ in rows], turns=[t for _, t, _ in rows])
    assert s["mean_ratio"] > s["control_mean_ratio"] + 1    # the shuffled control mixes times: a false "more"
    assert s["turn_control_mean_ratio"] == pytest.approx(s["mean_ratio"])   # matched by turn: no difference
    low, high = s["turn_difference_ci95"]
    assert low < 0 < high   # 0 on the whole; resampled conversations, since a draw crosses them, spread it
    assert 0.2 < s["turn_control_other_section"] < 0.6


def test_a_memory_that_reads_the_writers_section_beats_the_turn_matched_control():
    rows = schedule(random.Random(1))
    reads = [(d, np.eye(4)[d] * 3.0) for _, _, d in rows]
    s = summarize(reads, seed=1, conversations=[c for c, _, _ in rows], turns=[t for _, t, _ in rows])
    assert s["mean_ratio"] == 3.0 and s["turn_control_mean_ratio"] < 3.0
    assert s["turn_difference_ci95"][0] > 0


def test_the_control_across_replies_is_the_one_every_result_was_measured_with():
    doc_idx = [random.Random(2).randrange(4) for _ in range(50)]
    before = doc_idx[:]
    random.Random(7).shuffle(before)    # the control's draw before the turn-matched one was added
    assert shuffled_within(doc_idx, [0] * 50, 7) == before


@given(st.lists(st.tuples(st.integers(0, 3), st.integers(0, 5)), max_size=60), st.integers(0, 2**16))
def test_a_shuffle_within_turns_keeps_each_turns_sections(rows, seed):
    doc_idx, turns = [d for d, _ in rows], [t for _, t in rows]
    out = shuffled_within(doc_idx, turns, seed)
    for t in set(turns):
        assert sorted(d for d, u in zip(out, turns) if u == t) == sorted(d for d, u in zip(doc_idx, turns) if u == t)
    assert out == shuffled_within(doc_idx, turns, seed)     # seeded


def test_rows_with_turns_get_the_turn_matched_control_and_rows_without_do_not():
    rows = [{"conversation": "a", "turn": t, "doc_idx": t % 2, "ratios": [1.0, None]} for t in range(4)]
    assert "turn_control_mean_ratio" in summarize_rows(rows)
    assert "turn_control_mean_ratio" not in summarize_rows([{k: v for k, v in r.items() if k != "turn"} for r in rows])
