"""`dialogue evaluate`: the paper's CMU-DoG experiment (document first, then the conversation):
perplexity of the turns, and generated replies scored against the real ones."""
from __future__ import annotations

import torch

from ..corpora import cmudog
from ..experiments.dialogue.reading import dialogue_examples, select_conversations
from ..experiments.dialogue.report import generation_report
from ..io.checkpoint import DEFAULT_MODEL, read_config
from ..training.evaluate import perplexity_report
from .options import (
    Parser,
    UsageError,
    ablated_copy,
    add_model_options,
    add_scoring_options,
    load_model,
    nonneg_int,
    positive_int,
    print_json,
    progress_bar,
    set_threads,
    top_p_float,
)


def cmd_dialogue_evaluate(args) -> int:


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
    print_json({"model": str(args.model or "default"), "data": str(args.data), "split": args.split,
                "with_document": not args.no_document, "conversations": len(examples),
                "seed": seed, "scored": "turn text and its newline", **report, **generated})
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

