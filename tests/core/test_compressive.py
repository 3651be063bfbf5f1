"""The Compressive Transformer baseline (Rae et al., 2020): memory shapes, budget, learning."""
import dataclasses

import torch

from infformer import InfFormer, LTMConfig, MemoryState, ModelConfig


def tiny(variant, **kw):
    return ModelConfig.for_variant(variant, vocab_size=50, d_model=32, n_heads=2, n_layers=2, d_ff=64,
                                   segment_len=16, stm_len=16, ltm=LTMConfig(num_basis=16, num_samples=16,
                                                                             span_capacity=64), **kw)


def test_budget_matches_the_long_term_memory():
    comp, inf = tiny("compressive"), tiny("ltm")
    assert comp.variant == "compressive" and comp.compressive_len == inf.ltm.num_basis
    s_comp = InfFormer(comp).initial_state(3)
    s_inf = InfFormer(inf).initial_state(3)
    # N coefficient vectors of width e against Cm compressed vectors of width e
    assert s_comp.layers[0].compressed.shape == s_inf.layers[0].coefficients.shape == (3, 16, 32)


def test_compressed_memory_fills_at_rate_c_and_keeps_its_size():
    cfg = tiny("compressive", compression_rate=4)
    model = InfFormer(cfg).eval()
    state = None
    x = torch.randint(0, 50, (1, 16))
    for k in range(1, 12):
        _, state = model(x, state)
        comp = state.layers[0].compressed
        assert comp.shape == (1, 16, 32)
        # segments written so far: k - 2 (the first leaves the STM after segment 2, written at segment 3)
        written = max(0, k - 2) * 16 // 4
        nonzero = (comp[0].abs().sum(-1) > 0).sum().item()
        assert nonzero == min(16, written)


def test_compressed_memory_changes_predictions_and_learns():
    """End to end through the reads (compression_loss="task"; the default trains it by attention
    reconstruction instead, tests/core/test_compression_loss.py)."""
    torch.manual_seed(0)
    cfg = tiny("compressive", dropout=0.0, compression_loss="task")
    model = InfFormer(cfg)
    x = torch.randint(0, 50, (2, 16 * 4))
    state = None
    for k in range(3):
        _, state = model(x[:, 16 * k:16 * (k + 1)], state)
    logits, _ = model(x[:, 48:], state)
    logits.logsumexp(-1).mean().backward()
    assert model.blocks[0].compress.weight.grad is not None
    assert model.blocks[0].compress.weight.grad.abs().sum() > 0
    # the same state with only the compressed memory's content wiped: predictions must change
    cleared = MemoryState(tuple(dataclasses.replace(m, compressed=torch.zeros_like(m.compressed))
                                for m in state.layers), state.position, state.num_updates)
    with torch.no_grad():
        a, _ = model(x[:, 48:], state)
        b, _ = model(x[:, 48:], cleared)
    assert not torch.allclose(a, b)


def test_one_call_equals_token_by_token():
    model = InfFormer(tiny("compressive")).eval()
    x = torch.randint(0, 50, (2, 100))
    whole, _ = model(x)
    state, parts = None, []
    for i in range(100):
        out, state = model(x[:, i:i + 1], state)
        parts.append(out)
    assert torch.allclose(whole, torch.cat(parts, 1), atol=1e-5)
