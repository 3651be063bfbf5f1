"""The Sorting page's builders (infformer.viz.sorting): the run on a tiny model against the
evaluation's own feeding, and the figures on synthetic inputs."""
import numpy as np
import pytest
import torch

from infformer.experiments.sorting.run import run_sorting
from infformer.experiments.sorting.task import NUM_SYMBOLS, SEPARATOR, make_batch
from infformer.viz import sorting as vsort


@pytest.fixture(scope="module")
def tiny(sorting_models):
    from infformer.io.checkpoint import load_checkpoint
    return load_checkpoint(sorting_models / "sorting-tiny")[:2]


def test_run_matches_evaluation(tiny):
    from infformer.experiments.sorting.train import answer_logits, evaluate_sorting
    model, tokenizer = tiny
    run = run_sorting(model, tokenizer, 50, 7)
    example = make_batch(50, 1, 7, 0)[0]
    assert run.example.tolist() == example.tolist() and run.length == 50
    # the trace's answer logits are those the evaluation scores, and so is the accuracy
    expected = torch.softmax(answer_logits(model, torch.from_numpy(example)[None], grad=False, bf16=False)[0], -1)
    np.testing.assert_allclose(run.probs, expected.numpy(), atol=1e-6)
    assert run.accuracy == evaluate_sorting(model, 50, 1, 7)["accuracy"]
    # the trace reads the padded input; the answer queries are the separator and answer[:-1]
    tr = run.trace
    assert tr.num_tokens % model.cfg.segment_len == 0  # left-padded so that the answer ends a segment
    assert tr.token_ids[run.queries].tolist() == [SEPARATOR, *example[-NUM_SYMBOLS:-1]]
    assert tr.token_ids[run.padding:run.padding + 50].tolist() == run.symbols.tolist()
    assert tr.text[slice(*tr.offsets[run.queries[0]])] == "<sep>"  # token labels for the ruler and legends
    updates = [int(u) for u in np.flatnonzero(tr.update_kind > 0)]
    rulers = vsort.memory_rulers(tr, 0, updates)
    assert list(rulers) == updates and "«" in rulers[updates[-1]].label[-1]


def test_prediction_figure_colours_right_and_wrong():
    answer = np.arange(NUM_SYMBOLS)[::-1]
    predicted = answer.copy()
    predicted[[2, 5, 9]] = [SEPARATOR, 0, 1]  # three wrong, one of them not a symbol at all
    probs = np.full((NUM_SYMBOLS, NUM_SYMBOLS + 2), 0.01)
    probs[np.arange(NUM_SYMBOLS), predicted] = 0.8
    fig = vsort.prediction_figure(answer, probs)
    heat = fig.data[0]
    assert heat.text[0] == [str(s) for s in answer]
    assert heat.text[1][2] == "sep" and heat.text[1][5] == "0"
    assert np.asarray(heat.z)[1].tolist() == (predicted == answer).astype(float).tolist()
    assert np.asarray(heat.customdata)[1, 5].tolist() == pytest.approx([0.8, 0.01])  # p(model's), p(true)
    assert "17 of 20 right (85%)" in fig.layout.title.text


def test_counts_figure_stacks_the_halves_in_rank_order():
    symbols = np.array([3, 3, 3, 7, 7, 1] + [7, 7, 7, 1, 1, 3])  # totals: 7 ×5, 3 ×4, 1 ×3; 7 rises, 3 falls
    answer = np.array([7, 3, 1, *[s for s in range(NUM_SYMBOLS) if s not in (1, 3, 7)]])
    fig = vsort.counts_figure(symbols, answer)
    first, second = (np.asarray(b.y) for b in fig.data)
    assert first[:3].tolist() == [2, 3, 1] and second[:3].tolist() == [3, 1, 2]
    assert (first[3:] + second[3:] == 0).all()
    assert list(fig.layout.xaxis.ticktext[:3]) == ["7", "3", "1"]
    assert fig.layout.barmode == "stack" and "(12 symbols)" in fig.layout.title.text
    assert any("equal counts" in n for n in fig.layout.meta["notes"])  # the 17 unseen symbols tie at 0
