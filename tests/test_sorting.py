"""The sorting task's data rule (REFERENCE.md), on hand-made cases and generated examples."""
import numpy as np
import pytest
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


@pytest.mark.slow
def test_sorting_training_lowers_loss_and_evaluate_cli(tmp_path, cli):
    import csv
    import json

    from infformer.sorting_train import SortingTrainConfig, sorting_model_config, train_sorting
    cfg = sorting_model_config("ltm", segment_len=16, stm_len=16, num_basis=16, d_model=32, n_layers=1, n_heads=2)
    out = tmp_path / "sort"
    train_sorting(out, cfg, SortingTrainConfig(length=24, steps=150, batch_size=16, lr=3e-3, warmup=5,
                                               eval_every=75, eval_examples=16, checkpoint_every=75, bf16=False),
                  progress=False)
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    assert [int(r["step"]) for r in rows] == list(range(1, 151))
    first = np.mean([float(r["loss"]) for r in rows[:30]])
    last = np.mean([float(r["loss"]) for r in rows[-30:]])
    assert last < first - 0.1  # below ln 20: it has learnt something about the counts
    assert 0 <= float(rows[-1]["valid_accuracy"]) <= 1 and float(rows[-1]["regression_error"]) > 0
    r = cli(["sorting", "evaluate", "--model", out, "--length", "24", "--examples", "20", "--seed", "7"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["examples"] == 20 and 0 <= report["accuracy"] <= 1
    again = json.loads(cli(["sorting", "evaluate", "--model", out, "--length", "24", "--examples", "20",
                            "--seed", "7"], cwd=tmp_path).stdout)
    assert again["accuracy"] == report["accuracy"]  # a seed reproduces the figure exactly


def test_the_answer_ends_the_last_segment_so_it_also_holds_the_sequence_tail():
    import torch

    from infformer.sorting import PADDING, SEPARATOR, make_batch
    from infformer.sorting_train import model_inputs
    batch = torch.from_numpy(make_batch(64, 3, 0, 0))          # 64 symbols, separator, 20 answers
    inputs = model_inputs(batch, segment_len=32)               # reads 64 + 20 inputs, padded to 96
    assert inputs.shape[1] == 96
    assert (inputs[:, :12] == PADDING).all() and torch.equal(inputs[:, 12:], batch[:, :-1])
    last = inputs[:, -32:]                                     # 12 symbols, the separator, 19 answer inputs
    assert (last[:, :12] < 20).all() and (last[:, 12] == SEPARATOR).all()
