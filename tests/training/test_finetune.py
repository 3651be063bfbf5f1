"""The paper's recipe: a base without long-term memory, the memory added with W_O = 0, then fine-tuned."""
import json

import pytest
import torch
from helpers import random_tokens, tiny_config

from infformer import InfFormer
from infformer.io.checkpoint import load_checkpoint, save_checkpoint
from infformer.training.finetune import finetune_config, start_from_base
from infformer.training.train import TrainConfig, is_memory_parameter, parameter_groups, train


def base_and_finetuned(variant="sticky"):
    torch.manual_seed(0)
    base = InfFormer(tiny_config("stm")).eval()
    for p in base.parameters():  # a "trained" base: not the init the fine-tune would draw itself
        p.data.add_(0.05 * torch.randn_like(p))
    cfg = finetune_config(base.cfg, tiny_config(variant, d_model=64, n_layers=3))
    torch.manual_seed(1)
    model = InfFormer(cfg)
    start_from_base(model, base)
    return base, model.eval()


@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_step_zero_reproduces_the_base_logits(variant):
    base, model = base_and_finetuned(variant)
    assert model.cfg.d_model == base.cfg.d_model and model.cfg.n_layers == base.cfg.n_layers  # base's architecture
    tokens = random_tokens(70, batch=2)  # many segments: the memory is written and read
    want, _ = base(tokens)
    got, state = model(tokens)
    assert state.layers[0].filled.all()
    torch.testing.assert_close(got, want, rtol=0, atol=1e-5)


def test_memory_parameters_learn_and_the_output_moves_after_a_step():
    base, model = base_and_finetuned("ltm")
    model.train()
    opt = torch.optim.AdamW(parameter_groups(model, TrainConfig(lr=1e-2)), lr=1e-2)
    state = None
    for k in range(3):
        tokens = random_tokens(8, seed=k)
        logits, state = model(tokens, state)
        loss = torch.nn.functional.cross_entropy(logits.flatten(0, 1), random_tokens(8, seed=10 + k).flatten())
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert model.blocks[0].ltm.out.weight.abs().sum() > 0


def test_memory_parameters_get_their_own_learning_rate():
    _, model = base_and_finetuned("ltm")
    groups = parameter_groups(model, TrainConfig(lr=1e-4, memory_lr=5e-4))
    memory = {id(p) for n, p in model.named_parameters() if is_memory_parameter(n)}
    assert memory and all(n.startswith("blocks.") and ".ltm." in n for n, p in model.named_parameters()
                          if id(p) in memory)
    for g in groups:
        ids = {id(p) for p in g["params"]}
        assert ids <= memory if g["lr_scale"] == 5.0 else not ids & memory


def test_a_base_with_memory_is_refused():
    with pytest.raises(ValueError, match="already has"):
        finetune_config(tiny_config("ltm"), tiny_config("sticky"))


def test_train_init_from_writes_a_finetune_that_starts_at_the_base(tmp_path, tiny_tokenizer, tiny_corpus):
    torch.manual_seed(0)
    base = InfFormer(tiny_config("stm", vocab_size=tiny_tokenizer.vocab_size)).eval()
    save_checkpoint(tmp_path / "base", base, tiny_tokenizer, {"steps": 7, "tokens": 56})
    out = tmp_path / "ft"
    train([tiny_corpus], out, tiny_config("sticky"), TrainConfig(steps=2, batch_size=2, eval_every=0, lr=1e-3),
          progress=False, init_from=tmp_path / "base")
    model, tok, info = load_checkpoint(out)
    assert model.cfg.variant == "sticky" and tok.vocab_size == tiny_tokenizer.vocab_size
    assert info["base"] == {"model": str(tmp_path / "base"), "steps": 7, "tokens": 56}
    saved = json.loads((out / "train_state.json").read_text())
    assert saved["base"]["steps"] == 7  # kept on resume too
