"""A memory on a pretrained backbone as a checkpoint: the backbone named, the memory's weights only,
and `train --pretrained` that writes it, resumes it and loads back to the same logits."""
import json

import pytest
import torch
from llama_fixture import TEXT, tiny_llama, tiny_tokenizer, write_hf_directory

from infformer.core.config import LTMConfig
from infformer.io import checkpoint
from infformer.io.checkpoint import CheckpointError, load_checkpoint, save_checkpoint, weight_files
from infformer.io.pretrained import load_pretrained

LTM = LTMConfig(num_basis=16, num_samples=16, num_bins=16, span_capacity=64, sticky=True, zero_out=True)


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    return write_hf_directory(tmp_path_factory.mktemp("llama") / "tiny", tiny_llama(), tiny_tokenizer())


def trained(backbone):
    """The backbone with a memory whose weights are no longer zero (as after training)."""
    model, tokenizer = load_pretrained(backbone, ltm=LTM, segment_len=16, stm_len=16)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if ".ltm." in name:
                p.add_(0.05 * torch.randn_like(p))
    return model.eval(), tokenizer


def test_a_backbone_checkpoint_holds_the_memory_only_and_loads_back_the_same_logits(tmp_path, backbone):
    model, tokenizer = trained(backbone)
    d = save_checkpoint(tmp_path / "ckpt", model, tokenizer, {"note": "test"}, pretrained=str(backbone))
    files = weight_files(d)
    saved = {}
    for f in files:
        from safetensors.torch import load_file
        saved.update(load_file(str(f)))
    assert saved and all(".ltm." in k for k in saved) and all(v.dtype == torch.bfloat16 for v in saved.values())
    assert not (d / "tokenizer.json").exists()
    loaded, tok, info = load_checkpoint(d)
    assert info["pretrained"] == str(backbone) and tok.encode(TEXT) == tokenizer.encode(TEXT)
    tokens = torch.tensor([tokenizer.encode(TEXT)[0][:80]])
    with torch.no_grad():
        want = model(tokens, model.initial_state(1))[0]
        got = loaded(tokens, loaded.initial_state(1))[0]
    # the memory's weights are stored in bf16: the logits agree to bf16's precision
    assert (got - want).abs().max() / want.abs().max() < 2e-2


def test_large_memories_are_sharded_under_the_file_limit(tmp_path, backbone, monkeypatch):
    model, tokenizer = trained(backbone)
    monkeypatch.setattr(checkpoint, "SHARD_BYTES", 20_000)
    d = save_checkpoint(tmp_path / "ckpt", model, tokenizer, pretrained=str(backbone))
    files = weight_files(d)
    assert len(files) > 1 and all(f.stat().st_size < 20_000 + 8_000 for f in files)
    loaded = load_checkpoint(d)[0]
    for k, v in model.state_dict().items():
        if ".ltm." in k:
            torch.testing.assert_close(loaded.state_dict()[k], v.to(torch.bfloat16).float())
    monkeypatch.setattr(checkpoint, "SHARD_BYTES", 10 ** 9)  # saving again in one file removes the shards
    save_checkpoint(d, model, tokenizer, pretrained=str(backbone))
    assert [f.name for f in weight_files(d)] == ["model.safetensors"] and len(list(d.glob("model*"))) == 1


def test_the_backbone_alone_needs_no_weights_and_a_missing_memory_is_named(tmp_path, backbone):
    model, tokenizer = load_pretrained(backbone, segment_len=16, stm_len=16)
    d = save_checkpoint(tmp_path / "base", model, tokenizer, pretrained=str(backbone))
    assert weight_files(d) == []
    assert load_checkpoint(d)[0].cfg.ltm is None
    memory, _ = trained(backbone)
    d2 = save_checkpoint(tmp_path / "mem", memory, tokenizer, pretrained=str(backbone))
    for f in weight_files(d2):
        f.unlink()
    with pytest.raises(CheckpointError, match="memory's weights"):
        load_checkpoint(d2)
    config = json.loads((d2 / "config.json").read_text())
    config["pretrained"] = str(tmp_path / "nowhere")
    (d2 / "config.json").write_text(json.dumps(config))
    with pytest.raises(CheckpointError, match="backbone"):
        load_checkpoint(d2)


