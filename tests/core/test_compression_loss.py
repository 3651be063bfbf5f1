"""The Compressive Transformer as Rae et al. (2020) train it: the compressor learns only from the
attention-reconstruction loss, which is zero when the compressed memory reproduces the attention."""
import torch
from helpers import make_model, random_tokens
from torch import nn

from infformer.core.attention import LocalAttention, attention_reconstruction_loss
from infformer.core.hooks import CallHooks, hook_points

E, H, C = 16, 2, 4


def parts(seed=0):
    torch.manual_seed(seed)
    return LocalAttention(E, H, 0.0, 10000.0), nn.LayerNorm(E)


def mean_pool_compressor(c: int) -> nn.Conv1d:
    conv = nn.Conv1d(E, E, kernel_size=c, stride=c)
    with torch.no_grad():
        conv.weight.zero_()
        conv.bias.zero_()
        for j in range(E):
            conv.weight[j, j, :] = 1.0 / c
    return conv


def test_zero_when_the_compressed_memory_reproduces_the_attention():
    attn, norm = parts()
    queries = torch.randn(2, 5, E)
    distinct = torch.randn(2, 3, E)
    old = distinct.repeat_interleave(C, dim=1)  # c copies of each vector: attention over them = over one each
    compressed = mean_pool_compressor(C)(old.transpose(1, 2)).transpose(1, 2)
    torch.testing.assert_close(compressed, distinct)
    assert attention_reconstruction_loss(attn, norm, queries, old, compressed).item() < 1e-10
    identity = attention_reconstruction_loss(attn, norm, queries, old, old)  # rate 1, nothing lost
    assert identity.item() == 0.0


def test_positive_otherwise_and_only_the_compressor_gets_its_gradient():
    attn, norm = parts()
    queries, old = torch.randn(2, 5, E), torch.randn(2, 12, E)
    conv = nn.Conv1d(E, E, kernel_size=C, stride=C)
    loss = attention_reconstruction_loss(attn, norm, queries, old, conv(old.transpose(1, 2)).transpose(1, 2))
    assert loss.item() > 0
    loss.backward()
    assert conv.weight.grad is not None and conv.weight.grad.abs().sum() > 0
    assert all(p.grad is None for p in list(attn.parameters()) + list(norm.parameters()))


def test_no_task_gradient_reaches_the_compressor_and_the_loss_is_emitted_in_training():
    model = make_model("compressive", compression_rate=4).train()
    assert model.cfg.compression_loss == "attention"
    losses = []
    hooks = CallHooks()
    for name, hp in hook_points(model).items():
        if name.endswith("hook_compression_loss"):
            hooks.add(hp, lambda m, i, o: losses.append(o))
    with hooks:
        logits, _ = model(random_tokens(48, batch=2))
    # one per layer and write: the first vectors leave the window after segment 1 (L = S = 8) and are
    # written before segments 2, 3, 4 and 5
    assert len(losses) == model.cfg.n_layers * 4
    logits.sum().backward()                       # the task loss alone
    for block in model.blocks:
        assert block.compress.weight.grad is None or block.compress.weight.grad.abs().sum() == 0
    sum(losses).backward()                        # the auxiliary loss trains them
    assert all(b.compress.weight.grad.abs().sum() > 0 for b in model.blocks)


def test_task_mode_keeps_the_end_to_end_baseline():
    model = make_model("compressive", compression_rate=4, compression_loss="task").train()
    logits, _ = model(random_tokens(48, batch=2))
    logits.sum().backward()
    assert all(b.compress.weight.grad is not None and b.compress.weight.grad.abs().sum() > 0 for b in model.blocks)
