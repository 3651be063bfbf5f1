"""MemoryState as a value: save/load (safetensors), per-row reset, and refusing damaged files."""
import dataclasses

import pytest
import torch
from helpers import make_model, random_tokens
from safetensors.torch import save_file

from infformer import MemoryState


def assert_states_equal(a: MemoryState, b: MemoryState):
    assert a.num_updates == b.num_updates
    assert torch.equal(a.position, b.position) and a.position.dtype == b.position.dtype
    assert len(a.layers) == len(b.layers)
    for la, lb in zip(a.layers, b.layers, strict=False):
        for f in dataclasses.fields(la):
            x, y = getattr(la, f.name), getattr(lb, f.name)
            assert x.dtype == y.dtype and x.shape == y.shape, f.name
            assert torch.equal(x, y), f.name


@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_save_load_round_trip_and_continue(variant, tmp_path):
    model = make_model(variant)
    x = random_tokens(70, batch=2, seed=1)
    with torch.no_grad():
        _, state = model(x[:, :45])  # 45: ends inside a segment, memory written several times
        path = tmp_path / "memory.safetensors"
        state.save(path)
        loaded = MemoryState.load(path)
        assert_states_equal(state, loaded)
        la, sa = model(x[:, 45:], state)
        lb, sb = model(x[:, 45:], loaded)
    assert torch.equal(la, lb)
    assert_states_equal(sa, sb)


@pytest.mark.parametrize("variant,tokens", [("ltm", 0), ("ltm", 8), ("sticky", 3), ("stm", 40), ("none", 24)])
def test_save_load_any_state(variant, tokens, tmp_path):
    """Every state the model can hand out can be saved: the initial one, one before the first
    memory write, and those of models without a long-term memory."""
    model = make_model(variant)
    with torch.no_grad():
        state = model.initial_state(2) if tokens == 0 else model(random_tokens(tokens, batch=2))[1]
    path = tmp_path / "m.safetensors"
    state.save(path)
    assert_states_equal(state, MemoryState.load(path))


def test_reset_one_row_only():
    model = make_model("ltm")
    x = random_tokens(40, batch=2, seed=2)
    with torch.no_grad():
        _, state = model(x)
    reset = state.reset(torch.tensor([True, False]))
    fresh = model.initial_state(2)
    for m, m0, f in zip(reset.layers, state.layers, fresh.layers, strict=False):
        assert not bool(m.filled[0]) and bool(m.filled[1])
        assert (m.span_tokens[0] == -1).all()
        for name in ("stm", "coefficients", "bin_mass"):
            assert torch.equal(getattr(m, name)[0], getattr(f, name)[0]), name
            assert torch.equal(getattr(m, name)[1], getattr(m0, name)[1]), name
        assert torch.equal(m.spans[1], m0.spans[1]) and torch.equal(m.span_tokens[1], m0.span_tokens[1])
    assert reset.position.tolist() == [0, 40]
    # indices work as well as masks
    by_index = state.reset([0])
    assert_states_equal(by_index, reset)


def test_reset_row_behaves_like_a_fresh_sequence():
    """After resetting row 0, it continues exactly as a new sequence would (linear sampling)."""
    model = make_model("ltm")
    a = random_tokens(40, batch=2, seed=3)
    b = random_tokens(48, batch=1, seed=4)
    with torch.no_grad():
        _, state = model(a)
        state = state.reset([0])
        batch = torch.cat([b, random_tokens(48, batch=1, seed=5)], 0)
        logits, after = model(batch, state)
        alone, alone_state = model(b)
    assert torch.allclose(logits[0], alone[0], atol=1e-5)
    for m, m1 in zip(after.layers, alone_state.layers, strict=False):
        assert torch.allclose(m.coefficients[0], m1.coefficients[0], atol=1e-5)
        assert torch.equal(m.span_tokens[0], m1.span_tokens[0])


def test_reset_inside_a_segment_raises():
    model = make_model("ltm")
    with torch.no_grad():
        _, state = model(random_tokens(11, batch=2))
    assert state.pending == 3
    with pytest.raises(ValueError, match="inside a segment"):
        state.reset([1])


def test_detach_and_to_keep_values():
    model = make_model("ltm")
    with torch.no_grad():
        _, state = model(random_tokens(30))
    assert_states_equal(state.detach(), state)
    assert_states_equal(state.to("cpu"), state)


# ------------------------------------------------------------------------------ bad files
@pytest.fixture
def saved_state(tmp_path):
    model = make_model("ltm")
    with torch.no_grad():
        _, state = model(random_tokens(40, batch=2))
    path = tmp_path / "good.safetensors"
    state.save(path)
    return path


def bad_files(tmp_path, good):
    data = good.read_bytes()
    files = {}
    files["truncated"] = tmp_path / "truncated.safetensors"
    files["truncated"].write_bytes(data[: len(data) // 2])
    files["text"] = tmp_path / "notes.txt"
    files["text"].write_text("this is not a memory file")
    files["empty"] = tmp_path / "empty.safetensors"
    files["empty"].write_bytes(b"")
    files["other"] = tmp_path / "weights.safetensors"
    save_file({"weight": torch.zeros(3)}, str(files["other"]), metadata={"format": "infformer"})
    files["incomplete"] = tmp_path / "incomplete.safetensors"
    save_file({"position": torch.zeros(2, dtype=torch.long)}, str(files["incomplete"]),
              metadata={"format": "infformer-memory", "num_layers": "2", "num_updates": "0"})
    files["missing"] = tmp_path / "does-not-exist.safetensors"
    files["directory"] = tmp_path
    return files


@pytest.mark.parametrize("kind", ["truncated", "text", "empty", "other", "incomplete", "missing", "directory"])
def test_load_bad_file_raises_value_error_naming_the_file(kind, saved_state, tmp_path):
    path = bad_files(tmp_path, saved_state)[kind]
    with pytest.raises(ValueError) as info:
        MemoryState.load(path)
    assert str(path) in str(info.value)
