"""Command line: `python -m infformer {trace,generate,evaluate,sorting,train} ...` (see --help of each).

Bad input (missing, empty, binary or undecodable file, bad option value, a directory that is
not a checkpoint) exits with status 2 and one line `error: …` on stderr, never a traceback.
"""
from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path


class UsageError(Exception):
    """Raised instead of argparse's exit, so every bad input ends the same way."""


class Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse prints usage and exits; we want one line
        raise UsageError(message)


def int_at_least(minimum: int):
    """An argparse type: a whole number >= minimum, with a message naming the problem."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be at least {minimum}, got {value}")
        return value
    return parse


positive_int, nonneg_int = int_at_least(1), int_at_least(0)


def float_where(ok, condition: str):
    """An argparse type: a finite number satisfying ok(value), else a message saying `condition`."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
        if not (math.isfinite(value) and ok(value)):
            raise argparse.ArgumentTypeError(f"{condition}, got {value}")
        return value
    return parse


positive_float = float_where(lambda v: v > 0, "must be a positive number")
dropout_rate = float_where(lambda v: 0.0 <= v < 1.0, "must lie in [0, 1)")
unit_float = float_where(lambda v: 0.0 < v < 1.0, "must lie strictly between 0 and 1")
top_p_float = float_where(lambda v: 0.0 < v <= 1.0, "must lie in (0, 1]")


def in_range(name: str):
    """An argparse type for a memory setting: the app's range (infformer/core/settings.py), same message."""
    from ..core.settings import MEMORY_RANGES
    r = MEMORY_RANGES[name]
    cast = type(r.step)  # τ steps by 0.05 (a float); M, D and the seed by whole numbers

    def parse(text: str):
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'a number' if cast is float else 'a whole number'}, "
                                             f"got {text!r}") from None
        try:
            return r.check(value)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
    return parse


def add_model_options(p):
    from ..core.settings import MEMORY_RANGES as R
    p.add_argument("--model", metavar="DIR", help="checkpoint directory (default: the shipped default model)")
    sticky = p.add_mutually_exclusive_group()
    sticky.add_argument("--sticky", dest="sticky", action="store_true", default=None, help="sticky memories on")
    sticky.add_argument("--no-sticky", dest="sticky", action="store_false", help="linear sampling (sticky off)")
    p.add_argument("--seed", type=in_range("seed"), default=None, help=f"seed of the sticky sampling ({R['seed'].text})")
    p.add_argument("--tau", type=in_range("tau"), help=f"contraction point τ, {R['tau'].text} (default: the model's)")
    p.add_argument("--num-samples", type=in_range("num_samples"),
                   help=f"M, samples of the old signal per update, {R['num_samples'].text}")
    p.add_argument("--num-bins", type=in_range("num_bins"), help=f"D, sticky-memory histogram bins, {R['num_bins'].text}")
    add_threads(p)


def add_threads(p):
    from ..core.settings import default_threads
    p.add_argument("--threads", type=positive_int, default=default_threads(),
                   help="CPU threads for torch (default: as the app, $INFFORMER_THREADS or half the cores; "
                        "1 when another process uses the other core)")


def load_model(args):
    from ..io.checkpoint import DEFAULT_MODEL, load_checkpoint, read_config
    directory = args.model or DEFAULT_MODEL
    overrides = {k: v for k, v in (("sticky", args.sticky), ("seed", args.seed), ("tau", args.tau),
                                   ("num_samples", args.num_samples), ("num_bins", args.num_bins)) if v is not None}
    cfg, info = read_config(directory)
    if info.get("task") == "sorting":
        raise UsageError(f"{directory}: a sorting model, not a language model; use `python -m infformer sorting "
                         "evaluate --model DIR ...`")
    if overrides and cfg.ltm is None:
        raise UsageError(f"{directory}: this model has no long-term memory, so "
                         f"--{next(iter(overrides)).replace('_', '-')} does not apply")
    return load_checkpoint(directory, **overrides)


def read_query(args):
    from ..io.textio import read_text
    if args.query_file:
        return read_text(args.query_file)
    if args.query is not None and not args.query.strip():
        raise UsageError("--query is empty")
    return args.query


