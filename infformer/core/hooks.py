"""Named identity hook points (after TransformerLens), with recorders that belong to one call.

A recorder registered with `nn.Module.register_forward_hook` belongs to the module, so on a model
shared by several threads (the app's sessions) it records every caller's passes, and traces mix.
Here a recorder is attached to the *calling context* instead: `CallHooks` puts its functions in a
`contextvars.ContextVar` that `HookPoint.forward` reads, so a recorder sees only the passes run in
the thread (or context) that attached it, and any number of callers can record in parallel
without a lock. Every recorder in the project (trace, fit targets, the trainers' KL, the sorting
regression-error meter) uses this one toolkit.
"""
from __future__ import annotations

from collections.abc import Mapping
from contextvars import ContextVar
from types import MappingProxyType

from torch import Tensor, nn

# id(hook point) -> functions f(point, inputs, output) of the recorders active in this context
_ACTIVE: ContextVar[Mapping] = ContextVar("infformer_call_hooks", default=MappingProxyType({}))  # read-only


class HookPoint(nn.Module):
    """Returns its input unchanged. Its module name (e.g. `blocks.2.ltm.hook_mu`) names the value;
    the point knows it once the model is built (`name_hook_points`), with its layer and `what`."""

    name: str = ""  # "blocks.2.ltm.hook_mu"

    @property
    def layer(self) -> int | None:
        """The block it sits in (2 for blocks.2....), None outside the blocks."""
        parts = self.name.split(".")
        return int(parts[1]) if len(parts) > 2 and parts[0] == "blocks" else None

    @property
    def what(self) -> str:
        """The value it names: "mu" for blocks.2.ltm.hook_mu."""
        return self.name.rpartition(".")[2].removeprefix("hook_")

    def forward(self, x: Tensor) -> Tensor:
        active = _ACTIVE.get()
        if active:
            for fn in active.get(id(self), ()):
                fn(self, (x,), x)
        return x

    def listened(self) -> bool:
        """Whether a recorder in this context listens here: a value only a reader needs (the N
        scores of every query) is then computed, and skipped otherwise."""
        return id(self) in _ACTIVE.get()


def name_hook_points(model: nn.Module) -> dict:
    """Tell every hook point of `model` its name; returns them by name. Models call it once built."""
    points = {name: m for name, m in model.named_modules() if isinstance(m, HookPoint)}
    for name, point in points.items():
        point.name = name
    return points


def hook_points(model: nn.Module) -> dict:
    """Every hook point of a model by name."""
    return name_hook_points(model)


def record(model: nn.Module, names_filter, fn) -> CallHooks:
    """The one way to record: fn(point, output) on every hook point whose name passes `names_filter`
    (a function of the name, or a collection of the long-term attention's `what`s, e.g.
    {"mu", "sigma_sq"}), for passes run in the calling context only. Returns the started
    `CallHooks`; call `remove()` in a `finally` (or use it as a context manager)."""
    if not callable(names_filter):
        wanted = frozenset(names_filter)

        def names_filter(name):
            return ".ltm.hook_" in name and name.rpartition(".hook_")[2] in wanted
    hooks = CallHooks()
    for name, point in hook_points(model).items():
        if names_filter(name):
            hooks.add(point, lambda point, inputs, output: fn(point, output))
    return hooks.start()


class CallHooks:
    """Recorders for the calling context only: `add(point, fn)` any number, then `start()`; `remove()`
    (in a `finally`) detaches them. fn(point, inputs, output) as for a forward hook."""

    def __init__(self):
        self._pending: dict = {}
        self._token = None

    def add(self, point: HookPoint, fn) -> CallHooks:
        if self._token is not None:
            raise RuntimeError("add every function before start()")
        self._pending.setdefault(id(point), []).append(fn)
        return self

    def start(self) -> CallHooks:
        if self._token is not None:  # already started (e.g. by `record`, then used in a `with`)
            return self
        merged = {k: tuple(v) for k, v in _ACTIVE.get().items()}
        for k, fns in self._pending.items():
            merged[k] = merged.get(k, ()) + tuple(fns)
        self._token = _ACTIVE.set(merged)
        return self

    def remove(self) -> None:
        if self._token is not None:
            _ACTIVE.reset(self._token)
            self._token = None

    def __enter__(self) -> CallHooks:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.remove()
