"""infformer: the ∞-former (Martins, Marinho & Martins, ACL 2022) with a transparent continuous memory.

The public names are imported on first use (PEP 562), so `import infformer.viz` or
`import infformer.trace` does not load the model: the figure builders depend on a trace alone.
"""
from importlib import import_module

_EXPORTS = {
    "GaussianBasis": "basis", "fit_coefficients": "regression", "reconstruct": "regression",
    "LTMConfig": "config", "ModelConfig": "config", "VARIANTS": "config",
    "LayerMemory": "memory", "MemoryState": "memory", "InfFormer": "model",
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
