"""Training: every variant lowers its loss on a tiny repetitive corpus; runs resume where they stopped."""
import csv
import dataclasses
import json

import pytest
import torch
from helpers import tiny_config

from infformer import InfFormer
from infformer.io.checkpoint import load_checkpoint
from infformer.training.train import TrainConfig, lr_at, train


def read_metrics(out):
    with open(out / "metrics.csv", newline="") as f:
        return list(csv.DictReader(f))


def tiny_train_config(**changes):
    fields = dict(steps=40, batch_size=4, lr=3e-3, min_lr=3e-4, warmup=5, eval_every=0, checkpoint_every=1000,
                  eval_batches=4, bf16=False)
    fields.update(changes)
    return TrainConfig(**fields)


@pytest.mark.parametrize("variant", ["none", "stm", "ltm", "sticky"])
def test_each_variant_lowers_its_loss(variant, tiny_corpus, tiny_tokenizer, tmp_path):
    cfg = tiny_config(variant, vocab_size=tiny_tokenizer.vocab_size)
    out = tmp_path / variant
    trained = train([tiny_corpus], out, cfg, tiny_train_config(), tokenizer=tiny_tokenizer, progress=False)
    assert isinstance(trained, InfFormer) and trained.cfg.variant == variant
    rows = read_metrics(out)
    assert [int(r["step"]) for r in rows] == list(range(1, 41))
    losses = [float(r["loss"]) for r in rows]
    assert all(map(lambda v: v == v and v < 1e9, losses))
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.8 * first, (first, last)
    # the final validation loss is written and finite
    assert rows[-1]["val_loss"] != "" and float(rows[-1]["val_loss"]) < first
    model, _, info = load_checkpoint(out)
    assert model.cfg.variant == variant and info["steps"] == 40 and info["variant"] == variant


def test_resume_continues_the_run(tiny_corpus, tiny_tokenizer, tmp_path):
    cfg = tiny_config("sticky", vocab_size=tiny_tokenizer.vocab_size)
    out = tmp_path / "run"
    train([tiny_corpus], out, cfg, tiny_train_config(steps=6, checkpoint_every=3), tokenizer=tiny_tokenizer,
          progress=False)
    first_model, _, _ = load_checkpoint(out)
    assert json.loads((out / "train_state.json").read_text())["step"] == 6
    # resume: the stored config wins, only the step count comes from the call
    train([tiny_corpus], out, None, tiny_train_config(steps=10, checkpoint_every=3), progress=False)
    rows = read_metrics(out)
    assert [int(r["step"]) for r in rows] == list(range(1, 11))
    assert [int(r["tokens"]) for r in rows] == [s * 4 * 8 for s in range(1, 11)]
    assert json.loads((out / "train_state.json").read_text())["step"] == 10
    model, tok, info = load_checkpoint(out)
    assert info["steps"] == 10 and model.cfg == first_model.cfg
    assert tok.vocab_size == tiny_tokenizer.vocab_size
    changed = [k for k, v in model.state_dict().items() if not torch.equal(v, first_model.state_dict()[k])]
    assert changed, "resuming trained nothing"
    # a finished run resumed with the same step count does nothing more
    train([tiny_corpus], out, None, tiny_train_config(steps=10), progress=False)
    assert len(read_metrics(out)) == 10


@pytest.mark.filterwarnings("ignore:bf16 autocast on a cpu without native bf16")
def test_bf16_training_runs(tiny_corpus, tiny_tokenizer, tmp_path):
    cfg = tiny_config("ltm", vocab_size=tiny_tokenizer.vocab_size)
    out = tmp_path / "bf16"
    train([tiny_corpus], out, cfg, tiny_train_config(steps=4, bf16=True), tokenizer=tiny_tokenizer, progress=False)
    losses = [float(r["loss"]) for r in read_metrics(out)]
    assert len(losses) == 4 and all(l == l for l in losses)