# --------------------------------------------------------------------------- trace
def cmd_trace(args) -> int:
    import torch
    from tqdm.auto import tqdm

    from ..io.textio import read_text
    from ..tracing.run import trace_text

    set_threads(args.threads)
    text = read_text(args.input)
    query = read_query(args)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: exists and is not a directory")
    model, tokenizer, info = load_model(args)
    torch.set_grad_enabled(False)
    bar = tqdm(total=0, unit="seg", desc="trace", disable=args.quiet, file=sys.stderr)

    def progress(done, total):
        bar.total = total
        bar.update(done - bar.n)

    t0 = time.perf_counter()
    _, _, trace = trace_text(model, tokenizer, text, query, on_segment=progress, bf16=args.bf16)
    seconds = time.perf_counter() - t0
    bar.close()
    out.mkdir(parents=True, exist_ok=True)
    summary = {"input": str(args.input), "model": str(args.model or "default"), "variant": model.cfg.variant,
               **trace.summary(seconds)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2))
    trace.tokens_table(tokenizer).drop(columns=["loss"]).to_csv(out / "tokens.csv", index=False)
    trace.queries_table().to_csv(out / "queries.csv", index=False)
    trace.histograms_table().to_csv(out / "histograms.csv", index=False)
    if not args.quiet:
        print(f"{trace.num_tokens} tokens, {len(trace.segments)} segments, "
              f"{summary['num_memory_updates']} memory updates in {seconds:.1f}s -> {out}/")
    return 0


# --------------------------------------------------------------------------- generate
def cmd_generate(args) -> int:
    import torch

    from ..core.generate import generate
    from ..io.textio import read_text

    set_threads(args.threads)
    context = read_text(args.context_file) if args.context_file else ""
    prompt = read_text(args.prompt_file) if args.prompt_file else args.prompt
    if not prompt or not prompt.strip():
        raise UsageError("the prompt is empty: give --prompt TEXT or --prompt-file F")
    if args.top_p is not None and not 0.0 < args.top_p <= 1.0:
        raise UsageError(f"--top-p must be in (0, 1], got {args.top_p}")
    if args.temperature <= 0:
        raise UsageError(f"--temperature must be > 0, got {args.temperature}")
    model, tokenizer, _ = load_model(args)
    ids, _ = tokenizer.encode(context + prompt)
    new, _ = generate(model, torch.tensor([ids]), args.max_new_tokens, top_p=args.top_p,
                      temperature=args.temperature, seed=args.sample_seed)
    print(tokenizer.decode(new[0].tolist()))
    return 0


# --------------------------------------------------------------------------- evaluate
def ablated_copy(model, args):
    """The same weights with the long-term read zeroed (`--ablate-ltm`), or None."""
    if not getattr(args, "ablate_ltm", False):
        return None
    if model.cfg.ltm is None:
        raise UsageError(f"{args.model or 'the model'}: has no long-term memory, so --ablate-ltm does not apply")
    from ..core.model import InfFormer
    ablated = InfFormer(model.cfg.with_memory(ablate_read=True))
    ablated.load_state_dict(model.state_dict())
    return ablated.eval()


def progress_bar(args, desc: str):
    from tqdm.auto import tqdm
    bar = tqdm(total=0, unit="seg", desc=desc, disable=args.quiet, file=sys.stderr)

    def progress(done, total):
        bar.total = total
        bar.update(done - bar.n)
    return bar, progress


