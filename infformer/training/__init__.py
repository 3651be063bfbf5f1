"""Training and evaluating language models: the trainer (`train`, memory carried across segments),
the paper's fine-tuning recipe (`finetune`), resumable run files and perplexity / bits per character.
Read `train` first. Depends on `core`, `io`, `corpora`, `tracing`.
"""