def test_precision_follows_the_hardware_and_a_resume_keeps_the_runs_own(monkeypatch, tiny_corpus, tiny_tokenizer,
                                                                        tmp_path):
    """bf16=None (the CLI's --precision auto): float32 on a CPU that emulates bf16, the run's own choice
    on a resume whatever this CPU has, and an explicit choice obeyed, with a warning where bf16 is emulated."""
    from infformer.core import precision
    from infformer.training.runfiles import read_resume_state
    cfg = tiny_config("ltm", vocab_size=tiny_tokenizer.vocab_size)
    out = tmp_path / "run"
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2"}))
    train([tiny_corpus], out, cfg, tiny_train_config(steps=4, checkpoint_every=1, bf16=None), tokenizer=tiny_tokenizer,
          progress=False, stop_after=1)
    assert read_resume_state(out)["train"]["bf16"] is False
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"amx_bf16"}))
    train([tiny_corpus], out, None, tiny_train_config(steps=4, checkpoint_every=1, bf16=None), progress=False,
          stop_after=2)
    assert read_resume_state(out)["train"]["bf16"] is False    # the run's own, not this CPU's
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx2"}))
    with pytest.warns(UserWarning, match="emulated"):
        train([tiny_corpus], out, None, tiny_train_config(steps=4, checkpoint_every=1, bf16=True), progress=False,
              stop_after=3)
    assert read_resume_state(out)["train"]["bf16"] is True
    fresh = tmp_path / "fresh"
    monkeypatch.setattr(precision, "cpu_flags", lambda: frozenset({"avx512_bf16"}))
    train([tiny_corpus], fresh, cfg, tiny_train_config(steps=1, bf16=None), tokenizer=tiny_tokenizer, progress=False)
    assert read_resume_state(fresh)["train"]["bf16"] is True


def test_on_step_callback_and_lr_schedule(tiny_corpus, tiny_tokenizer, tmp_path):
    seen = []
    cfg = tiny_config("stm", vocab_size=tiny_tokenizer.vocab_size)
    train([tiny_corpus], tmp_path / "cb", cfg, tiny_train_config(steps=3), tokenizer=tiny_tokenizer,
          progress=False, on_step=seen.append)
    assert [s["step"] for s in seen] == [1, 2, 3]
    tc = TrainConfig(steps=100, lr=1e-3, min_lr=1e-4, warmup=10)
    assert lr_at(0, tc) == pytest.approx(1e-4)
    assert lr_at(9, tc) == pytest.approx(1e-3)
    assert lr_at(100, tc) == pytest.approx(1e-4)
    assert all(lr_at(s, tc) >= lr_at(s + 1, tc) for s in range(10, 100))


def test_a_run_committed_without_optimizer_and_memory_resumes(tmp_path, tiny_corpus, tiny_tokenizer):
    """What a session commits of a long run (weights, bf16 allowed; no optimizer or memory state) resumes."""
    import torch
    from helpers import tiny_config
    from safetensors.torch import load_file, save_file

    from infformer.training.train import TrainConfig, train
    out = tmp_path / "run"
    tc = TrainConfig(steps=2, batch_size=2, eval_every=0, checkpoint_every=2)
    train([tiny_corpus], out, tiny_config("stm"), tc, tokenizer=tiny_tokenizer, progress=False)
    w = load_file(str(out / "model.safetensors"))
    save_file({k: v.to(torch.bfloat16) if v.is_floating_point() else v for k, v in w.items()}, str(out / "model.safetensors"))
    (out / "optimizer.safetensors").unlink()
    (out / "memory.safetensors").unlink()
    train([tiny_corpus], out, tiny_config("stm"), dataclasses.replace(tc, steps=4), progress=False)
    assert json.loads((out / "train_state.json").read_text())["step"] == 4


def test_stop_after_ends_a_call_early_on_the_whole_schedule(tiny_corpus, tiny_tokenizer, tmp_path):
    """--stop-after: a checkpoint at that step, the learning rates those of the full run, and the same
    command with a later step goes on from there."""
    cfg = tiny_config("ltm", vocab_size=tiny_tokenizer.vocab_size)
    whole, pieces = tmp_path / "whole", tmp_path / "pieces"
    tc = tiny_train_config(steps=6, checkpoint_every=4)
    train([tiny_corpus], whole, cfg, tc, tokenizer=tiny_tokenizer, progress=False)
    train([tiny_corpus], pieces, cfg, tc, tokenizer=tiny_tokenizer, progress=False, stop_after=3)
    assert json.loads((pieces / "train_state.json").read_text())["step"] == 3
    assert [r["lr"] for r in read_metrics(pieces)] == [r["lr"] for r in read_metrics(whole)][:3]
    train([tiny_corpus], pieces, None, tc, progress=False, stop_after=5)
    train([tiny_corpus], pieces, None, tc, progress=False, stop_after=99)   # past the end: the end
    rows = read_metrics(pieces)
    assert [int(r["step"]) for r in rows] == list(range(1, 7))
    assert [r["lr"] for r in rows] == [r["lr"] for r in read_metrics(whole)]
    assert json.loads((pieces / "train_state.json").read_text())["step"] == 6