def test_train_pretrained_writes_a_memory_checkpoint_and_resumes(tmp_path, backbone, cli):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 30, encoding="utf-8")
    out = tmp_path / "run"
    args = ["train", corpus, "--pretrained", backbone, "--freeze-backbone", "--variant", "sticky",
            "--segment-len", "16", "--stm-len", "16", "--num-basis", "16", "--num-samples", "16", "--num-bins", "16",
            "--batch-size", "2", "--eval-every", "0", "--checkpoint-every", "3", "--no-bf16", "--threads", "1",
            "--quiet", "--out", out]
    r = cli([*args, "--steps", "3"], tmp_path)
    assert r.returncode == 0, r.stderr
    state = json.loads((out / "train_state.json").read_text())
    assert state["step"] == 3 and state["pretrained"] == str(backbone)
    r = cli([*args, "--steps", "6"], tmp_path)  # resumes from step 3
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "train_state.json").read_text())["step"] == 6
    model, _, info = load_checkpoint(out)
    assert info["steps"] == 6 and model.cfg.ltm.sticky and model.cfg.n_kv_heads == 2
    base = load_pretrained(backbone, segment_len=16, stm_len=16)[0].state_dict()
    for k, v in model.state_dict().items():  # the backbone was frozen: exactly the source's weights
        if ".ltm." not in k:
            torch.testing.assert_close(v, base[k], rtol=0, atol=0)
    assert any(float(v.abs().max()) > 0 for k, v in model.state_dict().items() if k.endswith("ltm.out.weight"))


@pytest.mark.slow  # loads the real SmolLM2-135M (~5 s) and traces with it
def test_a_memory_on_smollm2_saves_loads_and_traces_from_the_command_line(tmp_path, cli):
    from infformer.io.pretrained import SMOLLM2_PACKAGE, smollm2_gguf_path
    try:
        source = smollm2_gguf_path()
    except ValueError as e:
        pytest.skip(str(e))
    ltm = LTMConfig(num_basis=32, num_samples=32, sticky=True, zero_out=True)
    model, tokenizer = load_pretrained(source, ltm=ltm, segment_len=64, stm_len=0)
    d = save_checkpoint(tmp_path / "ckpt", model, tokenizer, pretrained=SMOLLM2_PACKAGE)
    assert json.loads((d / "config.json").read_text())["pretrained"] == SMOLLM2_PACKAGE
    assert sum(f.stat().st_size for f in weight_files(d)) < 40_000_000
    text = tmp_path / "in.txt"
    text.write_text("The pass key is 71432. Remember it. " + "The grass is green. The sky is blue. " * 12)
    r = cli(["trace", text, "--model", d, "--query", "What is the pass key?", "--precision", "bf16", "--out", tmp_path / "out"],
            tmp_path)
    assert r.returncode == 0, r.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert (summary["layers"], summary["heads"], summary["num_memory_updates"]) == (30, 9, summary["num_segments"] - 1)


def test_a_fine_tuned_backbone_is_saved_whole_and_loads_as_trained(tmp_path, backbone, cli):
    """All weights trained (no --freeze-backbone): the checkpoint must hold the backbone's new weights
    too, else loading it would silently put the memory on the untouched backbone."""
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 30, encoding="utf-8")
    out = tmp_path / "run"
    r = cli(["train", corpus, "--pretrained", backbone, "--variant", "sticky", "--segment-len", "16", "--stm-len", "0",
             "--num-basis", "16", "--num-samples", "16", "--batch-size", "2", "--eval-every", "0", "--steps", "3",
             "--lr", "1e-2", "--memory-lr", "1e-2", "--no-bf16", "--threads", "1", "--quiet", "--out", out], tmp_path)
    assert r.returncode == 0, r.stderr
    assert json.loads((out / "config.json").read_text())["weights"] == "all"
    model, _, info = load_checkpoint(out)
    untouched, _ = load_pretrained(backbone, segment_len=16, stm_len=0)
    changed = [k for k, v in untouched.state_dict().items()
               if not torch.equal(v.to(torch.bfloat16), model.state_dict()[k].to(torch.bfloat16))]
    assert any(".attn." in k or ".mlp." in k for k in changed)  # the backbone's own weights came back trained
