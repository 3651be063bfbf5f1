"""The conversation-clustered bootstrap behind Table 2's intervals (infformer/experiments/dialogue/uncertainty.py)."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer.experiments.dialogue.metrics import mean_scores
from infformer.experiments.dialogue.uncertainty import cluster_interval


def test_a_constant_has_no_spread_and_one_conversation_has_no_interval():
    assert cluster_interval([0.3] * 6, ["a", "a", "b", "b", "c", "c"]) == pytest.approx([0.3, 0.3])
    assert cluster_interval([0.1, 0.9], ["a", "a"]) is None
    assert cluster_interval([0.1, np.nan], ["a", "b"]) is None       # NaN left out: one conversation left


def test_resampling_conversations_widens_the_interval_when_their_replies_agree():
    # 10 conversations of 10 replies, each conversation's replies alike: 10 draws' worth of
    # information, not 100. Counting every reply as its own conversation understates the spread.
    values = np.repeat(np.arange(10.0), 10)
    by_conversation = cluster_interval(values, np.repeat(np.arange(10), 10))
    by_reply = cluster_interval(values, np.arange(100))
    width = lambda iv: iv[1] - iv[0]  # noqa: E731
    assert width(by_conversation) > 2.5 * width(by_reply)
    assert by_conversation[0] < 4.5 < by_conversation[1]


def test_seeded_and_checked():
    v, c = [0.0, 1.0, 0.5, 0.2], ["a", "b", "c", "d"]
    assert cluster_interval(v, c, seed=3) == cluster_interval(v, c, seed=3)
    with pytest.raises(ValueError, match="3 values but 2"):
        cluster_interval([1, 2, 3], ["a", "b"])


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.floats(0, 1), st.integers(0, 5)), min_size=2, max_size=40))
def test_the_interval_lies_within_the_values(rows):
    values, clusters = zip(*rows, strict=False)
    iv = cluster_interval(values, clusters, reps=200)
    if len(set(clusters)) < 2:
        assert iv is None
    else:
        assert min(values) - 1e-12 <= iv[0] <= iv[1] <= max(values) + 1e-12


def test_mean_scores_carry_intervals_over_conversations():
    rows = [{"f1": 1.0}, {"f1": 0.0}, {"f1": 0.5}, {"f1": 0.5}]
    s = mean_scores(rows, ["a", "a", "b", "b"])
    assert s["f1"] == 0.5 and s["f1_ci95"] == pytest.approx([0.5, 0.5])   # both conversations average 0.5
    assert "f1_ci95" not in mean_scores(rows)
