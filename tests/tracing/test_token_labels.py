"""Token labels show a character split across byte-level tokens as itself, never as «space»."""
from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.run import trace_text
from infformer.viz.attention import token_label


def test_multibyte_characters_are_labelled_as_themselves(tiny_checkpoint):
    model, tokenizer, _ = load_checkpoint(tiny_checkpoint)
    text = "The café — naïve 日本. The cat sat."
    _, _, trace = trace_text(model, tokenizer, text)
    labels = [token_label(trace, i) for i in range(trace.num_tokens)]
    called_space = [i for i, l in enumerate(labels) if "«space»" in l]
    assert all(text[slice(*trace.offsets[i])] == " " for i in called_space)  # only real spaces
    for ch in "é—ï日本":
        assert any(f"«{ch}" in l or f"{ch}»" in l for l in labels), (ch, labels)
    assert not any("\ufffd" in l for l in labels)
