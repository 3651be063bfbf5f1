"""The Compressive Transformer's memory added to a pretrained Llama backbone (issue 27's "Compressive"
row): it builds from the backbone, computes the backbone's logits until something has been compressed,
its compressors start as averages, and Rae et al.'s reconstruction loss works with RMSNorm and
grouped-query attention and trains the compressors alone."""
from __future__ import annotations

import json

import pytest
import torch
import torch.nn.functional as F

pytest.importorskip("transformers")

from llama_fixture import TEXT, tiny_llama, tiny_tokenizer, write_hf_directory  # noqa: E402

from infformer.core.attention import attention_reconstruction_loss  # noqa: E402
from infformer.io.checkpoint import load_checkpoint  # noqa: E402
from infformer.io.pretrained import load_pretrained  # noqa: E402

SEGMENT, SLOTS, RATE = 16, 8, 4


@pytest.fixture(scope="module")
def backbone(tmp_path_factory):
    return write_hf_directory(tmp_path_factory.mktemp("llama") / "tiny", tiny_llama(), tiny_tokenizer())


def tokens_of(T: int, B: int = 2, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, 300, (B, T), generator=torch.Generator().manual_seed(seed))


def test_compressive_on_a_backbone_is_the_backbone_until_a_segment_has_been_compressed(backbone):
    """Step 0: the first segment (nothing compressed yet) has exactly the backbone's logits with the
    same window; from the second segment on, the compressed slots are read and the logits differ."""
    plain, _ = load_pretrained(backbone, segment_len=SEGMENT, stm_len=0)
    model, _ = load_pretrained(backbone, segment_len=SEGMENT, stm_len=0, compressive_len=SLOTS, compression_rate=RATE)
    assert model.cfg.compressive_len == SLOTS and model.cfg.ltm is None and model.cfg.norm == "rmsnorm"
    assert model.cfg.n_kv_heads < model.cfg.n_heads  # grouped-query attention, as SmolLM2
    tokens = tokens_of(3 * SEGMENT)
    with torch.no_grad():
        got, state = model(tokens, model.initial_state(2))
        want, _ = plain(tokens, plain.initial_state(2))
    # masked compressed slots (not yet written) change only the order of float sums
    torch.testing.assert_close(got[:, :SEGMENT], want[:, :SEGMENT], rtol=1e-5, atol=1e-5)
    assert (got[:, SEGMENT:] - want[:, SEGMENT:]).abs().max() > 1e-3  # the compressed memory is read
    assert state.layers[0].compressed.abs().sum() > 0


def test_the_compressors_start_as_averages_of_c_vectors(backbone):
    model, _ = load_pretrained(backbone, segment_len=SEGMENT, stm_len=0, compressive_len=SLOTS, compression_rate=RATE)
    x = torch.randn(2, model.cfg.d_model, SEGMENT)
    for block in model.blocks:
        torch.testing.assert_close(block.compress(x), F.avg_pool1d(x, RATE), rtol=0, atol=1e-6)


def test_reconstruction_loss_reads_with_grouped_query_heads_and_rmsnorm_and_trains_the_compressed_only(backbone):
    """Against the attention written out (each key/value head repeated for its group of query heads,
    RMSNorm by its formula); zero when the compressed vectors are the old ones; the gradient reaches the
    compressed vectors only, never the frozen attention, its norm or the queries."""
    model, _ = load_pretrained(backbone, segment_len=SEGMENT, stm_len=0, compressive_len=SLOTS, compression_rate=RATE)
    block = model.blocks[1]
    attn, norm = block.attn, block.ln_1
    for p in model.parameters():
        p.requires_grad_(True)  # as in a fully trained model: the loss must still leave them alone
    g = torch.Generator().manual_seed(3)
    e = model.cfg.d_model
    queries = torch.randn(2, SEGMENT, e, generator=g, requires_grad=True)
    old = torch.randn(2, SEGMENT, e, generator=g)
    compressed = torch.randn(2, SEGMENT // RATE, e, generator=g, requires_grad=True)

    def rms(x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + norm.eps) * norm.weight

    def heads(x, h):
        return x.view(2, -1, h, attn.head_dim).transpose(1, 2)

    def read(memory):
        H, G = attn.n_heads, attn.n_kv_heads
        q = heads(rms(queries) @ attn.query.weight.T, H)
        k, v = (rms(memory) @ attn.key_value.weight.T).chunk(2, -1)
        k, v = (heads(t, G).repeat_interleave(H // G, dim=1) for t in (k, v))
        w = torch.softmax(q @ k.transpose(-1, -2) / attn.head_dim ** 0.5, -1)
        return w @ v

    loss = attention_reconstruction_loss(attn, norm, queries, old, compressed)
    torch.testing.assert_close(loss, (read(old) - read(compressed)).pow(2).mean(), rtol=1e-5, atol=1e-7)
    assert float(attention_reconstruction_loss(attn, norm, queries, old, old).detach()) == 0.0
    model.zero_grad()
    queries.grad = None
    loss.backward()
    assert compressed.grad is not None and compressed.grad.abs().max() > 0
    assert queries.grad is None
    assert all(p.grad is None for p in model.parameters())


def test_train_pretrained_compressive_trains_the_compressors_alone_and_loads_back(tmp_path, backbone, cli):
    corpus = tmp_path / "corpus.txt"
    corpus.write_text(TEXT * 30, encoding="utf-8")
    out = tmp_path / "run"
    r = cli(["train", corpus, "--pretrained", backbone, "--freeze-backbone", "--variant", "compressive",
             "--segment-len", str(SEGMENT), "--stm-len", "0", "--num-basis", str(SLOTS), "--batch-size", "2",
             "--eval-every", "0", "--steps", "4", "--lr", "1e-2", "--no-bf16", "--threads", "1", "--quiet",
             "--out", out], tmp_path)
    assert r.returncode == 0, r.stderr
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["compressive_len"] == SLOTS and config["pretrained"] == str(backbone)
    model, _, _ = load_checkpoint(out)
    start, _ = load_pretrained(backbone, segment_len=SEGMENT, stm_len=0, compressive_len=SLOTS,
                               compression_rate=model.cfg.compression_rate)
    moved = []
    for k, v in model.state_dict().items():
        if ".compress." in k:
            moved.append(not torch.allclose(v, start.state_dict()[k], atol=1e-3))
        else:  # the backbone was frozen: exactly the source's weights
            torch.testing.assert_close(v, start.state_dict()[k], rtol=0, atol=0)
    assert moved and any(moved)  # the reconstruction loss trained the compressors
    metrics = (out / "metrics.csv").read_text().splitlines()
    assert len(metrics) == 5
