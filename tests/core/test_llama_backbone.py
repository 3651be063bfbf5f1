"""The Llama options of ModelConfig (RMSNorm, SwiGLU, grouped-query attention, no biases, rotate_half
rotary, tied or separate head) against `transformers.LlamaForCausalLM` on the same weights, and the
long-term memory added to such a backbone with its output projection at zero.

What "equal to transformers" can mean here: HF attends causally over the whole text; this model
attends over a local window (short-term memory + segment). The two compute the same function only
while the window covers every earlier token: segment_len ≥ the text (one segment), or a short-term
memory holding all earlier segments (stm_len ≥ T − segment_len). Those are the cases compared with
HF. With a smaller window the model is a different (windowed) function by design; there the test
compares the memory-equipped model with the same windowed backbone, which a zero W_O must reproduce
exactly while the memory is written and read.
"""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

pytest.importorskip("transformers")

from llama_fixture import architecture, hf_weights, relative_error, tiny_llama  # noqa: E402

from infformer.core.config import LTMConfig, ModelConfig  # noqa: E402
from infformer.core.hooks import CallHooks, hook_points  # noqa: E402
from infformer.core.model import InfFormer  # noqa: E402
from infformer.io.pretrained import infformer_state_dict  # noqa: E402

REL = 1e-4  # float32; the two differ only in summation order (measured ~1e-6)


def ours(hf_model, segment_len: int, stm_len: int = 0, ltm: LTMConfig | None = None) -> InfFormer:
    arch = architecture(hf_model)
    model = InfFormer(arch.model_config(ltm, segment_len, stm_len))
    missing, unexpected = model.load_state_dict(infformer_state_dict(hf_weights(hf_model), arch), strict=False)
    assert not unexpected and all(".ltm." in k for k in missing)
    return model.eval()


def hf_logits(hf_model, tokens: torch.Tensor) -> torch.Tensor:
    with torch.no_grad():
        return hf_model(input_ids=tokens).logits


