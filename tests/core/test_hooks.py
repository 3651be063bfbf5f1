"""One way to record: hook points know their names; `record` attaches a function to the chosen ones
for the calling context only."""
import threading

import torch
from helpers import make_model, random_tokens

from infformer.core.hooks import HookPoint, hook_points, record


def test_every_hook_point_knows_its_name_layer_and_what_once_the_model_is_built():
    model = make_model("sticky")
    points = {name: m for name, m in model.named_modules() if isinstance(m, HookPoint)}
    assert points and all(p.name == name for name, p in points.items())
    mu = points["blocks.1.ltm.hook_mu"]
    assert (mu.layer, mu.what) == (1, "mu")
    assert points["blocks.0.hook_resid_pre"].layer == 0


def test_record_by_what_and_by_name_filter_see_the_same_passes():
    model = make_model("sticky")
    by_what, by_name = [], []
    tokens = random_tokens(40)
    with torch.no_grad():
        h1 = record(model, {"mu", "sigma_sq"}, lambda p, o: by_what.append((p.name, o.shape)))
        h2 = record(model, lambda n: n.endswith((".ltm.hook_mu", ".ltm.hook_sigma_sq")),
                    lambda p, o: by_name.append((p.name, o.shape)))
        try:
            model(tokens, model.initial_state(1))
        finally:  # last started, first removed (context variables restore in that order)
            h2.remove()
            h1.remove()
        model(tokens, model.initial_state(1))  # removed: nothing more recorded
    assert by_what and by_what == by_name
    assert {n.rpartition(".")[2] for n, _ in by_what} == {"hook_mu", "hook_sigma_sq"}


def test_a_recorder_sees_only_its_own_thread():
    model = make_model("sticky")
    seen, other = [], []
    hooks = record(model, {"mu"}, lambda p, o: seen.append(p.layer))
    try:
        t = threading.Thread(target=lambda: other.append(model(random_tokens(40), model.initial_state(1))))
        t.start()
        t.join()
    finally:
        hooks.remove()
    assert other and not seen
    assert set(hook_points(model)) >= {"blocks.0.ltm.hook_mu"}
