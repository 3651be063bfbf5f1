"""Frozen, validated configuration. Every paper constant is a named field with its reason.

One `ModelConfig` switches between the models of the paper's comparisons:
  "none"        local causal attention over the segment only
  "stm"         + Transformer-XL short-term memory (the last `stm_len` layer inputs)
  "compressive" + Compressive Transformer memory (Rae et al., 2020): what leaves the short-term
                memory is compressed by a strided Conv1d into `compressive_len` slots, attended too
  "ltm"         + the ∞-former's continuous long-term memory (linear sampling)
  "sticky"      + sticky memories (sampling guided by where attention went)
"""
from __future__ import annotations

import dataclasses
import json
import math
from dataclasses import dataclass, field

VARIANTS = ("none", "stm", "compressive", "ltm", "sticky")
NORMS = ("layernorm", "rmsnorm")
MLPS = ("gelu", "swiglu")
ROPE_LAYOUTS = ("interleaved", "half")


# A config.json is input: its values are checked for type, finiteness and size before any
# weight is allocated (a typo like "n_layers": 100000 would otherwise allocate until memory runs out).
MAX_PARAMETERS = 2_000_000_000   # about 8 GB of float32 weights: far above any model here, far below harm
MAX_DIMENSION = 1 << 20          # any single width, length or count


def check_types(obj) -> None:
    """Each field of a config dataclass holds its annotated type: a bool is true or false (never "no"),
    a whole number is not a bool, a number is finite, a tuple of numbers holds finite numbers."""
    name = type(obj).__name__
    for f in dataclasses.fields(obj):
        value, kind = getattr(obj, f.name), f.type.replace(" ", "")
        optional = kind.endswith("|None")
        kind = kind.removesuffix("|None")
        if value is None and optional:
            continue
        if kind == "bool":
            ok = isinstance(value, bool)
        elif kind == "int":
            ok = isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_DIMENSION
        elif kind == "float":
            ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        elif kind == "str":
            ok = isinstance(value, str)
        elif kind == "tuple":
            ok = isinstance(value, (tuple, list)) and 1 <= len(value) <= 64 and all(
                isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in value)
        else:  # a nested config (checked by its own class)
            continue
        if not ok:
            want = {"bool": "true or false", "int": f"a whole number of magnitude at most {MAX_DIMENSION:,}",
                    "float": "a finite number", "str": "text",
                    "tuple": "a list of 1 to 64 finite numbers"}[kind]
            raise ValueError(f"{name}: {f.name} must be {want}" + (" or null" if optional else "")
                             + f", got {value!r}"[:80])


