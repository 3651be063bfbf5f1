"""`sorting train` and `sorting evaluate`: the paper's synthetic sorting task (section 4.1)."""
from __future__ import annotations

from ..experiments.sorting.task import VOCAB_SIZE
from ..experiments.sorting.train import SortingTrainConfig, evaluate_sorting, sorting_model_config, train_sorting
from ..io.checkpoint import load_checkpoint
from .options import (
    Parser,
    UsageError,
    add_run_options,
    add_threads,
    check_device,
    defaults,
    nonneg_int,
    positive_float,
    positive_int,
    print_json,
    set_threads,
    train_precision,
)


def cmd_sorting_train(args) -> int:
    set_threads(args.threads)
    cfg = sorting_model_config(args.variant, segment_len=args.segment_len, stm_len=args.stm_len,
                               num_basis=args.num_basis, d_model=args.d_model, n_layers=args.layers,
                               dropout=args.dropout, widths=args.widths, gate=args.gate)
    tc = SortingTrainConfig(length=args.length, steps=args.steps, batch_size=args.batch_size, lr=args.lr,
                            eval_every=args.eval_every, checkpoint_every=args.checkpoint_every, seed=args.seed,
                            plateau_patience=args.plateau_patience, plateau_delta=args.plateau_delta,
                            bf16=train_precision(args))
    train_sorting(args.out, cfg, tc, device=args.device, progress=not args.quiet)
    print(f"checkpoint: {args.out}/")
    return 0


def cmd_sorting_evaluate(args) -> int:
    set_threads(args.threads)
    check_device(args.device)
    model, _, info = load_checkpoint(args.model, device=args.device)
    if model.cfg.vocab_size != VOCAB_SIZE or info.get("task") != "sorting":
        raise UsageError(f"{args.model}: not a sorting model (its config.json says task={info.get('task')!r})")
    report = evaluate_sorting(model, args.length, args.examples, args.seed)
    print_json({"model": str(args.model), **report})
    return 0



def register(sub) -> None:
    so = sub.add_parser("sorting", help="the paper's sorting task: train and evaluate")
    so_sub = so.add_subparsers(dest="sorting_command", required=True, parser_class=Parser)
    st = so_sub.add_parser("train", help="train a model on the sorting task (resumes if --out holds a run)")
    model, run = defaults(sorting_model_config), defaults(SortingTrainConfig)
    add_run_options(st, model=model, run=run, variant="ltm")
    st.add_argument("--length", type=positive_int, default=run["length"], help="symbols before the separator")
    st.add_argument("--widths", type=positive_float, nargs="+", default=list(model["widths"]), metavar="W",
                    help="basis widths, fractions of [0, 1] (the reference's: 0.01 0.05); N must be a multiple of their number")
    st.add_argument("--gate", action="store_true",
                    help="gate the vectors written to the long-term memory, X ⊙ sigmoid(Conv1d_k3(X)) (the authors' configurations)")
    st.add_argument("--plateau-patience", type=nonneg_int, default=run["plateau_patience"], metavar="K",
                    help="stop when the last K validations did not beat the best before them by --plateau-delta (0: off)")
    st.add_argument("--plateau-delta", type=positive_float, default=run["plateau_delta"])
    st.set_defaults(func=cmd_sorting_train)
    se = so_sub.add_parser("evaluate", help="accuracy on fresh examples, as JSON")
    se.add_argument("--model", required=True, metavar="DIR")
    se.add_argument("--length", type=positive_int, required=True)
    se.add_argument("--examples", type=positive_int, default=200)
    se.add_argument("--seed", type=nonneg_int, default=12345)
    se.add_argument("--device", default="cpu", help="cpu or cuda")
    add_threads(se)
    se.set_defaults(func=cmd_sorting_evaluate)

