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
    """Returns its input unchanged. Its module name (e.g. `blocks.2.ltm.hook_mu`) names the value."""

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


def hook_points(model: nn.Module) -> dict:
    """Every hook point of a model by name."""
    return {name: m for name, m in model.named_modules() if isinstance(m, HookPoint)}


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
