"""Tiny Llama models for the pretrained-backbone tests: a random `transformers.LlamaForCausalLM` (the
oracle), a tiny byte-level BPE tokenizer, and writers for the two file formats the loader reads (a
GGUF as llama.cpp's converter writes it, and a Hugging Face directory). Imported by name, like
cmudog_fixture; transformers is a test-only dependency.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
from tokenizers import AddedToken, decoders, models, pre_tokenizers, trainers
from tokenizers import Tokenizer as HFTokenizer

from infformer.io.pretrained import LlamaArchitecture

VOCAB = 320          # ≥ 256 byte tokens + merges + one special token
SPECIAL = "<|endoftext|>"
TEXT = ("It is a truth universally acknowledged, that a single man in possession of a good fortune, "
        "must be in want of a wife. In 1813 there were 3 sisters and 42 letters; 'tis true, isn't it?\n") * 4


def llama_cpp_permute(weights: np.ndarray, n_head: int) -> np.ndarray:
    """convert_hf_to_gguf.py's LlamaModel.permute, written out here (not the loader's own function) so the
    GGUF tests check the loader's inverse against the converter, not against itself."""
    return (weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
            .swapaxes(1, 2).reshape(weights.shape))


def tiny_config(tie: bool = True, **changes):
    from transformers import LlamaConfig

    fields = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                  num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5, max_position_embeddings=512,
                  tie_word_embeddings=tie, rope_parameters={"rope_type": "default", "rope_theta": 10000.0},
                  initializer_range=0.1, attn_implementation="eager")
    fields.update(changes)
    return LlamaConfig(**fields)


def tiny_llama(tie: bool = True, seed: int = 0):
    """A random LlamaForCausalLM in float32, eval mode. Weights are drawn wider than at init and the
    norms' scales perturbed, so the logits are far from uniform and a wrong layout shows."""
    from transformers import LlamaForCausalLM

    torch.manual_seed(seed)
    model = LlamaForCausalLM(tiny_config(tie)).float().eval()
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn_like(p))
    return model


def hf_weights(model) -> dict:
    """HF tensor names -> float32 tensors (lm_head.weight only when untied), as files store them."""
    sd = {k: v.detach().clone().float() for k, v in model.state_dict().items()}
    if model.config.tie_word_embeddings:
        sd.pop("lm_head.weight", None)
    return sd


def architecture(model) -> LlamaArchitecture:
    c = model.config
    return LlamaArchitecture(vocab_size=c.vocab_size, d_model=c.hidden_size, n_layers=c.num_hidden_layers,
                             n_heads=c.num_attention_heads, n_kv_heads=c.num_key_value_heads,
                             d_ff=c.intermediate_size, rope_base=10000.0, norm_eps=c.rms_norm_eps,
                             tie_embeddings=c.tie_word_embeddings, context_length=c.max_position_embeddings)


def tiny_tokenizer(digits: bool = False) -> HFTokenizer:
    """A byte-level BPE trained on TEXT, one special token first (id 0). digits=True splits every digit
    on its own first, as SmolLM2's tokenizer does (GGUF pre-tokenizer 'smollm')."""
    hf = HFTokenizer(models.BPE())
    byte_level = pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True)
    hf.pre_tokenizer = (pre_tokenizers.Sequence([pre_tokenizers.Digits(individual_digits=True), byte_level])
                        if digits else byte_level)
    hf.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=300, special_tokens=[SPECIAL], show_progress=False,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    hf.train_from_iterator([TEXT], trainer)
    hf.add_special_tokens([AddedToken(SPECIAL, special=True, normalized=False)])
    return hf


def vocab_and_merges(hf: HFTokenizer) -> tuple[list, list]:
    """Tokens by id and merges as "a b" strings, as a GGUF stores them."""
    model = json.loads(hf.to_str())["model"]
    tokens = [t for t, _ in sorted(model["vocab"].items(), key=lambda kv: kv[1])]
    merges = [m if isinstance(m, str) else " ".join(m) for m in model["merges"]]
    return tokens, merges


def write_gguf(path: Path, weights: dict, arch: LlamaArchitecture, tokenizer: HFTokenizer, pre: str = "gpt-2",
               architecture_name: str = "llama") -> Path:
    """A float32 GGUF as llama.cpp's convert_hf_to_gguf.py writes a Llama: GGUF tensor names, the Q and K
    rows permuted for its rotary layout, the config and the tokenizer as metadata."""
    import gguf

    w = gguf.GGUFWriter(str(path), architecture_name)
    w.add_block_count(arch.n_layers)
    w.add_context_length(arch.context_length or 512)
    w.add_embedding_length(arch.d_model)
    w.add_feed_forward_length(arch.d_ff)
    w.add_head_count(arch.n_heads)
    w.add_head_count_kv(arch.n_kv_heads)
    w.add_rope_freq_base(arch.rope_base)
    w.add_layer_norm_rms_eps(arch.norm_eps)
    tokens, merges = vocab_and_merges(tokenizer)
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre(pre)
    w.add_token_list(tokens)
    w.add_token_merges(merges)
    w.add_token_types([3 if t == SPECIAL else 1 for t in tokens])
    names = {"input_layernorm": "attn_norm", "post_attention_layernorm": "ffn_norm", "self_attn.q_proj": "attn_q",
             "self_attn.k_proj": "attn_k", "self_attn.v_proj": "attn_v", "self_attn.o_proj": "attn_output",
             "mlp.gate_proj": "ffn_gate", "mlp.up_proj": "ffn_up", "mlp.down_proj": "ffn_down"}
    for name, t in weights.items():
        a = t.numpy().astype(np.float32)
        if name == "model.embed_tokens.weight":
            gname = "token_embd.weight"
        elif name == "model.norm.weight":
            gname = "output_norm.weight"
        elif name == "lm_head.weight":
            gname = "output.weight"
        else:
            _, _, i, rest = name.split(".", 3)
            part = rest.rsplit(".", 1)[0]
            gname = f"blk.{i}.{names[part]}.weight"
            if part == "self_attn.q_proj":
                a = llama_cpp_permute(a, arch.n_heads)
            elif part == "self_attn.k_proj":
                a = llama_cpp_permute(a, arch.n_kv_heads)
        w.add_tensor(gname, np.ascontiguousarray(a))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return path


def write_hf_directory(directory: Path, model, tokenizer: HFTokenizer) -> Path:
    """model.save_pretrained (safetensors) plus a tokenizer.json."""
    directory.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(str(directory), safe_serialization=True)
    tokenizer.save(str(directory / "tokenizer.json"))
    return directory


def relative_error(ours: torch.Tensor, reference: torch.Tensor) -> float:
    """max |ours − reference| / max |reference|."""
    return float((ours.double() - reference.double()).abs().max() / reference.double().abs().max())
