"""infformer: the ∞-former (Martins, Marinho & Martins, ACL 2022) with a transparent continuous memory."""
from .basis import GaussianBasis
from .config import LTMConfig, ModelConfig, VARIANTS
from .memory import LayerMemory, MemoryState
from .model import InfFormer
from .regression import fit_coefficients, reconstruct

__all__ = ["GaussianBasis", "fit_coefficients", "reconstruct", "LTMConfig", "ModelConfig", "VARIANTS",
           "LayerMemory", "MemoryState", "InfFormer"]
__version__ = "0.1.0"
