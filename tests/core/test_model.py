"""The language model: one call = token by token = segment by segment; shapes; a long stream stays finite."""
import pytest
import torch
from helpers import VOCAB, make_model, random_tokens, tiny_ltm

from infformer import InfFormer, ModelConfig
from infformer.core.hooks import hook_points


def run_in_chunks(model, x, sizes):
    state, out, start = None, [], 0
    with torch.no_grad():
        for n in sizes:
            logits, state = model(x[:, start:start + n], state)
            out.append(logits)
            start += n
    assert start == x.shape[1]
    return torch.cat(out, 1), state


def assert_close_states(a, b, atol=1e-5):
    assert a.num_updates == b.num_updates
    assert torch.equal(a.position, b.position)
    for ma, mb in zip(a.layers, b.layers, strict=False):
        for name in ("stm", "current", "incoming", "coefficients", "bin_mass"):
            x, y = getattr(ma, name), getattr(mb, name)
            assert x.shape == y.shape, name
            assert torch.allclose(x, y, atol=atol, rtol=1e-4), name
        assert torch.equal(ma.filled, mb.filled)
        assert torch.equal(ma.span_tokens, mb.span_tokens)
        assert torch.allclose(ma.spans, mb.spans, atol=1e-9)


CASES = [("none", {}), ("stm", {}), ("ltm", {}), ("sticky", {}), ("ltm", {"stm_len": 0}), ("ltm", {"stm_len": 16}),
         ("sticky", {"stm_len": 16, "ltm": tiny_ltm(sticky=True, gate=True, edge_padding=True)})]


@pytest.mark.parametrize("variant,fields", CASES, ids=[f"{v}-{sorted(f)}" for v, f in CASES])
def test_one_call_equals_token_by_token_and_segment_by_segment(variant, fields):
    model = make_model(variant, **fields)
    T = 8 * 7 + 3
    x = random_tokens(T, batch=2, seed=11)
    whole, s_whole = run_in_chunks(model, x, [T])
    by_token, s_token = run_in_chunks(model, x, [1] * T)
    by_segment, s_segment = run_in_chunks(model, x, [8] * 7 + [3])
    ragged, s_ragged = run_in_chunks(model, x, [3, 5, 13, 1, 2, 16, 9, 10])
    assert whole.shape == (2, T, VOCAB)
    for other, state in ((by_token, s_token), (by_segment, s_segment), (ragged, s_ragged)):
        assert torch.allclose(whole, other, atol=1e-5, rtol=1e-4)
        assert_close_states(s_whole, state)


def test_memory_changes_predictions():
    """The long-term memory is read: the same last segment after different histories gives different logits,
    also when the short-term memory is identical."""
    model = make_model("ltm")
    tail = random_tokens(24, seed=1)
    a = torch.cat([random_tokens(40, seed=2), tail], 1)
    b = torch.cat([random_tokens(40, seed=3), tail], 1)
    with torch.no_grad():
        la, _ = model(a)
        lb, _ = model(b)
    # the last segment's local window (STM + segment) is the same tokens; only the LTM differs
    assert not torch.allclose(la[:, -8:], lb[:, -8:], atol=1e-6)


def test_no_memory_variant_depends_only_on_the_segment():
    model = make_model("none")
    tail = random_tokens(8, seed=1)
    with torch.no_grad():
        la, _ = model(torch.cat([random_tokens(16, seed=2), tail], 1))
        lb, _ = model(torch.cat([random_tokens(16, seed=3), tail], 1))
    assert torch.allclose(la[:, -8:], lb[:, -8:], atol=1e-6)


def test_causal_within_a_segment():
    model = make_model("ltm")
    x = random_tokens(30, seed=4)
    y = x.clone()
    y[0, 20] = (y[0, 20] + 1) % VOCAB
    with torch.no_grad():
        lx, _ = model(x)
        ly, _ = model(y)
    assert torch.allclose(lx[:, :20], ly[:, :20], atol=1e-6)
    assert not torch.allclose(lx[:, 20:], ly[:, 20:], atol=1e-6)


def test_forward_signature_and_state_contents():
    model = make_model("sticky")
    x = random_tokens(21, batch=3)
    with torch.no_grad():
        logits, state = model(x)
        empty_logits, same = model(x[:, :0], state)
    assert logits.shape == (3, 21, VOCAB)
    assert state.position.tolist() == [21, 21, 21]
    assert state.pending == 5
    assert len(state.layers) == 2
    # updates run at the starts of segments 2 (nothing valid yet: the STM padding leaves) and 3 (first write)
    assert state.num_updates == 2
    assert all(bool(m.filled.all()) for m in state.layers)
    assert all(sorted(m.span_tokens[0][m.span_tokens[0] >= 0].tolist()) == list(range(8)) for m in state.layers)
    assert empty_logits.shape == (3, 0, VOCAB)
    assert same is state or torch.equal(same.position, state.position)


