"""Named identity hook points (after TransformerLens): recorders attach here, never to internals."""
from __future__ import annotations

from torch import Tensor, nn


class HookPoint(nn.Module):
    """Returns its input unchanged. Its module name (e.g. `blocks.2.ltm.hook_mu`) names the value."""

    def forward(self, x: Tensor) -> Tensor:
        return x


def hook_points(model: nn.Module) -> dict:
    """Every hook point of a model by name."""
    return {name: m for name, m in model.named_modules() if isinstance(m, HookPoint)}