def cmd_evaluate(args) -> int:
    import torch

    from ..corpora.data import corpus_files, split_heldout
    from ..training.evaluate import perplexity_report, predicted_characters
    from ..io.textio import read_text

    set_threads(args.threads)
    files = corpus_files(args.text)
    texts = [read_text(f) for f in files]  # read them all first: a bad file fails before any work
    model, tokenizer, _ = load_model(args)
    ablated = ablated_copy(model, args)
    documents, characters = [], []
    for f, text in zip(files, texts):
        ids, offsets = tokenizer.encode(text)
        if args.heldout is not None:  # the same split train() validates on: the last fraction of the tokens
            ids, offsets = split_heldout(ids, args.heldout)[1], split_heldout(offsets, args.heldout)[1]
        if len(ids) < 2:
            raise UsageError(f"{f}: too short to score (fewer than 2 tokens)")
        documents.append(ids)
        characters.append(predicted_characters(offsets))
    torch.set_grad_enabled(False)
    bar, progress = progress_bar(args, "evaluate")
    report = perplexity_report(model, documents, args.position_bins, progress, characters=characters,
                               ablated=ablated, batch_size=args.batch_size)
    bar.close()
    for f, doc in zip(files, report["documents"]):
        doc["text"] = str(f)
    report = {"texts": [str(f) for f in files], "model": str(args.model or "default"), "heldout": args.heldout,
              **report}
    print(json.dumps(report, indent=2))
    return 0


# --------------------------------------------------------------------------- dialogue
def cmd_dialogue_evaluate(args) -> int:
    import torch

    from ..experiments.dialogue.reading import dialogue_examples
    from ..training.evaluate import perplexity_report

    from ..io.checkpoint import DEFAULT_MODEL, read_config
    set_threads(args.threads)
    seed = args.seed or 0  # one seed for the run: which conversations, and the sticky sampling
    if read_config(args.model or DEFAULT_MODEL)[0].ltm is None:
        args.seed = None
    model, tokenizer, _ = load_model(args)
    ablated = ablated_copy(model, args)
    examples = dialogue_examples(tokenizer, args.data, args.split, with_document=not args.no_document,
                                 conversations=args.conversations, seed=seed)
    if not examples:
        raise UsageError(f"{args.data}: no {args.split} conversations")
    torch.set_grad_enabled(False)
    bar, progress = progress_bar(args, "dialogue")
    report = perplexity_report(model, [e.ids for e in examples], args.position_bins, progress,
                               characters=[e.characters for e in examples], scored=[e.scored for e in examples],
                               ablated=ablated, batch_size=args.batch_size)
    bar.close()
    report.pop("documents")
    generated = {}
    if args.generate_conversations:
        from ..corpora import cmudog
        from ..experiments.dialogue.reading import select_conversations
        from ..experiments.dialogue.report import generation_report
        convs = select_conversations(cmudog.conversations(args.data, args.split), args.conversations, seed)
        convs = select_conversations(convs, args.generate_conversations, seed)
        bar, progress = progress_bar(args, "replies")
        g = generation_report(model, tokenizer, cmudog.documents(args.data), convs, with_document=not args.no_document,
                              top_p=args.top_p, max_new_tokens=args.max_new_tokens, seed=seed, progress=progress)
        bar.close()
        generated = {"generated_conversations": g.pop("conversations"), "generation": {
            "top_p": args.top_p, "max_new_tokens": args.max_new_tokens, "seed": seed,
            "replies": "every turn from the second on", "rouge": "F-measure (rouge-score, Porter stemmer); "
            "*_recall: recall, as the authors' code", "meteor": "not computed: nltk's METEOR needs WordNet data, "
            "which cannot be downloaded here"}, **g}
    print(json.dumps({"model": str(args.model or "default"), "data": str(args.data), "split": args.split,
                      "with_document": not args.no_document, "conversations": len(examples),
                      "seed": seed, "scored": "turn text and its newline",
                      **report, **generated}, indent=2))
    return 0


# --------------------------------------------------------------------------- sorting
def cmd_sorting_train(args) -> int:
    from ..experiments.sorting.train import SortingTrainConfig, sorting_model_config, train_sorting
    set_threads(args.threads)
    cfg = sorting_model_config(args.variant, segment_len=args.segment_len, stm_len=args.stm_len,
                               num_basis=args.num_basis, d_model=args.d_model, n_layers=args.layers,
                               dropout=args.dropout, widths=args.widths, gate=args.gate)
    tc = SortingTrainConfig(length=args.length, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                            eval_every=args.eval_every, checkpoint_every=args.checkpoint_every, seed=args.seed,
                            plateau_patience=args.plateau_patience, plateau_delta=args.plateau_delta,
                            bf16=not args.no_bf16)
    train_sorting(args.out, cfg, tc, device=args.device, progress=not args.quiet)
    print(f"checkpoint: {args.out}/")
    return 0


