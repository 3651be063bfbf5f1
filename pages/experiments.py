"""Experiments: the paper's sorting task (Figure 3) and language modelling (Table 1) at CPU scale,
read from the tables that scripts/experiments/tables.py writes under results/ ($INFFORMER_RESULTS
points elsewhere). No model and no trace: the results fill in as the runs finish."""
import json
import os
from pathlib import Path

import pandas as pd
import streamlit as st

from infformer.experiments.sorting.trends import basis_trends, sorting_trends, table_rows
from infformer.viz import experiments as ve
from infformer.viz import sticky as vk
from pages._docs import ROOT
from pages._widgets import intro, persistent, show

intro("experiments", "Experiments")

RESULTS = Path(os.environ.get("INFFORMER_RESULTS") or ROOT / "results")
MODELS = ROOT / "assets" / "models"
SORTING, LM = "scripts/experiments/sorting.sh", "scripts/experiments/lm.sh"
CEILINGS, TABLES = "scripts/experiments/sorting_ceilings.py", "scripts/experiments/tables.py"
HEADINGS = {"num_basis": "N", "paper_num_basis": "paper's N", "accuracy": "accuracy (%)",
            "accuracy_stderr": "± s.e. (%)", "paper_accuracy": "paper (%)", "paper_length": "paper's length",
            "regression_error": "regression error", "paper_regression_error": "paper's regression error",
            "train_minutes": "minutes", "perplexity": "held-out ppl", "tokens": "tokens scored",
            "paper_model": "paper's row", "paper_wikitext103": "paper WT-103", "paper_pg19": "paper PG-19",
            "window": "window W (symbols)", "austen_perplexity": "Austen ppl", "austen_bpc": "Austen bits/char",
            "austen_perplexity_read_zeroed": "Austen ppl, read zeroed", "cmudog_perplexity": "CMU-DoG ppl",
            "cmudog_bpc": "CMU-DoG bits/char", "cmudog_perplexity_read_zeroed": "CMU-DoG ppl, read zeroed",
            "perplexity_read_zeroed": "ppl, read zeroed", "f1": "F1 (%)", "rouge1": "ROUGE-1 (%)",
            "rougeL": "ROUGE-L (%)", "rouge1_recall": "ROUGE-1 recall (%)", "rougeL_recall": "ROUGE-L recall (%)",
            "paper_perplexity": "paper ppl", "paper_f1": "paper F1", "paper_rouge1": "paper ROUGE-1",
            "paper_rougeL": "paper ROUGE-L", "paper_meteor": "paper METEOR", "mean_ratio": "writer's section",
            "control_mean_ratio": "control (docIdx shuffled)", "read_zeroed": "ppl, read zeroed",
            "read_ratio": "read zeroed ÷ with", "section_ratio": "writer's section", "control_ratio": "control",
            "turn_control_ratio": "control matched by turn"}
st.caption(f"Results from `{RESULTS}`.")


def read(name: str, script: str, columns, writer: str = TABLES, optional: bool = False) -> pd.DataFrame | None:
    """A results CSV, or None after saying why not: not written yet (which script writes it; only a
    caption if `optional`), or unreadable or lacking a column the page needs (an error naming the
    file and the column, and `writer`, the script to rerun)."""
    path = RESULTS / name
    if not path.is_file() and optional:
        st.caption(f"No `{name}` in the results (optional): `{writer}` writes it.")
        return None
    if not path.is_file():
        st.info(f"No `{name}` in the results yet: `{script}` writes it (its last step, "
                "`scripts/experiments/tables.py`, collects the finished runs).")
        return None
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        st.error(f"`{path}` could not be read: {e}")
        return None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        st.error(f"`{path}` has no column {', '.join(f'`{c}`' for c in missing)}: "
                 f"rerun `{writer}`.")
        return None
    return df


def table(df: pd.DataFrame) -> None:
    st.dataframe(df, hide_index=True, width="stretch", column_config={c: h for c, h in HEADINGS.items() if c in df})