@dataclass(frozen=True)
class LTMConfig:
    """The continuous long-term memory. Defaults follow the paper's LM settings, scaled down."""

    num_basis: int = 256                 # N: basis functions (paper LM: 512)
    widths: tuple = (0.005, 0.01)        # basis std devs (paper LM/dialogue {0.005, 0.01}; sorting {0.01, 0.05})
    basis_layout: str = "paper"          # "paper": fixed widths; "scaled": widths are multiples of the centre spacing
    ridge: float = 0.5                   # λ of the ridge fit (paper LM 0.5, sorting 1.0)
    tau: float = 0.5                     # τ: the old memory is contracted into [0, τ] (paper LM 0.5, sorting 0.75)
    num_samples: int = 256               # M: points sampled from the old signal at each update (paper 512)
    sticky: bool = False                 # sticky memories: sample where the previous segment attended
    num_bins: int = 128                  # D: histogram bins for sticky sampling (paper 128)
    sigma_sq_min: float = 1e-4           # floor on σ² (paper LM 1e-4, sorting 1e-6)
    sigma_init: float | None = None      # σ the attention Gaussians start at (None: softplus(0), σ ≈ 0.83).
                                         # It sets the regime: started wide they stay wide (issue 4 probe)
    kl_weight: float = 1e-6              # weight of KL(N(μ,σ²) ‖ N(μ,σ0²)) in the training loss (reference code)
    kl_sigma0: float = 0.05              # σ0 of that regulariser
    gate: bool = False                   # X ⊙ sigmoid(Conv1d_k3(X)) on incoming memory vectors (reference code option)
    edge_padding: bool = False           # zero-target points outside [0, 1] in the fit (reference code option)
    span_capacity: int = 4096            # provenance: token spans kept per layer (the widest; the rest are forgotten)
    seed: int = 0                        # sticky sampling seed (each update draws from Generator(seed, update))
    ablate_read: bool = False            # ablation (inference only): the memory is still written and read, but
                                         # its read is not added (Z = Z_local), to measure what the read is worth
    out_bias: bool = True                # W_O has a bias (the small models). A memory on a pretrained backbone has
                                         # none: a bias is a constant every token gets whatever the memory holds,
                                         # an adapter in disguise, and zeroing the read would remove it too
    zero_out: bool = False               # start the long-term attention's output projection W_O (weight and bias)
                                         # at exactly zero, so a memory added to a pretrained backbone leaves its
                                         # logits unchanged at step 0 (DESIGN §7). Only W_O gets a gradient at that
                                         # step (W_K, W_V, w_μ, w_σ reach the loss through W_O), as with LoRA's B = 0

    def __post_init__(self):
        check_types(self)
        object.__setattr__(self, "widths", tuple(float(w) for w in self.widths))
        checks = [
            (self.num_basis >= 4, "num_basis must be at least 4"),
            (len(self.widths) >= 1 and all(w > 0 for w in self.widths), "widths must be positive"),
            (self.num_basis % len(self.widths) == 0, "num_basis must be a multiple of len(widths)"),
            (self.basis_layout in ("paper", "scaled"), "basis_layout must be 'paper' or 'scaled'"),
            (self.ridge > 0, "ridge must be > 0"),
            (0.0 < self.tau < 1.0, "tau must lie strictly between 0 and 1"),
            (self.num_samples >= 1, "num_samples must be >= 1"),
            (self.num_bins >= 1, "num_bins must be >= 1"),
            (self.sigma_sq_min > 0, "sigma_sq_min must be > 0"),
            (self.sigma_init is None or self.sigma_init ** 2 > self.sigma_sq_min, "sigma_init² must exceed sigma_sq_min"),
            (self.kl_weight >= 0 and self.kl_sigma0 > 0, "kl_weight must be >= 0 and kl_sigma0 > 0"),
            (self.span_capacity >= 1, "span_capacity must be >= 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"LTMConfig: {message}")


@dataclass(frozen=True)
class ModelConfig:
    vocab_size: int = 4096
    d_model: int = 256                   # e
    n_layers: int = 4
    n_heads: int = 4                     # H; head width d = e / H
    d_ff: int = 1024
    dropout: float = 0.1
    segment_len: int = 128               # L: tokens per segment; the memory is updated once per segment
    stm_len: int = 128                   # short-term memory (Transformer-XL cache); 0 or a multiple of segment_len
    ltm: LTMConfig | None = field(default_factory=LTMConfig)  # None: no long-term memory
    rope_base: float = 10000.0           # rotary position embedding base (positions within the local window)
    compressive_len: int = 0             # Compressive Transformer memory slots (0: none); budget-matched to N
    compression_rate: int = 4            # c: L leaving vectors become L / c compressed ones (Conv1d, stride c)
    compression_loss: str = "attention"  # how the compressor learns: "attention" (Rae et al. 2020: it reproduces the
                                         # attention over the memories it replaces; no task gradient reaches it),
                                         # or "task" (end to end through the reads, as this project's first baseline)
    # The backbone's architecture. The defaults are this project's small GPT-2-style model (a config.json
    # written before these fields existed loads unchanged); a Llama-family backbone (SmolLM2, DESIGN §7)
    # sets norm="rmsnorm", mlp="swiglu", n_kv_heads, bias=False, rope_layout="half", dropout=0.
    norm: str = "layernorm"              # "layernorm" (with bias) or "rmsnorm" (Llama: scale only)
    norm_eps: float = 1e-5               # ε inside the norm (nn.LayerNorm's default; SmolLM2's RMSNorm 1e-5)
    mlp: str = "gelu"                    # "gelu": W2 gelu(W1 x); "swiglu" (Llama): W_down (silu(W_gate x) ⊙ W_up x)
    n_kv_heads: int | None = None        # grouped-query attention: key/value heads of the local attention, each
                                         # shared by n_heads / n_kv_heads query heads (None: n_heads, plain MHA)
    bias: bool = True                    # biases on the attention and MLP linears (Llama has none); norms keep theirs
    tie_embeddings: bool = True          # logits = h Eᵀ with the input embedding E (else a separate lm_head)
    rope_layout: str = "interleaved"     # which pairs the rotary embedding turns: "interleaved" (x_2i, x_2i+1), this
                                         # project's models; "half" (x_i, x_i+d/2), HF Llama's rotate_half

    @property
    def kv_heads(self) -> int:
        """Key/value heads of the local attention (n_heads unless grouped-query attention)."""
        return self.n_heads if self.n_kv_heads is None else self.n_kv_heads

    def __post_init__(self):
        if isinstance(self.ltm, dict):
            object.__setattr__(self, "ltm", LTMConfig(**self.ltm))
        if not (self.ltm is None or isinstance(self.ltm, LTMConfig)):
            raise ValueError(f"ModelConfig: ltm must be an object of memory settings or null, got {self.ltm!r}"[:120])
        check_types(self)
        for name in ("vocab_size", "d_model", "n_layers", "n_heads", "d_ff", "segment_len"):
            if getattr(self, name) < 1:  # checked first: later checks divide by them
                raise ValueError(f"ModelConfig: {name} must be >= 1, got {getattr(self, name)}")
        if self.n_kv_heads is not None and self.n_kv_heads < 1:
            raise ValueError(f"ModelConfig: n_kv_heads must be >= 1, got {self.n_kv_heads}")
        if self.parameter_estimate() > MAX_PARAMETERS:
            raise ValueError(f"ModelConfig: these sizes describe about {self.parameter_estimate():,} parameters; "
                             f"the limit is {MAX_PARAMETERS:,} (is a width or the layer count a typo?)")
        checks = [
            (self.vocab_size >= 2, "vocab_size must be >= 2"),
            (self.rope_base > 1, "rope_base must be > 1"),
            (self.d_model % self.n_heads == 0, "d_model must be divisible by n_heads"),
            ((self.d_model // self.n_heads) % 2 == 0, "head width must be even (rotary embedding)"),
            (self.n_layers >= 1 and self.segment_len >= 1, "n_layers and segment_len must be >= 1"),
            (self.stm_len >= 0 and self.stm_len % self.segment_len == 0,
             "stm_len must be 0 or a multiple of segment_len"),
            (0.0 <= self.dropout < 1.0, "dropout must be in [0, 1)"),
            (self.compressive_len >= 0 and self.compression_rate >= 1, "compressive_len must be >= 0, rate >= 1"),
            (self.compressive_len == 0 or self.segment_len % self.compression_rate == 0,
             "segment_len must be a multiple of compression_rate"),
            (self.compressive_len == 0 or self.ltm is None, "a model has a compressive or a long-term memory, not both"),
            (self.compression_loss in ("attention", "task"), "compression_loss must be 'attention' or 'task'"),
            (self.norm in NORMS, f"norm must be one of {NORMS}"),
            (self.norm_eps > 0, "norm_eps must be > 0"),
            (self.mlp in MLPS, f"mlp must be one of {MLPS}"),
            (self.rope_layout in ROPE_LAYOUTS, f"rope_layout must be one of {ROPE_LAYOUTS}"),
            (self.n_kv_heads is None or (1 <= self.n_kv_heads <= self.n_heads and self.n_heads % self.n_kv_heads == 0),
             "n_kv_heads must divide n_heads"),
        ]
        for ok, message in checks:
            if not ok:
                raise ValueError(f"ModelConfig: {message}")

    def parameter_estimate(self) -> int:
        """Weights the model would allocate, roughly (embeddings, attention, MLP, memory projections):
        checked before anything is allocated."""
        e = self.d_model
        per_layer = 4 * e * e + 3 * e * self.d_ff + (4 * e * e if self.ltm is not None else 0)
        return (1 if self.tie_embeddings else 2) * self.vocab_size * e + self.n_layers * per_layer

    @property
    def variant(self) -> str:
        if self.ltm is not None:
            return "sticky" if self.ltm.sticky else "ltm"
        if self.compressive_len:
            return "compressive"
        return "stm" if self.stm_len else "none"

    @classmethod
    def for_variant(cls, variant: str, **fields) -> ModelConfig:
        """The same model with one of the memories: none, stm, compressive, ltm, sticky.

        "compressive" gets as many compressed slots as the long-term memory has basis functions
        (N vectors of width e either way), unless compressive_len is given.
        """
        if variant not in VARIANTS:
            raise ValueError(f"unknown variant {variant!r}; choose one of {', '.join(VARIANTS)}")
        ltm = fields.pop("ltm", LTMConfig())
        if isinstance(ltm, dict):
            ltm = LTMConfig(**ltm)
        segment_len = fields.get("segment_len", cls.segment_len)
        stm_len = fields.pop("stm_len", segment_len)
        if variant == "none":
            return cls(stm_len=0, ltm=None, **fields)
        if variant == "stm":
            return cls(stm_len=stm_len, ltm=None, **fields)
        if variant == "compressive":
            fields.setdefault("compressive_len", ltm.num_basis)
            return cls(stm_len=stm_len, ltm=None, **fields)
        return cls(stm_len=stm_len, ltm=dataclasses.replace(ltm, sticky=(variant == "sticky")), **fields)

    def reach(self) -> dict:
        """How far back the model can see, in tokens before the current one (the sorting issue asks
        for it beside every accuracy):
          local_reach: through the short-term memory alone, stacked over layers (Transformer-XL:
                       n_layers × stm_len + segment_len, counting the segment itself);
          coverage:    past tokens the memory represents at all: the local reach, plus for the
                       Compressive Transformer n_layers × compressive_len × compression_rate (compressed,
                       stacked over layers like the local reach: an upper bound), and
                       for the ∞-former every token ever written (None: unbounded, at falling resolution)."""
        local = self.n_layers * self.stm_len + self.segment_len
        if self.ltm is not None:
            coverage = None
        elif self.compressive_len:
            coverage = local + self.n_layers * self.compressive_len * self.compression_rate
        else:
            coverage = local
        return {"local_reach": local, "coverage": coverage}

    def with_memory(self, **changes) -> ModelConfig:
        """Change the inference-time memory settings (tau, num_samples, sticky, num_bins, seed, ...)."""
        if self.ltm is None:
            raise ValueError("this model has no long-term memory to configure")
        return dataclasses.replace(self, ltm=dataclasses.replace(self.ltm, **changes))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, data: dict) -> ModelConfig:
        if not isinstance(data, dict) or not (data.get("ltm") is None or isinstance(data["ltm"], dict)):
            raise ValueError("the model config and its ltm must be JSON objects")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"unknown config fields: {', '.join(sorted(unknown))}")
        data = dict(data)
        if data.get("ltm") is not None:
            ltm_known = {f.name for f in dataclasses.fields(LTMConfig)}
            bad = set(data["ltm"]) - ltm_known
            if bad:
                raise ValueError(f"unknown ltm config fields: {', '.join(sorted(bad))}")
            data["ltm"] = LTMConfig(**data["ltm"])
        return cls(**data)
