"""Reading and writing: the tokenizer (with character offsets), user text read safely (`textio`),
and checkpoints as directories (config.json + model.safetensors + tokenizer.json).
Read `textio` first, then `checkpoint`. Depends on `core`.
"""