# ------------------------------------------------------------------ sorting
st.header("Sorting (the paper's Figure 3)")
CONVERGED = "scripts/experiments/sorting_converged.sh"
converged = read("sorting_converged_by_length.csv", CONVERGED, ve.COLUMNS["sorting_converged_by_length.csv"],
                 writer=TABLES, optional=True)
if converged is not None:
    st.subheader("Trained to convergence (two training seeds a point when both have finished: the `seeds` column)")
    converged_figure = st.container()
    table(converged)
    st.caption("Each run trains until 8 validations in a row (4,000 steps) fail to beat its best by 0.5 points, or "
               "20,000 steps; 'stopped by' says which. A point appears once its runs have finished. Local reach: tokens a Transformer-XL sees (layers × short-term memory + "
               "segment); coverage: past tokens the memory represents (the ∞-former: all of them).")
    trends = sorting_trends(table_rows(converged))
    if trends:
        st.markdown("**Which of the paper's trends reproduce** (orders and falls, not levels: our models are smaller "
                    "and score lower):\n" + "".join(f"\n- {s}" for s in trends))
    converged_basis = read("sorting_converged_by_basis.csv", CONVERGED, ve.COLUMNS["sorting_converged_by_basis.csv"],
                           writer=TABLES, optional=True)
    if converged_basis is not None:
        show(ve.sorting_by_basis_figure(converged_basis), "sorting_converged_by_basis")
        table(converged_basis)
        trends = basis_trends(table_rows(converged_basis))
        if trends:
            st.markdown("**Which of the paper's trends along N reproduce** (the paper's N are ours × 16):\n"
                        + "".join(f"\n- {s}" for s in trends))
        replay = "scripts/experiments/sorting_regression_by_basis.py"
        replayed = read("sorting_regression_by_basis.csv", replay, ve.COLUMNS["sorting_regression_by_basis.csv"],
                        writer=replay, optional=True)
        if replayed is not None:
            st.markdown("**The regression error, the fit alone**: the shipped model's memory writes refitted offline "
                        "with other bases (only the fit changes, not the network). More basis functions lower the "
                        "error only while the Gaussians are narrower than the detail in the written vectors.")
            table(replayed)
    st.subheader("After 2,000 steps (the first runs)")
by_length = read("sorting_by_length.csv", SORTING, ve.COLUMNS["sorting_by_length.csv"])
figure = st.container()  # filled last: the figure needs the reference lines read below its table
if by_length is not None:
    table(by_length)
ceilings = read("sorting_ceilings.csv", CEILINGS, ve.COLUMNS["sorting_ceilings.csv"], writer=CEILINGS, optional=True)
if ceilings is not None:
    table(ceilings)
    st.caption("Accuracies without training, the grey dotted lines. Exclusion only: a model that has learnt just that "
               "the answer is a permutation. Counts of the last W: an ideal model that sees only the last W symbols "
               "(W = 107 is what a Transformer-XL sees here). Above that line a model must be using older symbols; "
               "compare the models against these lines, not only against each other.")
if by_length is not None:
    with figure:
        show(ve.sorting_by_length_figure(by_length, ceilings=ceilings), "sorting_by_length")
if converged is not None:
    with converged_figure:
        show(ve.sorting_by_length_figure(converged, "Sorting trained to convergence: accuracy against sequence length "
                                         "(the paper's Figure 3, left)", ceilings=ceilings), "sorting_converged_by_length")
by_basis = read("sorting_by_basis.csv", SORTING, ve.COLUMNS["sorting_by_basis.csv"])
if by_basis is not None:
    show(ve.sorting_by_basis_figure(by_basis), "sorting_by_basis")
    table(by_basis)

# ------------------------------------------------------------------ the shipped models
st.header("The shipped models, on the same texts")
scores = {p.parent.name: json.loads(p.read_text()) for p in sorted(MODELS.glob("*/scores.json"))}
if scores:
    rows = {}
    for name, s in scores.items():
        for r in s["scores"]:
            rows.setdefault(r["text"], {"text": r["text"]})[f"{name}: bits/char"] = r["bits_per_character"]
            rows[r["text"]][f"{name}: later half"] = r["later_half_bits_per_character"]
    table(pd.DataFrame(list(rows.values())))
    st.caption("Bits per character (lower is better) of each model shipped in `assets/models/`, read from its own "
               "`scores.json` (written from the evaluation's JSON by `scripts/experiments/model_scores.py`): "
               + "; ".join(f"`{s['command']}`" for s in scores.values()) + ". None of them trained on these "
               "texts (Austen: the held-out last 5% of each novel). Each model's card (Run page) says more.")
