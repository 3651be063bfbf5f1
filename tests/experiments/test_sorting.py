"""The sorting task's data rule (REFERENCE.md), on hand-made cases and generated examples."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from infformer.experiments.sorting.task import NUM_SYMBOLS, SEPARATOR, answer_mask, make_example, sorting_answer


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

    from infformer.experiments.sorting.train import SortingTrainConfig, sorting_model_config, train_sorting
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

    from infformer.experiments.sorting.task import PADDING, SEPARATOR, make_batch
    from infformer.experiments.sorting.train import model_inputs
    batch = torch.from_numpy(make_batch(64, 3, 0, 0))          # 64 symbols, separator, 20 answers
    inputs = model_inputs(batch, segment_len=32)               # reads 64 + 20 inputs, padded to 96
    assert inputs.shape[1] == 96
    assert (inputs[:, :12] == PADDING).all() and torch.equal(inputs[:, 12:], batch[:, :-1])
    last = inputs[:, -32:]                                     # 12 symbols, the separator, 19 answer inputs
    assert (last[:, :12] < 20).all() and (last[:, 12] == SEPARATOR).all()


def test_plateau_rule():
    from infformer.experiments.sorting.train import plateaued
    assert not plateaued([0.1, 0.2], 2, 0.01)                      # too few validations
    assert not plateaued([0.1, 0.2, 0.3, 0.4], 2, 0.01)            # still rising
    assert plateaued([0.1, 0.5, 0.49, 0.505], 2, 0.01)             # no gain of 0.01 over 0.5 in the last two
    assert not plateaued([0.1, 0.5, 0.49, 0.52], 2, 0.01)
    assert not plateaued([0.5, 0.5, 0.5], 0, 0.01)                 # off


def test_training_stops_on_a_plateau_and_says_so(tmp_path):
    import json

    from infformer.experiments.sorting.train import SortingTrainConfig, sorting_model_config, train_sorting
    cfg = sorting_model_config("ltm", segment_len=16, stm_len=16, num_basis=16, d_model=32, n_layers=1, n_heads=2)
    tc = SortingTrainConfig(length=40, steps=50, batch_size=2, warmup=1, eval_every=1, eval_examples=2,
                            checkpoint_every=50, bf16=False, plateau_patience=2, plateau_delta=1.0)
    train_sorting(tmp_path / "run", cfg, tc, progress=False)
    state = json.loads((tmp_path / "run" / "train_state.json").read_text())
    assert state["step"] == 3 and state["stopped"].startswith("plateau")   # 3 validations: 1 best + 2 without gain
    info = json.loads((tmp_path / "run" / "config.json").read_text())["info"]
    assert info["stopped"] == state["stopped"]
    train_sorting(tmp_path / "run", cfg, tc, progress=False)              # resuming a stopped run does nothing
    assert json.loads((tmp_path / "run" / "train_state.json").read_text())["step"] == 3


def test_the_incoming_gate_keeps_shapes_and_learns():
    """X ⊙ sigmoid(Conv1d_k3(X)) on the vectors written to the memory, as the authors' configurations use it."""
    import torch
    from helpers import make_model, random_tokens, tiny_ltm
    model = make_model("ltm", ltm=tiny_ltm(gate=True)).train()
    ltm = model.blocks[0].ltm
    x = torch.randn(3, 8, model.cfg.d_model)
    gated = ltm.gate_incoming(x)
    assert gated.shape == x.shape
    assert (gated.abs() <= x.abs() + 1e-6).all()  # a sigmoid gate only scales down
    logits, state = model(random_tokens(40, batch=2))
    assert logits.shape == (2, 40, model.cfg.vocab_size) and state.layers[0].coefficients.shape[1:] == (16, 32)
    logits.sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for n, p in model.named_parameters() if "gate" in n)


def test_reach_and_coverage_of_each_memory():
    from infformer.core.config import ModelConfig
    common = dict(n_layers=3, segment_len=64, stm_len=64)
    assert ModelConfig.for_variant("stm", **common).reach() == {"local_reach": 3 * 64 + 64, "coverage": 256}
    comp = ModelConfig.for_variant("compressive", compressive_len=32, compression_rate=4, **common).reach()
    assert comp == {"local_reach": 256, "coverage": 256 + 3 * 32 * 4}
    assert ModelConfig.for_variant("ltm", **common).reach()["coverage"] is None  # every token ever written


def test_sorting_train_cli_takes_gate_and_plateau(tmp_path):
    from infformer.cli.main import build_parser
    args = build_parser().parse_args(["sorting", "train", "--out", str(tmp_path), "--gate", "--plateau-patience", "3"])
    assert args.gate and args.plateau_patience == 3 and args.plateau_delta == 0.005
