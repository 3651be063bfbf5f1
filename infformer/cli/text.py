"""The commands on a user's text: `trace` (what the memory did), `generate` (continue a prompt,
feeding the memory) and `evaluate` (perplexity and bits per character, memory carried)."""
from __future__ import annotations

import shutil
import time

import torch

from ..core.generate import generate
from ..core.precision import PRECISIONS, use_bf16
from ..corpora.data import corpus_files, split_heldout
from ..io.textio import MAX_TRACE_BYTES, read_text
from ..tracing import files
from ..tracing.run import trace_text
from ..training.evaluate import perplexity_report, predicted_characters
from .options import (
    UsageError,
    ablated_copy,
    add_model_options,
    add_scoring_options,
    load_model,
    nonneg_int,
    positive_int,
    print_json,
    progress_bar,
    read_query,
    set_threads,
    temperature_float,
    top_p_float,
    unit_float,
)


def cmd_trace(args) -> int:


    set_threads(args.threads)
    text = read_text(args.input, MAX_TRACE_BYTES)
    query = read_query(args)
    model, tokenizer, info = load_model(args)
    cfg = model.cfg
    # the output is checked (and its temporary folder made) before the work: a bad --out fails in a second
    tmp = files.prepare(args.out, files.estimated_bytes(len(text.encode("utf-8")) // 3, cfg.n_layers, cfg.n_heads))
    try:  # (run_with_trace runs without gradients; nothing here changes torch's global state)
        bar, progress = progress_bar(args, "trace")
        t0 = time.perf_counter()
        bf16 = use_bf16(model, args.precision)
        _, _, trace = trace_text(model, tokenizer, text, query, on_segment=progress, bf16=bf16)
        seconds = time.perf_counter() - t0
        bar.close()
        summary = {"input": str(args.input), "model": str(args.model or "default"), "variant": model.cfg.variant,
                   "precision": "bf16" if bf16 else "float32", **trace.summary(seconds)}
        files.write_trace(trace, tmp, args.out, summary, tokenizer)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)  # an interrupted trace leaves nothing behind
    if not args.quiet:
        print(f"{trace.num_tokens} tokens, {len(trace.segments)} segments, "
              f"{summary['num_memory_updates']} memory updates in {seconds:.1f}s -> {args.out}/")
    return 0


def cmd_generate(args) -> int:


    set_threads(args.threads)
    context = read_text(args.context_file) if args.context_file else ""
    prompt = read_text(args.prompt_file) if args.prompt_file else args.prompt
    if not prompt or not prompt.strip():
        raise UsageError("the prompt is empty: give --prompt TEXT or --prompt-file F")
    model, tokenizer, _ = load_model(args)
    ids, _ = tokenizer.encode(context + prompt)
    new, _ = generate(model, torch.tensor([ids]), args.max_new_tokens, top_p=args.top_p,
                      temperature=args.temperature, seed=args.sample_seed)
    print(tokenizer.decode(new[0].tolist()))
    return 0


def cmd_evaluate(args) -> int:


    set_threads(args.threads)
    files = corpus_files(args.text)
    texts = [read_text(f) for f in files]  # read them all first: a bad file fails before any work
    model, tokenizer, _ = load_model(args)
    ablated = ablated_copy(model, args)
    documents, characters = [], []
    for f, text in zip(files, texts, strict=False):
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
    for f, doc in zip(files, report["documents"], strict=False):
        doc["text"] = str(f)
    report = {"texts": [str(f) for f in files], "model": str(args.model or "default"), "heldout": args.heldout,
              **report}
    print_json(report)
    return 0



def register(sub) -> None:
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
    t.add_argument("--precision", choices=PRECISIONS, default="auto",
                   help="bf16 autocast for the model's matrix products, or float32; auto: bf16 for large models "
                        "(the pretrained backbone) where the hardware has native bf16 (the app's choice too); "
                        "the memory's fit and read stay float32")
    t.set_defaults(func=cmd_trace)

    g = sub.add_parser("generate", help="continue a prompt, feeding the memory as it goes",
                       description="Read an optional context file into the memory, then continue the prompt.")
    src = g.add_mutually_exclusive_group()
    src.add_argument("--prompt", metavar="TEXT")
    src.add_argument("--prompt-file", metavar="F")
    g.add_argument("--context-file", metavar="F", help="a document read (into the memory) before the prompt")
    add_model_options(g)
    g.add_argument("--max-new-tokens", type=positive_int, default=60)
    g.add_argument("--top-p", type=top_p_float, default=None, help="nucleus sampling, in (0, 1] (default: greedy)")
    g.add_argument("--temperature", type=temperature_float, default=1.0, help="in (0, 100] (default 1)")
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

