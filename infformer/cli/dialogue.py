"""`dialogue evaluate`: the paper's CMU-DoG experiment (document first, then the conversation):
perplexity of the turns, and generated replies scored against the real ones."""
from __future__ import annotations

import time

import torch

from ..corpora import cmudog
from ..experiments.dialogue.meteor import meteor_note
from ..experiments.dialogue.reading import conversation_part, dialogue_examples, select_conversations
from ..experiments.dialogue.report import generation_report, traced_conversations
from ..experiments.dialogue.section_attention import summarize_rows
from ..io.checkpoint import DEFAULT_MODEL, model_digests, read_config
from ..training.evaluate import perplexity_report
from .options import (
    Parser,
    UsageError,
    ablated_copy,
    add_model_options,
    add_scoring_options,
    load_model,
    nonneg_int,
    part_of,
    positive_int,
    print_json,
    progress_bar,
    set_threads,
    top_p_float,
)

PER_CONVERSATION = ("tokens", "characters", "nats", "nats_without_ltm_read")


def cmd_dialogue_evaluate(args) -> int:
    set_threads(args.threads)
    seed = args.seed or 0  # one seed for the run: which conversations, and the sticky sampling
    has_ltm = read_config(args.model or DEFAULT_MODEL)[0].ltm is not None
    if args.section_attention and (not has_ltm or args.no_document):
        raise UsageError("--section-attention measures a long-term memory's attention on the document: "
                         + ("this model has no long-term memory" if not has_ltm else "not with --no-document"))
    if not has_ltm:
        args.seed = None
    model, tokenizer, _ = load_model(args)
    ablated = ablated_copy(model, args)
    convs = cmudog.conversations(args.data, args.split)
    convs = select_conversations(convs, args.conversations, seed)
    if args.part:   # of the split, or of the seeded sample (a long replies job cut into parts that pool)
        convs = conversation_part(convs, *args.part, seed)
    if not convs:
        where = f"part {args.part[0]} of {args.part[1]} of the " if args.part else ""
        sample = f"{args.conversations} sampled from the " if args.part and args.conversations else ""
        raise UsageError(f"{args.data}: no conversations in {where}{sample}{args.split} split")
    examples = dialogue_examples(tokenizer, args.data, convs, with_document=not args.no_document)
    torch.set_grad_enabled(False)
    t0 = time.perf_counter()
    sections, traced_losses = {}, None
    if args.section_attention:  # one trace a conversation gives Figure 4 and the perplexity both
        bar, progress = progress_bar(args, "traces")
        rows, traced_losses = traced_conversations(model, tokenizer, cmudog.documents(args.data), convs, progress)
        bar.close()
        sections = {"section_attention_all": summarize_rows(rows, seed), "section_rows": rows}
    # a perplexity pass runs unless the traces gave every nat (the read-zeroed copy still needs its own)
    bar, progress = progress_bar(args, "dialogue") if traced_losses is None or ablated is not None else (None, None)
    report = perplexity_report(model, [e.ids for e in examples], args.position_bins, progress,
                               characters=[e.characters for e in examples], scored=[e.scored for e in examples],
                               ablated=ablated, batch_size=args.batch_size, token_losses=traced_losses)
    report["seconds"] = round(time.perf_counter() - t0, 3)
    if bar is not None:
        bar.close()
    # each conversation's exact totals, so that parts of the split pool (experiments/dialogue/pooling.py)
    per_conversation = [{"conversation": e.conversation, **{k: d[k] for k in PER_CONVERSATION if k in d}}
                        for e, d in zip(examples, report.pop("documents"), strict=True)]
    generated = {}
    if args.generate_conversations:
        convs = select_conversations(convs, args.generate_conversations, seed)
        bar, progress = progress_bar(args, "replies")
        g = generation_report(model, tokenizer, cmudog.documents(args.data), convs, with_document=not args.no_document,
                              top_p=args.top_p, max_new_tokens=args.max_new_tokens, seed=seed, progress=progress)
        bar.close()
        generated = {"generated_conversations": g.pop("conversations"), "generation": {
            "top_p": args.top_p, "max_new_tokens": args.max_new_tokens, "seed": seed,
            "replies": "every turn from the second on", "rouge": "F-measure (rouge-score, Porter stemmer); "
            "*_recall: recall, as the authors' code", "meteor": meteor_note()}, **g}
    print_json({"model": str(args.model or "default"), "model_sha256": model_digests(args.model or DEFAULT_MODEL),
                "data": str(args.data), "split": args.split,
                "with_document": not args.no_document, "conversations": len(examples),
                **({"part": list(args.part)} if args.part else {}),
                **({"sample": args.conversations} if args.conversations else {}),
                "seed": seed, "scored": "turn text and its newline", **report, **generated,
                "per_conversation": per_conversation, **sections})
    return 0



def register(sub) -> None:
    di = sub.add_parser("dialogue", help="the paper's CMU-DoG experiment: document, then conversation")
    di_sub = di.add_subparsers(dest="dialogue_command", required=True, parser_class=Parser)
    de = di_sub.add_parser("evaluate", help="perplexity of the turns, the document read first, as JSON",
                           description="Each conversation is read from an empty memory: the film's document, then "
                                       "the turns; only the turns' text is scored.")
    de.add_argument("--data", required=True, metavar="DIR",
                    help="the condensed CMU-DoG directory (documents.jsonl, conversations.jsonl)")
    de.add_argument("--split", choices=("train", "valid", "test"), default="test")
    de.add_argument("--conversations", type=positive_int, metavar="K", help="a seeded sample of K (default: all)")
    de.add_argument("--part", type=part_of, metavar="I/N",
                    help="part I of the split (or of the K sampled) cut into N in a seeded order: parts of one --seed "
                         "are disjoint and cover it; experiments/dialogue/pooling.py pools them, the replies too")
    de.add_argument("--no-document", action="store_true", help="the dialogue alone (the paper's 'without document' row)")
    de.add_argument("--generate-conversations", type=nonneg_int, default=30, metavar="G",
                    help="generate a reply for every turn from the second on in a seeded sample of G of those "
                         "conversations; score F1 and ROUGE against the real turns and, with a long-term memory, "
                         "measure its attention on the section each real reply's writer saw (0: perplexity only)")
    de.add_argument("--section-attention", action="store_true",
                    help="Figure 4 on every evaluated conversation, not only the generated ones: one trace each, "
                         "which also gives the perplexity (about 1.2 times a perplexity pass), every real reply's "
                         "attention ratio on each section kept (section_rows) so that parts pool")
    de.add_argument("--top-p", type=top_p_float, default=0.9, help="nucleus sampling of the replies")
    de.add_argument("--max-new-tokens", type=positive_int, default=50, help="longest reply, in tokens")
    add_model_options(de)
    de.add_argument("--position-bins", type=positive_int, default=10)
    add_scoring_options(de)
    de.set_defaults(func=cmd_dialogue_evaluate)

