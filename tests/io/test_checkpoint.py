"""Checkpoint directories: round trip, and every broken one refused with a message naming the file."""
import json
import shutil

import pytest
import torch
from helpers import make_model, random_tokens
from safetensors.torch import load_file, save_file

from infformer.io.checkpoint import CheckpointError, list_checkpoints, load_checkpoint, read_config, save_checkpoint


@pytest.fixture
def ckpt(tmp_path, tiny_checkpoint):
    """A private copy of the session's tiny checkpoint, free to damage."""
    d = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, d)
    return d


def test_round_trip(tmp_path, tiny_tokenizer):
    model = make_model("sticky", vocab_size=tiny_tokenizer.vocab_size, seed=4)
    d = save_checkpoint(tmp_path / "c", model, tiny_tokenizer, {"steps": 12})
    assert sorted(p.name for p in d.iterdir()) == ["config.json", "model.safetensors", "tokenizer.json"]
    loaded, tok, info = load_checkpoint(d)
    assert info == {"steps": 12}
    assert loaded.cfg == model.cfg
    assert not loaded.training
    sd, sd2 = model.state_dict(), loaded.state_dict()
    assert sd.keys() == sd2.keys() and all(torch.equal(sd[k], sd2[k]) for k in sd)
    text = "The grass is green."
    assert tok.encode(text) == tiny_tokenizer.encode(text)
    x = random_tokens(30, vocab=tiny_tokenizer.vocab_size)
    with torch.no_grad():
        assert torch.equal(model(x)[0], loaded(x)[0])


def test_memory_overrides(ckpt):
    model, _, _ = load_checkpoint(ckpt, tau=0.3, sticky=False, seed=5)
    assert model.cfg.ltm.tau == 0.3 and not model.cfg.ltm.sticky and model.cfg.ltm.seed == 5
    with pytest.raises(CheckpointError):
        load_checkpoint(ckpt, tau=2.0)
    with pytest.raises(CheckpointError):
        load_checkpoint(ckpt, no_such_setting=1)


def test_list_checkpoints(tmp_path, tiny_checkpoint):
    root = tmp_path / "models"
    shutil.copytree(tiny_checkpoint, root / "b")
    shutil.copytree(tiny_checkpoint, root / "a")
    (root / "not-a-model").mkdir()
    assert [p.name for p in list_checkpoints(root)] == ["a", "b"]
    assert list_checkpoints(tmp_path / "nothing") == []


def damage(ckpt, kind):
    """Break the checkpoint one way; return the path the error message must name."""
    cfg_path, weights, tok = ckpt / "config.json", ckpt / "model.safetensors", ckpt / "tokenizer.json"
    if kind == "missing config":
        cfg_path.unlink()
        return cfg_path, ckpt
    if kind == "missing weights":
        weights.unlink()
        return weights, ckpt
    if kind == "missing tokenizer":
        tok.unlink()
        return tok, ckpt
    if kind == "config not json":
        cfg_path.write_text("{ this is not json")
        return cfg_path, ckpt
    if kind == "config not a model":
        cfg_path.write_text(json.dumps({"hello": 1}))
        return cfg_path, ckpt
    if kind == "config bad field":
        data = json.loads(cfg_path.read_text())
        data["model"]["n_heads"] = 5
        cfg_path.write_text(json.dumps(data))
        return cfg_path, ckpt
    if kind == "config binary":
        cfg_path.write_bytes(b"\xff\xfe\x00garbage")
        return cfg_path, ckpt
    if kind == "truncated weights":
        data = weights.read_bytes()
        weights.write_bytes(data[: len(data) // 3])
        return weights, ckpt
    if kind == "weights not safetensors":
        weights.write_text("not a tensor file")
        return weights, ckpt
    if kind == "wrong shapes":
        data = json.loads(cfg_path.read_text())
        data["model"]["d_ff"] = 48
        cfg_path.write_text(json.dumps(data))
        return weights, ckpt
    if kind == "missing tensors":
        data = json.loads(cfg_path.read_text())
        data["model"]["n_layers"] = 3
        cfg_path.write_text(json.dumps(data))
        return weights, ckpt
    if kind == "nan weights":
        tensors = load_file(str(weights))
        tensors["embed.weight"][0, 0] = float("nan")
        save_file(tensors, str(weights))
        return weights, ckpt
    if kind == "tokenizer damaged":
        tok.write_text("{}")
        return tok, ckpt
    if kind == "tokenizer too large":
        data = json.loads(cfg_path.read_text())
        data["model"]["vocab_size"] = 100
        cfg_path.write_text(json.dumps(data))
        return tok, ckpt
    if kind == "plain file":
        f = ckpt.parent / "model.bin"
        f.write_bytes(b"\x00\x01")
        return f, f
    if kind == "no such directory":
        d = ckpt.parent / "nowhere"
        return d, d
    raise AssertionError(kind)


KINDS = ["missing config", "missing weights", "missing tokenizer", "config not json", "config not a model",
         "config bad field", "config binary", "truncated weights", "weights not safetensors", "wrong shapes",
         "missing tensors", "nan weights", "tokenizer damaged", "tokenizer too large", "plain file",
         "no such directory"]


@pytest.mark.parametrize("kind", KINDS)
def test_broken_checkpoint_raises_naming_the_file(ckpt, kind):
    named, directory = damage(ckpt, kind)
    with pytest.raises(CheckpointError) as info:
        load_checkpoint(directory)
    assert str(named) in str(info.value), str(info.value)
    assert isinstance(info.value, ValueError)


def test_read_config_only_reads_the_config(ckpt):
    (ckpt / "model.safetensors").unlink()
    cfg, info = read_config(ckpt)
    assert cfg.variant == "sticky" and info["note"].startswith("random init")