def test_bad_inputs_raise_value_error():
    model = make_model("ltm")
    with pytest.raises(ValueError):
        model(torch.zeros(5, dtype=torch.long))
    _, state = model(random_tokens(10, batch=2))
    with pytest.raises(ValueError):
        model(random_tokens(3, batch=1), state)  # batch mismatch
    other = make_model("ltm", ltm=tiny_ltm(num_basis=32))
    with pytest.raises(ValueError):
        other(random_tokens(3, batch=2), state)  # different N


@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_long_stream_stays_finite(variant):
    model = make_model(variant)
    x = random_tokens(8 * 300, seed=9)
    with torch.no_grad():
        logits, state = model(x)
    assert state.num_updates >= 298
    assert torch.isfinite(logits).all()
    for m in state.layers:
        assert torch.isfinite(m.coefficients).all()
        assert torch.isfinite(m.spans).all()
        keep = m.span_tokens[0] >= 0
        assert keep.sum() == 64  # capacity kept full
        widths = m.spans[0, keep, 1] - m.spans[0, keep, 0]
        assert (widths >= 0).all() and widths.sum() <= 1 + 1e-9
        assert m.coefficients.abs().max() < 1e4


def test_hook_points_are_named():
    names = set(hook_points(make_model("sticky")))
    for layer in range(2):
        for what in ("mu", "sigma_sq", "scores", "context", "coefficients", "bin_probs", "sample_positions",
                     "memory_vectors", "update_kind"):
            assert f"blocks.{layer}.ltm.hook_{what}" in names


def test_config_variants():
    for variant in ("none", "stm", "ltm", "sticky"):
        cfg = ModelConfig.for_variant(variant, d_model=32, n_heads=2, segment_len=8)
        assert cfg.variant == variant
        assert (cfg.ltm is None) == (variant in ("none", "stm"))
        assert (cfg.stm_len == 0) == (variant == "none")
    with pytest.raises(ValueError):
        ModelConfig.for_variant("xl")


def test_config_round_trip_and_validation():
    cfg = ModelConfig.for_variant("sticky", d_model=32, n_heads=2, segment_len=8, ltm=tiny_ltm())
    assert ModelConfig.from_dict(__import__("json").loads(cfg.to_json())) == cfg
    with pytest.raises(ValueError):
        ModelConfig.from_dict({**cfg.to_dict(), "bogus": 1})
    bad = [dict(d_model=30, n_heads=4), dict(segment_len=8, stm_len=12), dict(dropout=1.0), dict(d_model=12, n_heads=4)]
    for fields in bad:
        with pytest.raises(ValueError):
            ModelConfig(**fields)
    for fields in [dict(tau=1.0), dict(tau=0.0), dict(ridge=0.0), dict(num_basis=15), dict(sigma_sq_min=0.0),
                   dict(num_samples=0), dict(basis_layout="other"), dict(widths=(0.01, -0.01))]:
        with pytest.raises(ValueError):
            tiny_ltm(**fields)
    with pytest.raises(ValueError):
        ModelConfig.for_variant("stm").with_memory(tau=0.3)


def test_scaled_basis_layout_model_runs():
    model = make_model("ltm", ltm=tiny_ltm(basis_layout="scaled"))
    assert torch.allclose(model.basis.widths[1::2], 2 * model.basis.widths[0::2])
    with torch.no_grad():
        logits, _ = model(random_tokens(40))
    assert torch.isfinite(logits).all()


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device on this machine")
@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_cuda_matches_cpu(variant):
    model = make_model(variant)
    x = random_tokens(8 * 12 + 3, batch=2)
    with torch.no_grad():
        cpu_logits, cpu_state = model(x)
        gpu = InfFormer(model.cfg).cuda().eval()
        gpu.load_state_dict(model.state_dict())
        gpu_logits, gpu_state = gpu(x.cuda())
    assert torch.allclose(cpu_logits, gpu_logits.cpu(), atol=1e-3, rtol=1e-3)
    assert torch.equal(cpu_state.layers[0].span_tokens, gpu_state.layers[0].span_tokens.cpu())
