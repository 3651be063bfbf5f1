"""infformer: the ∞-former (Martins, Marinho & Martins, ACL 2022) with a transparent continuous memory.

The public names are imported on first use (PEP 562), so `import infformer.viz` or
`import infformer.tracing.record` does not load the model: the figure builders depend on a trace alone.
"""
from importlib import import_module

_EXPORTS = {
    "GaussianBasis": "core.basis", "fit_coefficients": "core.regression", "reconstruct": "core.regression",
    "LTMConfig": "core.config", "ModelConfig": "core.config", "VARIANTS": "core.config",
    "LayerMemory": "core.memory", "MemoryState": "core.memory", "InfFormer": "core.model",
}
__all__ = list(_EXPORTS)
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'infformer' has no attribute {name!r}")


def __dir__():
    return sorted(list(globals()) + __all__)