def tokens_of(T: int, B: int = 2, seed: int = 1) -> torch.Tensor:
    return torch.randint(0, 320, (B, T), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("tie", [True, False])
def test_one_segment_equals_transformers(tie):
    """segment_len ≥ T, no short-term memory, no long-term memory: plain causal attention over the text."""
    hf = tiny_llama(tie=tie)
    tokens = tokens_of(40)
    with torch.no_grad():
        logits, _ = ours(hf, segment_len=64)(tokens)
    assert relative_error(logits, hf_logits(hf, tokens)) < REL


def test_segments_whose_short_term_memory_covers_the_text_equal_transformers():
    """Three segments of 16 with a 32-token short-term memory: every query still sees every earlier
    token, now through the cache of earlier layer inputs, at positions counted from the window's start
    (rotary attention depends only on the distance, so this matches HF's absolute positions)."""
    hf = tiny_llama()
    tokens = tokens_of(48)
    model = ours(hf, segment_len=16, stm_len=32)
    with torch.no_grad():
        logits, _ = model(tokens)
        one_by_one = torch.cat([model(tokens[:, :20])[0], model(tokens[:, 20:], model(tokens[:, :20])[1])[0]], 1)
    reference = hf_logits(hf, tokens)
    assert relative_error(logits, reference) < REL
    assert relative_error(one_by_one, reference) < REL


def test_memory_with_zero_output_projection_is_the_backbone():
    """LTMConfig(zero_out=True): with a window smaller than the text (segment 8, STM 8, 48 tokens) the
    memory is written at every later segment and read by every later query, and the logits still equal the same
    windowed backbone without a memory (to 1e-6; in fact bit for bit). Non-vacuous: the read itself is
    not zero, and a nonzero W_O changes the logits. Only W_O gets a gradient at step 0."""
    hf = tiny_llama()
    tokens = tokens_of(48)
    ltm = LTMConfig(num_basis=16, num_samples=16, zero_out=True)
    backbone, with_memory = ours(hf, 8, 8), ours(hf, 8, 8, ltm)
    contexts = []
    point = hook_points(with_memory)["blocks.1.ltm.hook_context"]
    with torch.no_grad(), CallHooks().add(point, lambda p, i, o: contexts.append(o)):
        logits, state = with_memory(tokens)
        expected, _ = backbone(tokens)
    assert state.num_updates >= 4 and bool(state.layers[1].filled.all())
    assert torch.cat(contexts, 1).abs().max() > 0  # the memory was read
    assert (logits - expected).abs().max() <= 1e-6
    assert torch.equal(logits, expected)

    with_memory.train()
    loss = with_memory(tokens)[0].logsumexp(-1).mean()
    loss.backward()
    ltm_grads = {n: p.grad for n, p in with_memory.named_parameters() if ".ltm." in n}
    assert ltm_grads["blocks.1.ltm.out.weight"].abs().max() > 0
    assert all(g is None or g.abs().max() == 0 for n, g in ltm_grads.items() if ".ltm.out." not in n)

    with torch.no_grad():
        for block in with_memory.blocks:
            block.ltm.out.weight.normal_(0, 0.1)
        changed, _ = with_memory.eval()(tokens)
    assert not torch.allclose(changed, expected)


def test_a_trained_memory_without_bias_read_zeroed_is_exactly_the_backbone():
    """The default model's W_O has no bias (out_bias=False), so zeroing the read (ablate_read, the
    `evaluate --ablate-ltm` row) leaves exactly the backbone with the same window, however trained the
    memory is: the "read zeroed" rows of issue 23's tables equal the baseline by construction."""
    import dataclasses
    hf = tiny_llama()
    tokens = tokens_of(48)
    ltm = LTMConfig(num_basis=16, num_samples=16, zero_out=True, out_bias=False)
    backbone, with_memory = ours(hf, 8, 0), ours(hf, 8, 0, ltm)
    assert all(block.ltm.out.bias is None for block in with_memory.blocks)
    with torch.no_grad():
        for block in with_memory.blocks:  # "trained": every memory weight away from its start
            for p in block.ltm.parameters():
                p.add_(torch.randn_like(p) * 0.1)
        expected, _ = backbone(tokens)
        read, _ = with_memory(tokens)
        ablated = InfFormer(dataclasses.replace(with_memory.cfg, ltm=dataclasses.replace(ltm, ablate_read=True)))
        ablated.load_state_dict(with_memory.state_dict())
        zeroed, _ = ablated.eval()(tokens)
    assert not torch.allclose(read, expected)  # the memory's read matters
    assert torch.equal(zeroed, expected)


def test_new_fields_default_to_the_small_model_and_old_configs_load():
    """Every from-scratch checkpoint's config.json in the repository predates the Llama fields; missing =
    old defaults (the memory on SmolLM2 names its backbone and has them all)."""
    configs = [json.loads(p.read_text()) for p in sorted(Path(__file__).resolve().parents[2].glob("assets/models/*/config.json"))]
    scratch = [c for c in configs if "pretrained" not in c]
    assert scratch and len(scratch) < len(configs)
    for config in scratch:
        cfg = ModelConfig.from_dict(config["model"])
        assert (cfg.norm, cfg.mlp, cfg.n_kv_heads, cfg.bias, cfg.tie_embeddings, cfg.rope_layout, cfg.norm_eps) == \
            ("layernorm", "gelu", None, True, True, "interleaved", 1e-5)
    assert ModelConfig.from_dict(ModelConfig(norm="rmsnorm", n_kv_heads=2).to_dict()).kv_heads == 2


@pytest.mark.parametrize("fields, message", [
    (dict(n_heads=4, n_kv_heads=3), "n_kv_heads"),
    (dict(norm="batchnorm"), "norm"),
    (dict(mlp="relu"), "mlp"),
    (dict(rope_layout="neox"), "rope_layout"),
])  # a compressive memory with grouped-query attention and RMSNorm is allowed: test_compressive_backbone.py
def test_bad_backbone_fields_are_refused(fields, message):
    with pytest.raises(ValueError, match=message):
        ModelConfig(**fields)


def _llama_with_memory(tmp_path):
    from llama_fixture import tiny_llama, tiny_tokenizer, write_hf_directory

    from infformer.core.config import LTMConfig
    from infformer.io.pretrained import load_pretrained
    d = write_hf_directory(tmp_path / "m", tiny_llama(), tiny_tokenizer())
    ltm = LTMConfig(num_basis=16, num_samples=16, num_bins=16, span_capacity=64, sticky=True)
    model, _ = load_pretrained(d, ltm=ltm, segment_len=8, stm_len=0)
    return model.eval()  # the memory's W_O at its random init: the read changes the logits


def test_the_trace_of_a_memory_on_a_llama_backbone_equals_its_forward(tmp_path):
    from infformer.tracing.run import run_with_trace
    model = _llama_with_memory(tmp_path)
    tokens = torch.randint(0, 320, (1, 40), generator=torch.Generator().manual_seed(2))
    with torch.no_grad():
        plain, _ = model(tokens, model.initial_state(1))
        traced, _, trace = run_with_trace(model, tokens, keep_logits=True)
    torch.testing.assert_close(traced, plain, rtol=1e-5, atol=1e-5)
    assert trace.num_layers == 2 and trace.num_heads == 4 and trace.num_updates >= 4


def test_a_memory_on_a_llama_backbone_is_causal(tmp_path):
    model = _llama_with_memory(tmp_path)
    tokens = torch.randint(0, 320, (1, 40), generator=torch.Generator().manual_seed(3))
    changed = tokens.clone()
    changed[0, 30:] = (changed[0, 30:] + 7) % 320
    with torch.no_grad():
        a, _ = model(tokens, model.initial_state(1))
        b, _ = model(changed, model.initial_state(1))
    torch.testing.assert_close(a[:, :30], b[:, :30], rtol=0, atol=0)
    assert not torch.allclose(a[:, 30:], b[:, 30:])