def cmd_sorting_evaluate(args) -> int:
    from ..io.checkpoint import load_checkpoint
    from ..experiments.sorting.task import VOCAB_SIZE
    from ..experiments.sorting.train import evaluate_sorting
    set_threads(args.threads)
    check_device(args.device)
    model, _, info = load_checkpoint(args.model, device=args.device)
    if model.cfg.vocab_size != VOCAB_SIZE or info.get("task") != "sorting":
        raise UsageError(f"{args.model}: not a sorting model (its config.json says task={info.get('task')!r})")
    report = evaluate_sorting(model, args.length, args.examples, args.seed)
    print(json.dumps({"model": str(args.model), **report}, indent=2))
    return 0


# --------------------------------------------------------------------------- train
def check_device(device: str) -> None:
    import torch
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise UsageError(f"--device {device}: no GPU is available here")
    if not device.startswith(("cpu", "cuda")):
        raise UsageError(f"--device {device}: use cpu or cuda")


def set_threads(n):
    if n is not None:
        import torch
        torch.set_num_threads(n)


def cmd_train(args) -> int:
    import torch

    from ..core.config import LTMConfig, ModelConfig
    from ..corpora.data import corpus_files
    from ..training.train import TrainConfig, train

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
    train_cfg = TrainConfig(steps=args.steps, batch_size=args.batch_size, lr=args.lr, min_lr=args.lr / 10,
                            warmup=min(args.warmup, args.steps), eval_every=args.eval_every,
                            checkpoint_every=args.checkpoint_every, bf16=not args.no_bf16, seed=args.seed,
                            vocab_size=args.vocab_size, memory_lr=args.memory_lr)
    if args.init_from:
        from ..io.checkpoint import read_config
        base_cfg, _ = read_config(args.init_from)
        if args.tokenizer:
            raise UsageError("--init-from brings the base's tokenizer; leave out --tokenizer")
        if base_cfg.ltm is not None or base_cfg.compressive_len:
            raise UsageError(f"--init-from {args.init_from}: that model already has a {base_cfg.variant} memory; "
                             "fine-tune from a base without one (variant none or stm)")
    tokenizer = None
    if args.tokenizer:  # e.g. the default model's, so that compared runs share one vocabulary
        from ..io.tokenizer import Tokenizer
        tokenizer = Tokenizer.from_file(args.tokenizer)
    train(args.corpus, args.out, model_cfg, train_cfg, tokenizer=tokenizer, device=args.device,
          progress=not args.quiet, init_from=args.init_from)
    if int(os.environ.get("RANK", "0")) == 0:  # under torchrun, one line from rank 0
        print(f"checkpoint: {args.out}/")
    return 0


# --------------------------------------------------------------------------- parser
def add_scoring_options(p):
    p.add_argument("--ablate-ltm", action="store_true",
                   help="also score with the long-term memory's read zeroed (written and read, not added), "
                        "reported beside as without_ltm_read")
    p.add_argument("--batch-size", type=positive_int, default=8, help="texts read side by side")
    p.add_argument("--quiet", action="store_true", help="no progress bar")


def add_run_options(p, *, variant: str, steps: int, d_model: int, layers: int, num_basis: int):
    """The options every training command shares (defaults differ by task)."""
    from ..core.config import VARIANTS
    p.add_argument("--out", required=True, metavar="DIR")
    p.add_argument("--variant", choices=VARIANTS, default=variant)
    p.add_argument("--steps", type=positive_int, default=steps)
    p.add_argument("--batch-size", type=positive_int, default=8)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--segment-len", type=positive_int, default=128)
    p.add_argument("--stm-len", type=nonneg_int, default=128)
    p.add_argument("--num-basis", type=positive_int, default=num_basis)
    p.add_argument("--d-model", type=positive_int, default=d_model)
    p.add_argument("--layers", type=positive_int, default=layers)
    p.add_argument("--dropout", type=dropout_rate, default=0.1)
    p.add_argument("--eval-every", type=nonneg_int, default=250)
    p.add_argument("--checkpoint-every", type=positive_int, default=250)
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--seed", type=nonneg_int, default=0)
    add_threads(p)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--no-bf16", action="store_true",
                   help="train in float32 (faster on CPUs without native bf16, e.g. no AVX-512 BF16 / AMX)")


