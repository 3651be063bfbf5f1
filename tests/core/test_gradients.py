"""Gradients: the long-term memory's parameters learn; nothing flows into the stored past."""
import pytest
import torch
import torch.nn.functional as F
from helpers import make_model, random_tokens, tiny_ltm

from infformer.core.hooks import hook_points

LTM_PARAMS = ("key.weight", "value.weight", "out.weight", "out.bias", "mu.weight", "mu.bias", "sigma.weight",
              "sigma.bias")


def filled_state(model, batch=2):
    """Three segments in: the memory of every layer holds segment 1."""
    with torch.no_grad():
        _, state = model(random_tokens(24, batch=batch, seed=1))
    if model.cfg.ltm is not None:
        assert all(bool(m.filled.all()) for m in state.layers)
    return state


def loss_on_next_segment(model, state, seed=2):
    x = random_tokens(9, batch=state.batch_size, seed=seed)
    logits, new_state = model(x[:, :8], state)
    return F.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten()), new_state


@pytest.mark.parametrize("variant", ["ltm", "sticky"])
def test_memory_parameters_receive_gradients(variant):
    model = make_model(variant).train()
    state = filled_state(model)
    loss, _ = loss_on_next_segment(model, state)
    loss.backward()
    params = dict(model.named_parameters())
    for layer in range(2):
        for name in LTM_PARAMS:
            g = params[f"blocks.{layer}.ltm.{name}"].grad
            assert g is not None, f"blocks.{layer}.ltm.{name} got no gradient"
            assert torch.isfinite(g).all() and g.abs().sum() > 0, f"blocks.{layer}.ltm.{name} gradient is zero"


def test_memory_parameters_get_no_gradient_while_memory_is_empty():
    model = make_model("ltm").train()
    x = random_tokens(9, batch=2)
    logits, _ = model(x[:, :8])
    F.cross_entropy(logits.flatten(0, 1), x[:, 1:].flatten()).backward()
    g = model.blocks[0].ltm.key.weight.grad
    assert g is None or (g == 0).all()


@pytest.mark.parametrize("variant", ["ltm", "sticky", "stm"])
def test_returned_state_is_detached(variant):
    model = make_model(variant).train()
    state = filled_state(model)
    loss, new_state = loss_on_next_segment(model, state)
    for m in new_state.layers:
        for name, t in vars(m).items():
            assert not t.requires_grad and t.grad_fn is None, name
    # the loss can be backpropagated without touching the stored past
    loss.backward()
    # a second segment's loss from the returned state backpropagates on its own graph
    loss2, _ = loss_on_next_segment(model, new_state, seed=3)
    loss2.backward()


def test_written_coefficients_stay_in_the_graph_within_a_segment():
    """The fresh write at a segment start feeds that segment's reads (so a gate could learn), but
    what is stored is detached."""
    model = make_model("ltm").train()
    with torch.no_grad():
        _, state = model(random_tokens(16, batch=2, seed=1))  # write happens at the next segment start
    loss, new_state = loss_on_next_segment(model, state)
    loss.backward()
    assert model.blocks[0].ln_1.weight.grad is not None
    assert all(not m.coefficients.requires_grad for m in new_state.layers)


def test_gate_receives_gradient():
    model = make_model("ltm", ltm=tiny_ltm(gate=True)).train()
    with torch.no_grad():
        _, state = model(random_tokens(16, batch=2, seed=1))  # the gated write runs at the start of the next call
    loss, _ = loss_on_next_segment(model, state)
    loss.backward()
    for layer in range(2):
        g = model.blocks[layer].ltm.gate.weight.grad
        assert g is not None and torch.isfinite(g).all() and g.abs().sum() > 0


def test_variance_regulariser_reaches_sigma():
    """The KL term of training (via KLCollector on hook_sigma_sq) has a gradient on w_σ."""
    from infformer.training.train import KLCollector
    model = make_model("ltm").train()
    state = filled_state(model)
    collector = KLCollector(model)
    try:
        x = random_tokens(8, batch=2, seed=5)
        model(x, state)
        kl = collector.pop(0.05, state.layers[0].filled)
    finally:
        collector.remove()
    assert kl.item() >= 0 and kl.requires_grad
    kl.backward()
    assert model.blocks[0].ltm.sigma.weight.grad.abs().sum() > 0
    assert all(not hp._forward_hooks for hp in hook_points(model).values())