else:
    st.info("No shipped model has a `scores.json` yet: `scripts/experiments/model_scores.py` writes one.")

# ------------------------------------------------------------------ language modelling
st.header("Language modelling on Austen (the paper's Table 1)")
lm = read("lm.csv", LM, ve.COLUMNS["lm.csv"])
if lm is not None:
    show(ve.lm_perplexity_figure(lm), "lm_perplexity")
    table(lm)
by_position = read("lm_by_position.csv", LM, ve.COLUMNS["lm_by_position.csv"])
if by_position is not None:
    show(ve.lm_by_position_figure(by_position), "lm_by_position")
    st.caption("Does the memory help more later in a book? Each point pools the same stretch of every held-out book, "
               "each book read from an empty memory. Below, each model's perplexity over that of the model without "
               "memory: a memory that helps more as it fills makes its line fall from left to right.")

# ------------------------------------------------------------------ fine-tuned from one base (issue 11)
VARIANTS = "scripts/experiments/variants.sh"
st.header("Every variant fine-tuned from one base (the paper's Tables 1 and 2)")
st.caption("The paper's recipe: one pretrained model without long-term memory, fine-tuned under one budget and one "
           "data order with each memory added (the short-term memory only is its \"GPT-2\" row). Ours: the base "
           "`runs/lm-base2` (4 layers × 256), fine-tuned on Austen and CMU-DoG training documents; the paper's: GPT-2 "
           "small on WikiText-103 / PG-19 and on CMU-DoG. Compare the order of the rows, not the levels.")
finetuned = read("finetuned_lm.csv", VARIANTS, ("variant", "model", "austen_perplexity", "cmudog_perplexity"))
if finetuned is not None:
    st.subheader("Language modelling (Table 1)")
    table(finetuned)
    st.caption("Austen: the last 5% of each novel as paragraphs, its memory carried. CMU-DoG: every fourth test "
               "conversation after its film's document. The 30 film documents open every training conversation, "
               "so the models know them by heart (perplexity about 1.1 on them): that column is mostly the "
               "conversations'. Table 2 below scores the turns alone.")
dialogue = read("dialogue.csv", VARIANTS, ("variant", "model", "perplexity", "f1", "rouge1", "rougeL"))
if dialogue is not None:
    st.subheader("Document-grounded dialogue on the CMU-DoG test split (Table 2)")
    table(dialogue)
    st.caption("Perplexity of the reply tokens only, the film's document read first (\"without document\": the "
               "dialogue alone). F1, ROUGE-1 and ROUGE-L (%, F-measure; recall, as the authors' code reported it, "
               "beside) of replies sampled for every turn from the second on (top-p 0.9, at most 50 tokens). These "
               "replies were scored before WordNet was installed here, so only the paper's METEOR is shown (`dialogue "
               "evaluate` adds it where Debian's wordnet-base is installed). `_low` / `_high`: the 95% "
               "interval from resampling whole conversations; rows whose intervals overlap are not told apart by "
               "this many conversations.")
sections = read("section_attention.csv", VARIANTS, ("variant", "mean_ratio", "control_mean_ratio"), optional=True)
if sections is not None:
    st.subheader("Does the memory read the section the writer was looking at?")
    table(sections)
    st.caption("For each real reply: the memory's attention on the document section its writer saw (CMU-DoG's "
               "docIdx) over that section's share of the memory, averaged over replies; 1.0 is chance. The control "
               "shuffles docIdx across replies; `difference_low` / `_high` bound the writer's section minus the control "
               "(95%, resampling conversations). CMU-DoG shows the sections in order through a conversation, so this "
               "control also shuffles times: against one matched by turn, the pretrained models below and the small "
               "default read the writer's section no more than another shown at the same turn (docs/experiments.md; "
               "these models were not kept to measure it). No paper reports this number; the Dialogue page shows it "
               "reply by reply.")