def build_parser() -> Parser:
    p = Parser(prog="python -m infformer", description="The ∞-former: continuous long-term memory you can look inside.")
    sub = p.add_subparsers(dest="command", required=True, parser_class=Parser)

    t = sub.add_parser("trace", help="run a text through the model and write what its memory did",
                       description="Run INPUT (UTF-8 text) through the model, then an optional query, and write "
                                   "summary.json, tokens.csv, queries.csv and histograms.csv to --out.")
    t.add_argument("input", metavar="INPUT.txt")
    q = t.add_mutually_exclusive_group()
    q.add_argument("--query", metavar="TEXT", help="a question or dialogue turn processed after the text")
    q.add_argument("--query-file", metavar="F", help="read the query from a file")
    add_model_options(t)
    t.add_argument("--out", metavar="DIR", required=True, help="output directory (created)")
    t.add_argument("--quiet", action="store_true", help="no progress bar or summary line")
    t.add_argument("--bf16", action="store_true", help="bf16 autocast for the model's matrix products (faster only "
                   "where the hardware has native bf16; the memory's fit and read stay float32)")
    t.set_defaults(func=cmd_trace)

    g = sub.add_parser("generate", help="continue a prompt, feeding the memory as it goes",
                       description="Read an optional context file into the memory, then continue the prompt.")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--prompt", metavar="TEXT")
    src.add_argument("--prompt-file", metavar="F")
    g.add_argument("--context-file", metavar="F", help="a document read (into the memory) before the prompt")
    add_model_options(g)
    g.add_argument("--max-new-tokens", type=positive_int, default=60)
    g.add_argument("--top-p", type=float, default=None, help="nucleus sampling (default: greedy)")
    g.add_argument("--temperature", type=float, default=1.0)
    g.add_argument("--sample-seed", type=nonneg_int, default=0, help="seed of the token sampling")
    g.set_defaults(func=cmd_generate)

    e = sub.add_parser("evaluate", help="perplexity of a text read with the memory carried",
                       description="Print JSON: perplexity, tokens, seconds, the memory settings, and "
                                   "perplexity in equal stretches of the text (by_position).")
    e.add_argument("--text", required=True, nargs="+", metavar="FILE",
                   help="one or more UTF-8 files (a directory means its *.txt), each read from an empty memory; "
                        "perplexity is pooled over all their tokens")
    add_model_options(e)
    e.add_argument("--position-bins", type=positive_int, default=10)
    e.add_argument("--heldout", type=unit_float, metavar="FRACTION",
                   help="score only the text's last FRACTION of tokens, read from an empty memory "
                        "(training's validation split: 0.05)")
    add_scoring_options(e)
    e.set_defaults(func=cmd_evaluate)

    di = sub.add_parser("dialogue", help="the paper's CMU-DoG experiment: document, then conversation")
    di_sub = di.add_subparsers(dest="dialogue_command", required=True, parser_class=Parser)
    de = di_sub.add_parser("evaluate", help="perplexity of the turns, the document read first, as JSON",
                           description="Each conversation is read from an empty memory: the film's document, then "
                                       "the turns; only the turns' text is scored.")
    de.add_argument("--data", required=True, metavar="DIR",
                    help="the condensed CMU-DoG directory (documents.jsonl, conversations.jsonl)")
    de.add_argument("--split", choices=("train", "valid", "test"), default="test")
    de.add_argument("--conversations", type=positive_int, metavar="K", help="a seeded sample of K (default: all)")
    de.add_argument("--no-document", action="store_true", help="the dialogue alone (the paper's 'without document' row)")
    de.add_argument("--generate-conversations", type=nonneg_int, default=30, metavar="G",
                    help="generate a reply for every turn from the second on in a seeded sample of G of those "
                         "conversations; score F1 and ROUGE against the real turns and, with a long-term memory, "
                         "measure its attention on the section each real reply's writer saw (0: perplexity only)")
    de.add_argument("--top-p", type=top_p_float, default=0.9, help="nucleus sampling of the replies")
    de.add_argument("--max-new-tokens", type=positive_int, default=50, help="longest reply, in tokens")
    add_model_options(de)
    de.add_argument("--position-bins", type=positive_int, default=10)
    add_scoring_options(de)
    de.set_defaults(func=cmd_dialogue_evaluate)

    so = sub.add_parser("sorting", help="the paper's sorting task: train and evaluate")
    so_sub = so.add_subparsers(dest="sorting_command", required=True, parser_class=Parser)
    st = so_sub.add_parser("train", help="train a model on the sorting task (resumes if --out holds a run)")
    add_run_options(st, variant="ltm", steps=3000, d_model=128, layers=3, num_basis=128)
    st.add_argument("--length", type=positive_int, default=1024, help="symbols before the separator")
    st.add_argument("--widths", type=positive_float, nargs="+", default=[0.01, 0.05], metavar="W",
                    help="basis widths, fractions of [0, 1] (the reference's: 0.01 0.05); N must be a multiple of their number")
    st.add_argument("--gate", action="store_true",
                    help="gate the vectors written to the long-term memory, X ⊙ sigmoid(Conv1d_k3(X)) (the authors' configurations)")
    st.add_argument("--plateau-patience", type=nonneg_int, default=0, metavar="K",
                    help="stop when the last K validations did not beat the best before them by --plateau-delta (0: off)")
    st.add_argument("--plateau-delta", type=positive_float, default=0.005)
    st.set_defaults(func=cmd_sorting_train)
    se = so_sub.add_parser("evaluate", help="accuracy on fresh examples, as JSON")
    se.add_argument("--model", required=True, metavar="DIR")
    se.add_argument("--length", type=positive_int, required=True)
    se.add_argument("--examples", type=positive_int, default=200)
    se.add_argument("--seed", type=nonneg_int, default=12345)
    se.add_argument("--device", default="cpu", help="cpu or cuda")
    add_threads(se)
    se.set_defaults(func=cmd_sorting_evaluate)

    r = sub.add_parser("train", help="train a model on text files (resumes if --out holds a run)",
                       description="Each file is one document, streamed as consecutive segments with the memory "
                                   "carried through it. A directory means its *.txt files.")
    r.add_argument("corpus", nargs="+", metavar="CORPUS")
    add_run_options(r, variant="sticky", steps=2000, d_model=256, layers=4, num_basis=256)
    r.add_argument("--warmup", type=nonneg_int, default=100)
    r.add_argument("--heads", type=positive_int, default=4)
    r.add_argument("--d-ff", type=positive_int, default=1024)
    r.add_argument("--tau", type=unit_float, default=0.5)
    r.add_argument("--num-samples", type=positive_int, default=256)
    r.add_argument("--num-bins", type=positive_int, default=128)
    r.add_argument("--sigma-init", type=unit_float, default=None,
                   help="σ the attention Gaussians start at (default: softplus(0), σ ≈ 0.83; 0.05 keeps them focused)")
    r.add_argument("--vocab-size", type=positive_int, default=4096, help="of a tokenizer trained on the corpus")
    r.add_argument("--tokenizer", metavar="FILE", help="use this tokenizer.json instead of training one")
    r.add_argument("--init-from", metavar="DIR",
                   help="fine-tune this base checkpoint (no long-term memory): its architecture, tokenizer and weights, "
                        "with --variant's memory added and its output projection at zero (the paper's recipe)")
    r.add_argument("--memory-lr", type=positive_float, default=None,
                   help="peak learning rate of the memory's own parameters (default: --lr)")
    r.set_defaults(func=cmd_train)
    return p


def main(argv=None) -> int:
    from ..io.checkpoint import CheckpointError
    from ..io.textio import InputError

    try:
        args = build_parser().parse_args(argv)
        return args.func(args)
    except (UsageError, InputError, CheckpointError, ValueError) as e:
        message = " ".join(str(e).split())
        print(f"error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