# ------------------------------------------------------------------ on a pretrained backbone (issue 27)
PRETRAINED = "scripts/experiments/pretrained_variants_table.py"
st.header("The same variants on a pretrained backbone (SmolLM2-135M)")
pretrained = read("pretrained_variants.csv", PRETRAINED, ("text", "model", "bits_per_character", "later_half"),
                  writer=PRETRAINED, optional=True)
if pretrained is not None:
    def both(row) -> str:
        sd = "" if pd.isna(row.get("bits_per_character_sd")) else f" ± {row['bits_per_character_sd']:.3f}"
        return f"{row['bits_per_character']:.3f}{sd} / {row['later_half']:.3f}"
    wide = pretrained.assign(cell=pretrained.apply(both, axis=1)).pivot(index="text", columns="model", values="cell")
    order = list(dict.fromkeys(pretrained["model"]))
    st.dataframe(wide[order].loc[list(dict.fromkeys(pretrained["text"]))], width="stretch")
    st.caption("Bits per character, overall / later half of each text (lower is better; ± the spread of two training "
               "seeds). Each memory added to the frozen SmolLM2-135M and fine-tuned under one recipe, data order and "
               "budget (900 steps of 512 tokens), beside SmolLM2 alone with the same 512-token segments (the paper's "
               "\"GPT-2\" row). docs/experiments.md has the commands and what reproduces.")

PRETRAINED_DIALOGUE = "scripts/experiments/pretrained_dialogue_table.py"
dialogue_pt = read("pretrained_dialogue.csv", PRETRAINED_DIALOGUE, ("model", "perplexity", "read_ratio", "f1"),
                   writer=PRETRAINED_DIALOGUE, optional=True)
if dialogue_pt is not None:
    st.subheader("Document-grounded dialogue on the pretrained backbone (Table 2, Figure 4)")
    table(dialogue_pt)
    st.caption("CMU-DoG test conversations, the film's document read first; perplexity of the turns alone, pooled "
               "over `conversations` of the 619 (the split is scored in seeded parts, `of` of them, a few a session); "
               "`read_ratio`: perplexity with the memory's read zeroed over perplexity, on the same tokens (above 1: "
               "the read helps). F1 / ROUGE / METEOR (%) of replies sampled for every turn of `generated` conversations; "
               "`section_ratio`: the memory's attention on the section the writer saw, against the shuffled `control_ratio` "
               "(1.0 is chance), over the conversations `section_over` names; `turn_control_ratio`: the control shuffled only "
               "among replies at the same turn (the sections are shown in order through a conversation; "
               "`turn_control_other_section`: the share of replies it gave another section than their writer's). `_low` / `_high`: 95% intervals resampling conversations (one seed). Means over the "
               "seeds of a row where there are several and they were measured over the same conversations, measure by "
               "measure (else a row a seed, named in brackets; a seed without a measure leaves it to the other's). "
               "`replies_retrained`: the replies came from the recipe trained again, other weights than the "
               "perplexity's (a memory whose weights are not kept). `paper_*`: the paper's row it stands for (GPT-2 small fine-tuned "
               "whole on CMU-DoG, another tokenizer: levels differ; compare the order and the ratios).")


def paired_table(name: str, columns, heading: str, caption: str) -> None:
    """A comparisons CSV of the table script, under its heading (nothing while it has no row yet)."""
    df = read(name, PRETRAINED_DIALOGUE, columns, writer=PRETRAINED_DIALOGUE, optional=True)
    if df is not None and not df.empty:
        st.markdown(f"**{heading}**")
        table(df)
        st.caption(caption)


paired_table("pretrained_dialogue_paired.csv", ("comparison", "ratio", "conversations"),
             "Paired on the conversations both scored",
             "`ratio`: the perplexity of `numerator` over that of `denominator` on the same conversations (above 1: "
             "the denominator is better), with its 95% interval resampling conversations; rows whose parts of the "
             "split differ are compared only where they overlap. `baseline` is SmolLM2 on the same 512-token "
             "segments, which is either ∞-former with its read zeroed; `:nodoc` the turns without the document.")
paired_table("pretrained_dialogue_replies_paired.csv", ("comparison", "replies", "f1"), "Replies paired turn by turn",
             "Each score of `numerator`'s reply less that of `denominator`'s, in points, averaged over the `replies` "
             "both generated (the same seeded sample, the same seed for each turn's sampling), with its 95% interval "
             "resampling conversations: above 0, the numerator's replies are closer to the real ones.")
FIGURE5 = RESULTS / "pretrained" / "figure5.json"
if FIGURE5.is_file():
    try:
        fig5 = json.loads(FIGURE5.read_text(encoding="utf-8"))
        phrase_tables = {name: pd.DataFrame(m["phrases"], columns=["phrase", "first_token", "tokens", "share"])
                         for name, m in fig5["models"].items()}
        counts = {name: (m["top_tenth_share"], m["effective_phrases"]) for name, m in fig5["models"].items()}
        by_section = {name: m.get("section_shares") for name, m in fig5["models"].items()}
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        st.error(f"`{FIGURE5}` could not be read ({type(e).__name__}: {e}): rerun "
                 "`scripts/experiments/pretrained_figure5.py`.")
    else:
        st.subheader(f"The phrases that hold the memory (Figure 5): {fig5.get('film', '?')}")
        show(vk.phrase_figure(phrase_tables, top=12, title="Share of the final memory held by each sentence, "
                                                           "averaged over layers"), "pretrained_figure5")
        st.caption(f"A CMU-DoG test conversation ({fig5.get('tokens', 0):,} tokens: the document, then the turns) read "
                   "by the two ∞-formers trained on SmolLM2 with each sampling. "
                   + "; ".join(f"{name}: the top tenth of phrases hold {top:.0%} of the memory, about {eff:.0f} "
                               "phrases' worth" for name, (top, eff) in counts.items())
                   + ". Each document section's share of the memory: "
                   + "; ".join(f"{name} " + ", ".join(f"{x:.0%}" for x in shares)
                               for name, shares in by_section.items() if shares)
                   + f" (the conversation's turns written looking at each: {fig5.get('turns_by_section', '?')}). "
                   "`scripts/experiments/pretrained_figure5.py` made it.")
else:
    st.caption(f"No `{FIGURE5.relative_to(RESULTS)}` in the results (optional): "
               "`scripts/experiments/pretrained_figure5.py` writes it.")

# ------------------------------------------------------------------ learning curves
st.header("Learning curves")
window = persistent(st.slider, "exp_window", 50, label="Smoothing: rolling mean over this many steps",
                    min_value=1, max_value=200)
for group, script, heading in (("sorting", SORTING, "Sorting runs"), ("lm", LM, "Language-model runs")):
    files = {f.stem.removeprefix(f"{group}-"): f.name for f in (RESULTS / "curves").glob(f"{group}-*.csv")}
    files = {run: files[run] for run in sorted(files, key=ve.run_order)}
    if not files:
        st.info(f"No learning curves of {heading.lower()} in the results yet (`curves/{group}-*.csv`): `{script}` "
                "writes them (through `scripts/experiments/tables.py`).")
        continue
    # default: all language models; the sorting runs at the middle length (the three models side by
    # side), the converged ones (Figure 3 left's, not the N sweep's) once there are any
    converged = [r for r in files if r.startswith("converged-") and "-512-" in r and "-n" not in r]
    default = (list(files) if group == "lm" else converged
               or [r for r in files if r.endswith("-512")] or list(files)[:3])
    chosen = persistent(st.multiselect, f"exp_curves_{group}", default, label=heading, options=list(files),
                        valid=lambda v, files=files: [r for r in v if r in files],
                        format_func=ve.label if group == "lm" else str)
    curves = {}
    for run in chosen:
        df = read(f"curves/{files[run]}", script, ve.CURVE_COLUMNS[group])
        if df is not None:
            curves[ve.label(run) if group == "lm" else run] = df
    if curves:
        show(ve.learning_curves_figure(curves, window, title=f"Learning curves: {heading.lower()}"), f"curves_{group}")
