"""Issue 27's Table 2 and Figure 4 on the pretrained backbone, from scripts/experiments/pretrained_dialogue.sh:
perplexity pooled over the parts of the test split (results/pretrained/NAME/dialogue-part-I-of-N.json,
dialogue-nodoc-… for the "without document" row), replies pooled over the parts of their seeded sample
(dialogue-replies-seedS-part-I-of-R.json; dialogue-replies-seedS.json, one file, where those are not all done);
Figure 4 from the parts that measured it (SECTIONS=1: the perplexity part itself, or
dialogue-sections-part-I-of-N.json for a part scored before), else dialogue-sections-seedS.json
(`--section-attention` on a seeded sample, no replies generated), else the replies' sample. Seeds of one
variant that were measured over the same conversations are shown as mean ± standard deviation (measure by
measure: a seed without replies yet leaves that cell to the other's); seeds measured over different ones (one
seed's six parts done, another's one) apart, one row each, since a mean of numbers over
different conversations compares nothing (--pair compares them where they overlap); one seed with its 95%
bootstrap interval over conversations.

    python scripts/experiments/pretrained_dialogue_table.py [--results results/pretrained] [--reply-seed 1]
        [--row "LABEL=NAME[,NAME...]"] ... [--csv results/pretrained_dialogue.csv]
(NAME:nodoc reads the without-document files.) Prints Markdown: Table 2 (perplexity, with the read
zeroed and their ratio, F1, ROUGE-1, ROUGE-L, METEOR in %), Figure 4 (the section-attention ratio of the
writer's section against the shuffled control, and against one shuffled only among replies at the same
turn) and paired comparisons (--pair "LABEL=A/B": A's perplexity ÷ B's on the conversations both scored, so
rows with different parts done still compare fairly) and the replies paired turn by turn (--reply-pair
"LABEL=A/B": A's score − B's on the turns both answered, from the replies' parts, which keep each reply's scores);
--csv writes Table 2 and Figure 4 one row per model, --paired-csv the comparisons, for the Experiments page.
"""
from __future__ import annotations

import argparse
import csv
import json
import re
import statistics
from pathlib import Path

from tables import PAPER_DIALOGUE  # the paper's Table 2 (GPT-2 small), beside each row it corresponds to

from infformer.experiments.dialogue.pooling import paired, paired_replies, pool_parts, pool_replies
from infformer.experiments.dialogue.section_attention import summarize_rows

ROOT = Path(__file__).resolve().parents[2]
# LABEL=A/B: A's perplexity ÷ B's on the conversations both scored, whatever parts each has done.
# The backbone on 512-token segments is the ∞-former with its read zeroed (the memory's output
# projection starts at zero and the backbone is frozen: same nats, conversation by conversation, on
# part 1), so "baseline ÷ ∞-former" is what the read is worth without a second pass of each model.
DEFAULT_PAIRS = ["the document, to SmolLM2=baseline:nodoc/baseline",
                 "the document, to the ∞-former=variant-ltm-s0:nodoc/variant-ltm-s0",
                 "the read, to the ∞-former=baseline/variant-ltm-s0",
                 "the read, to sticky=baseline/infformer-mix",
                 "the memory of the turns alone (no document)=baseline:nodoc/variant-ltm-s0:nodoc",
                 "linear against sticky=variant-ltm-s0/infformer-mix",
                 # the same comparison on the second seeds: is "linear beats sticky" more than one seed's luck?
                 "linear against sticky, second seeds=variant-ltm-s1/variant-sticky-s1",
                 "the Compressive memory, to SmolLM2=baseline/variant-compressive-s0",
                 "Compressive against the ∞-former=variant-compressive-s0/variant-ltm-s0",
                 # the Compressive memory trained again in float32 (whose replies Table 2 shows) against the bf16 one
                 "the Compressive memory trained again, against the first=variant-compressive-f32/variant-compressive-s0",
                 "the ∞-former's second seed against its first=variant-ltm-s1/variant-ltm-s0",
                 "sticky's second seed against its first=variant-sticky-s1/infformer-mix"]
# which of the paper's rows each default row stands for (SmolLM2 plays GPT-2's part)
PAPER_ROW = {"SmolLM2, without document": "stm-nodoc", "SmolLM2, 512-token segments": "stm",
             "Compressive": "compressive", "∞-former": "ltm", "∞-former, sticky": "sticky"}
REPLY_SCORES = ("f1", "rouge1", "rougeL", "meteor")   # METEOR where the replies were scored with WordNet installed
# LABEL=A/B: A's reply scores − B's, turn by turn, on the replies both generated (the same seeded sample)
DEFAULT_REPLY_PAIRS = ["the ∞-former against SmolLM2=variant-ltm-s0/baseline",
                       "the ∞-former against SmolLM2 without the document=variant-ltm-s0/baseline:nodoc",
                       "sticky against SmolLM2=infformer-mix/baseline",
                       "linear against sticky=variant-ltm-s0/infformer-mix",
                       "Compressive against SmolLM2=variant-compressive-s0/baseline",
                       "the ∞-former against Compressive=variant-ltm-s0/variant-compressive-s0",
                       "the document, to SmolLM2=baseline/baseline:nodoc"]
REPLY_PAIR_COLUMNS = ("comparison", "numerator", "denominator", "conversations", "replies",
                      *(f"{k}{end}" for k in REPLY_SCORES for end in ("", "_low", "_high")))
PAIR_COLUMNS = ("comparison", "numerator", "denominator", "conversations", "tokens", "ratio", "ratio_low", "ratio_high")
DEFAULT_ROWS = ["SmolLM2, without document=baseline:nodoc", "SmolLM2, 512-token segments=baseline",
                "Compressive=variant-compressive-s0", "∞-former, without document=variant-ltm-s0:nodoc",
                "∞-former=variant-ltm-s0,variant-ltm-s1",
                "∞-former, sticky=infformer-mix,variant-sticky-s1"]
CSV_COLUMNS = ("model", "runs", "conversations", "of", "perplexity", "perplexity_low", "perplexity_high",
               "read_zeroed", "read_ratio", "read_ratio_low", "read_ratio_high", "generated", "f1", "rouge1",
               "rougeL", "meteor", "section_ratio", "control_ratio", "difference_low", "difference_high",
               "turn_control_ratio", "turn_difference_low", "turn_difference_high", "turn_control_other_section",
               "section_over", "replies_retrained",
               "paper_model", "paper_perplexity", "paper_f1", "paper_rouge1", "paper_rougeL", "paper_meteor")


def stem_of(name: str) -> tuple[str, str]:
    """NAME or NAME:nodoc -> (the model's folder, its files' stem)."""
    name, _, kind = name.partition(":")
    return name, "dialogue-nodoc" if kind == "nodoc" else "dialogue"


def part_files(results: Path, name: str, kind: str = "") -> dict:
    """{(I, N): report} of NAME's {stem}{kind}-part-I-of-N.json files (NAME:nodoc: without the document)."""
    name, stem = stem_of(name)
    stem += kind
    found = {}
    for path in sorted((results / name).glob(f"{stem}-part-*-of-*.json")):
        m = re.fullmatch(rf"{stem}-part-(\d+)-of-(\d+)\.json", path.name)
        if m:
            found[int(m[1]), int(m[2])] = json.loads(path.read_text())
    return found


def largest_cut(found: dict) -> list:
    """The reports of the cut (N) with the most parts done, when a model was cut more than one way."""
    cuts = {}
    for (_, n), report in sorted(found.items()):
        cuts.setdefault(n, []).append(report)
    return max(cuts.values(), key=len) if cuts else []


def parts_of(results: Path, name: str) -> list:
    """The perplexity part reports of NAME (see `part_files`), of its largest cut."""
    return largest_cut(part_files(results, name))


def figure4_parts(results: Path, name: str, scored: dict | None = None) -> list:
    """Every part with Figure 4's rows: the perplexity part's own where it measured them (`SECTIONS=1`), else
    the part's dialogue-sections-part file (Figure 4 measured on a part scored before). scored: NAME's
    `part_files`, when read already."""
    scored = part_files(results, name) if scored is None else scored
    later = part_files(results, name, "-sections")
    chosen = {k: scored[k] if "section_rows" in scored.get(k, {}) else later.get(k) for k in scored.keys() | later.keys()}
    return largest_cut({k: r for k, r in chosen.items() if r is not None and "section_rows" in r})


def reply_parts(results: Path, name: str, reply_seed: int) -> dict | None:
    """NAME's replies parts (dialogue-replies-seedS-part-I-of-R.json) pooled, whatever number is done; None when
    there are none."""
    found = largest_cut(part_files(results, name, f"-replies-seed{reply_seed}"))
    return pool_replies(found) if found else None


def replies_of(results: Path, name: str, reply_seed: int) -> dict | None:
    """The replies shown in Table 2: their parts pooled when all are done or there is no one-file run
    (dialogue-replies-seedS.json, made before the replies came in parts), else that file."""
    parts = reply_parts(results, name, reply_seed)
    name, stem = stem_of(name)
    whole = results / name / f"{stem}-replies-seed{reply_seed}.json"
    if parts is not None and (parts["complete"] or not whole.is_file()):
        return parts
    return json.loads(whole.read_text()) if whole.is_file() else None


def load(results: Path, name: str, reply_seed: int, figure4_source: str = "parts") -> dict | None:
    """{perplexity: pooled parts or None, figure4: the parts with Figure 4 pooled or None, replies, sections:
    the replies (`replies_of`) and the seeded Figure 4 sample's report or None}; None when none exists.
    figure4_source "sample": Figure 4 from the fresh seed's sample (the sections file, else the replies'),
    not from the parts."""
    scored = part_files(results, name)
    parts = largest_cut(scored)
    pooled = pool_parts(parts) if parts else None
    measured = figure4_parts(results, name, scored)
    # parts that measured Figure 4 as they were scored pool into both at once
    figure4 = pooled if measured and measured == parts else pool_parts(measured) if measured else None
    if figure4_source == "sample":
        figure4 = None
    found = {"replies": replies_of(results, name, reply_seed)}
    folder, stem = stem_of(name)
    path = results / folder / f"{stem}-sections-seed{reply_seed}.json"
    found["sections"] = json.loads(path.read_text()) if path.is_file() else None
    if pooled is None and figure4 is None and not any(found.values()):
        return None
    return {"perplexity": pooled, "figure4": figure4, **found}


def values(reports: list, get) -> list:
    out = []
    for r in reports:
        try:
            v = get(r)
        except (KeyError, TypeError):
            v = None
        if v is not None:
            out.append(v)
    return out


def cell(reports: list, value, interval=None, scale: float = 1.0, digits: int = 2) -> str:
    """Mean ± sd over seeds; one seed with its interval [low, high] when the report has one."""
    got = values(reports, value)
    if not got:
        return "–"
    if len(got) > 1:
        return f"{scale * statistics.mean(got):.{digits}f} ± {scale * statistics.stdev(got):.{digits}f} (n={len(got)})"
    ci = (values(reports, interval) or [None])[0] if interval else None
    text = f"{scale * got[0]:.{digits}f}"
    return text + (f" [{scale * ci[0]:.{digits}f}, {scale * ci[1]:.{digits}f}]" if ci else "")


def measured_over(r: dict) -> tuple:
    """What a report's numbers were measured over: the split's seed and parts for the perplexity, the seeded sample
    for the replies, and for Figure 4 whichever source `sections_source` reads (the parts, the sections file's
    sample or the replies'). Seeds agreeing on it saw the same conversations."""
    def split(p):
        return p and (p["seed"], tuple(p["parts"]), p["of"])

    def sample(s):   # a sample's seed and size (replies generated, or a sections file's), which parts when not all
        return s and (s.get("seed"), s.get("generated_conversations") or s.get("conversations"),
                      None if s.get("complete", True) else tuple(s["parts"]))
    f = r.get("figure4") or {}
    if f.get("section_attention"):
        figure4 = "parts", split(f)
    elif (r.get("sections") or {}).get("section_attention_all"):
        figure4 = "sections", sample(r["sections"])
    elif (r.get("replies") or {}).get("section_attention"):
        figure4 = "replies", sample(r["replies"])
    else:
        figure4 = None
    return split(r["perplexity"]), figure4, sample(r["replies"])


def row_reports(results: Path, rows: list, reply_seed: int, figure4_source: str = "parts"):
    """(label, the row's label in --row, its seeds' reports) for each row with a report: one row of all its seeds
    when, measure by measure, the seeds that have it measured it over the same conversations (a seed with no
    replies yet does not part the row: its replies cell is the other seed's, with its interval), else one row a
    seed, labelled "LABEL (NAME)"."""
    for label, names in (r.split("=", 1) for r in rows):
        found = [(n, x) for n, x in ((n, load(results, n, reply_seed, figure4_source)) for n in names.split(",")) if x is not None]
        if all(len({m for m in measure if m}) <= 1 for measure in zip(*(measured_over(x) for _, x in found))):
            if found:
                yield label, label, [x for _, x in found]
        else:
            for n, x in found:
                yield f"{label} ({n})", label, [x]


def ppl(r):
    return r["perplexity"]["perplexity"]


def zeroed(r):
    return r["perplexity"]["without_ltm_read"]["perplexity"]


def ratio(r):
    return r["perplexity"]["without_ltm_read"]["ratio"]


def coverage(reports: list) -> str:
    done = sorted({f"{p['conversations']}" + ("" if p["complete"] else f" ({len(p['parts'])} of {p['of']} parts)")
                   for p in (r["perplexity"] for r in reports) if p})
    generated = sorted({str(r["replies"]["generated_conversations"]) + (
        "" if r["replies"].get("complete", True) else f" ({len(r['replies']['parts'])} of {r['replies']['of']} parts)")
        for r in reports if r["replies"]})
    return f"{', '.join(done) or '–'} / {', '.join(generated) or '–'}"


def replies_retrained(r) -> bool | None:
    """Whether a report's replies came from other weights than its perplexity: the recipe trained again (the
    Compressive memory, whose weights are not kept), both digests recorded and different; None when unknown."""
    scored, replied = ((r.get(k) or {}).get("model_sha256") for k in ("perplexity", "replies"))
    return scored != replied if scored and replied else None


def row_retrained(reports: list) -> bool | None:
    """`replies_retrained` of a row: whether any of its seeds' replies came from other weights; None when unknown."""
    known = [x for x in map(replies_retrained, reports) if x is not None]
    return any(known) if known else None


RETRAINED_NOTE = ("† replies from the same recipe trained again: other weights than its perplexity's (their "
                  "model_sha256 differ; a memory whose weights are not kept, e.g. trained in float32 where the scored "
                  "one trained under bf16)")


def table2(results: Path, rows: list, reply_seed: int = 1) -> str:
    head = ["model", "perplexity", "read zeroed", "zeroed ÷ with", "F1 %", "ROUGE-1 %", "ROUGE-L %", "METEOR %",
            "conversations / generated"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    marked = False
    for label, _, reports in row_reports(results, rows, reply_seed):
        cells = [cell(reports, ppl, lambda r: r["perplexity"]["perplexity_ci95"]),
                 cell(reports, zeroed),
                 cell(reports, ratio, lambda r: r["perplexity"]["without_ltm_read"]["ratio_ci95"], digits=4)]
        for k in REPLY_SCORES:
            cells.append(cell(reports, lambda r, k=k: r["replies"][k], lambda r, k=k: r["replies"][f"{k}_ci95"], scale=100))
        retrained = row_retrained(reports) is True
        marked |= retrained
        lines.append(f"| {label}{' †' if retrained else ''} | " + " | ".join(cells) + f" | {coverage(reports)} |")
    if marked:
        lines += ["", RETRAINED_NOTE]
    return "\n".join(lines)


def sections_source(r) -> tuple[dict | None, str]:
    """Figure 4 and what it was measured over: every conversation of the parts that measured it (all of
    the split when every part has), else the sections file's seeded sample, else the replies' sample."""
    f = r.get("figure4") or {}
    if f.get("section_attention"):
        return f["section_attention"], f"{f['conversations']} conversations" + (
            "" if f["complete"] else f" ({len(f['parts'])} of {f['of']} parts)")
    if (r.get("sections") or {}).get("section_attention_all"):
        s = r["sections"]   # summarised again from its rows: files made before the turn-matched control get it
        summary = summarize_rows(s["section_rows"], s["seed"]) if s.get("section_rows") else s["section_attention_all"]
        return summary, f"{s['conversations']} conversations (seed {s['seed']})"
    if (r.get("replies") or {}).get("section_attention"):
        s = r["replies"]
        return s["section_attention"], f"{s['generated_conversations']} conversations (replies' sample, seed {s['seed']})"
    return None, ""


def sections(r):
    return sections_source(r)[0]


def sections_over(r) -> str:
    return sections_source(r)[1]


def intervals(reports: list, key: str) -> str:
    """Each seed's Figure 4 interval `key`, side by side."""
    return "; ".join(f"[{a:.3f}, {b:.3f}]" for a, b in values(reports, lambda r: sections(r)[key])) or "–"


def figure4(results: Path, rows: list, reply_seed: int = 1, source: str = "parts") -> str:
    head = ["model", "writer's section", "control (docIdx shuffled)", "writer's − control",
            "control matched by turn", "writer's − matched", "share matched to another section", "replies", "over"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, _, reports in row_reports(results, rows, reply_seed, source):
        reports = [r for r in reports if values([r], sections)]
        if not reports:
            continue
        lines.append(f"| {label} | {cell(reports, lambda r: sections(r)['mean_ratio'], lambda r: sections(r)['mean_ratio_ci95'], digits=3)}"
                     f" | {cell(reports, lambda r: sections(r)['control_mean_ratio'], lambda r: sections(r)['control_mean_ratio_ci95'], digits=3)}"
                     f" | {intervals(reports, 'difference_ci95')}"
                     f" | {cell(reports, lambda r: sections(r)['turn_control_mean_ratio'], lambda r: sections(r)['turn_control_mean_ratio_ci95'], digits=3)}"
                     f" | {intervals(reports, 'turn_difference_ci95')}"
                     f" | {cell(reports, lambda r: sections(r)['turn_control_other_section'])}"
                     f" | {', '.join(str(sections(r)['replies']) for r in reports)}"
                     f" | {', '.join(sections_over(r) for r in reports)} |")
    return "\n".join(lines)


def by_section(results: Path, name: str) -> list:
    """Figure 4 section by section, over NAME's parts that measured it: each document section's mean ratio
    over the replies whose writer saw it and over those whose writer saw another, and the mean turn of the
    first. CMU-DoG shows the sections in order as a conversation goes on (section 0 first), so a control that
    shuffles sections across replies also shuffles times: this compares each section with itself."""
    rows = [row for r in figure4_parts(results, name) for row in r["section_rows"]]
    out = []
    for s in range(len(rows[0]["ratios"]) if rows else 0):
        saw = [r["ratios"][s] for r in rows if r["doc_idx"] == s and r["ratios"][s] is not None]
        other = [r["ratios"][s] for r in rows if r["doc_idx"] != s and r["ratios"][s] is not None]
        turns = [r["turn"] for r in rows if r["doc_idx"] == s]
        out.append({"section": s, "writer_saw_it": statistics.mean(saw) if saw else None, "replies": len(saw),
                    "writer_saw_another": statistics.mean(other) if other else None, "other_replies": len(other),
                    "mean_turn": statistics.mean(turns) if turns else None})
    return out


def by_section_table(results: Path, names: list) -> str:
    head = ["model", "section", "ratio, writer saw it", "replies", "ratio, writer saw another", "replies",
            "mean turn it was shown"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def num(x, digits=3):
        return "–" if x is None else f"{x:.{digits}f}"
    for name in names:
        for r in by_section(results, name):
            lines.append(f"| {name} | {r['section']} | {num(r['writer_saw_it'])} | {r['replies']} | "
                         f"{num(r['writer_saw_another'])} | {r['other_replies']} | {num(r['mean_turn'], 1)} |")
    return "\n".join(lines)


def pair_rows(results: Path, pairs: list) -> list:
    """One row per LABEL=A/B whose two evaluations share conversations (PAIR_COLUMNS)."""
    out = []
    for label, ab in (p.split("=", 1) for p in pairs):
        a, b = ab.split("/")
        got = paired(parts_of(results, a), parts_of(results, b))
        if got:
            ci = got["ratio_ci95"] or [None, None]
            out.append({"comparison": label, "numerator": a, "denominator": b, "conversations": got["conversations"],
                        "tokens": got["tokens"], "ratio": got["ratio"], "ratio_low": ci[0], "ratio_high": ci[1]})
    return out


def paired_table(results: Path, pairs: list) -> str:
    head = ["comparison", "A ÷ B (perplexity)", "A", "B", "conversations"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in pair_rows(results, pairs):
        ci = f" [{r['ratio_low']:.4f}, {r['ratio_high']:.4f}]" if r["ratio_low"] is not None else ""
        lines.append(f"| {r['comparison']} | {r['ratio']:.4f}{ci} | {r['numerator']} | {r['denominator']} | {r['conversations']} |")
    return "\n".join(lines)


def reply_pair_rows(results: Path, pairs: list, reply_seed: int = 1) -> list:
    """One row per LABEL=A/B whose replies' parts share turns (REPLY_PAIR_COLUMNS; scores in points)."""
    out = []
    for label, ab in (p.split("=", 1) for p in pairs):
        a_name, b_name = ab.split("/")
        a, b = reply_parts(results, a_name, reply_seed), reply_parts(results, b_name, reply_seed)
        got = paired_replies(a, b) if a and b else None
        if got:
            row = {"comparison": label, "numerator": a_name, "denominator": b_name,
                   "conversations": got["conversations"], "replies": got["replies"]}
            for k in REPLY_SCORES:
                ci = got.get(f"{k}_ci95") or [None, None]
                row |= {k: got.get(k), f"{k}_low": ci[0], f"{k}_high": ci[1]}
            out.append({c: (100 * v if isinstance(v, float) else v) for c, v in row.items()})
    return out


def reply_paired_table(results: Path, pairs: list, reply_seed: int = 1) -> str:
    head = ["comparison", *(f"{k} A − B (points)" for k in ("F1", "ROUGE-1", "ROUGE-L", "METEOR")), "conversations / replies"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]

    def num(r, k):
        if r[k] is None:
            return "–"
        return f"{r[k]:+.2f}" + (f" [{r[k + '_low']:+.2f}, {r[k + '_high']:+.2f}]" if r[k + "_low"] is not None else "")
    for r in reply_pair_rows(results, pairs, reply_seed):
        lines.append(f"| {r['comparison']} ({r['numerator']} − {r['denominator']}) | "
                     + " | ".join(num(r, k) for k in REPLY_SCORES) + f" | {r['conversations']} / {r['replies']} |")
    return "\n".join(lines)


def csv_rows(results: Path, rows: list, reply_seed: int = 1) -> list:
    """One row per model (per seed where its seeds cover different conversations, see `row_reports`): the mean
    over its seeds (a single seed's interval where there is one seed)."""
    def mean(reports, get):
        got = values(reports, get)
        return statistics.mean(got) if got else None

    def one(reports, get, k):
        got = values(reports, get)
        return got[0][k] if len(reports) == 1 and got else None

    out = []
    for label, row, reports in row_reports(results, rows, reply_seed):
        parts = [r["perplexity"] for r in reports if r["perplexity"]]
        out.append({"model": label, "runs": len(reports),
                    "conversations": parts[0]["conversations"] if parts else None,   # the seeds of a row share them
                    "of": parts[0]["of"] if parts else None,
                    "perplexity": mean(reports, ppl),
                    "perplexity_low": one(reports, lambda r: r["perplexity"]["perplexity_ci95"], 0),
                    "perplexity_high": one(reports, lambda r: r["perplexity"]["perplexity_ci95"], 1),
                    "read_zeroed": mean(reports, zeroed), "read_ratio": mean(reports, ratio),
                    "read_ratio_low": one(reports, lambda r: r["perplexity"]["without_ltm_read"]["ratio_ci95"], 0),
                    "read_ratio_high": one(reports, lambda r: r["perplexity"]["without_ltm_read"]["ratio_ci95"], 1),
                    "generated": mean(reports, lambda r: r["replies"]["generated_conversations"]),
                    **{k: mean(reports, lambda r, k=k: r["replies"][k]) for k in REPLY_SCORES},
                    "section_ratio": mean(reports, lambda r: sections(r)["mean_ratio"]),
                    "control_ratio": mean(reports, lambda r: sections(r)["control_mean_ratio"]),
                    "difference_low": one(reports, lambda r: sections(r)["difference_ci95"], 0),
                    "difference_high": one(reports, lambda r: sections(r)["difference_ci95"], 1),
                    "turn_control_ratio": mean(reports, lambda r: sections(r)["turn_control_mean_ratio"]),
                    "turn_difference_low": one(reports, lambda r: sections(r)["turn_difference_ci95"], 0),
                    "turn_difference_high": one(reports, lambda r: sections(r)["turn_difference_ci95"], 1),
                    "turn_control_other_section": mean(reports, lambda r: sections(r)["turn_control_other_section"]),
                    "section_over": "; ".join(sections_over(r) for r in reports if sections(r)) or None,
                    "replies_retrained": row_retrained(reports),
                    **dict(zip(CSV_COLUMNS[-6:], PAPER_DIALOGUE.get(PAPER_ROW.get(row), (None,) * 6)))})
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--results", type=Path, default=ROOT / "results" / "pretrained")
    p.add_argument("--reply-seed", type=int, default=1, help="which replies files (dialogue-replies-seedS.json)")
    p.add_argument("--figure4-source", choices=("parts", "sample"), default="parts",
                   help="Figure 4 from the parts of the split that measured it (default), or from the fresh seed's "
                        "sample (dialogue-sections-seedS.json, else the replies')")
    p.add_argument("--row", action="append", help="LABEL=NAME[,NAME...] (seeds pooled; NAME:nodoc)")
    p.add_argument("--pair", action="append", help="LABEL=A/B: A's perplexity ÷ B's on the conversations both scored")
    p.add_argument("--by-section", action="append", metavar="NAME",
                   help="also Figure 4 section by section for NAME (each section with itself: writer saw it or not)")
    p.add_argument("--csv", type=Path, help="also write the rows here, for the Experiments page")
    p.add_argument("--paired-csv", type=Path, help="also write the paired comparisons here, for the Experiments page")
    p.add_argument("--reply-pair", action="append",
                   help="LABEL=A/B: A's reply scores − B's on the turns both answered (their replies' parts)")
    p.add_argument("--reply-paired-csv", type=Path, help="also write the replies' paired comparisons here")
    args = p.parse_args()
    rows = args.row or DEFAULT_ROWS
    print("Table 2, CMU-DoG test (document first; F1 / ROUGE / METEOR in %)\n")
    print(table2(args.results, rows, args.reply_seed))
    print("\nFigure 4, the section-attention ratio (1.0 is chance)\n")
    print(figure4(args.results, rows, args.reply_seed, args.figure4_source))
    if args.by_section:
        print("\nFigure 4 section by section (the sections are shown in order as a conversation goes on)\n")
        print(by_section_table(args.results, args.by_section))
    pairs = args.pair or DEFAULT_PAIRS
    print("\nPaired on the conversations both scored (A ÷ B > 1: B is better)\n")
    print(paired_table(args.results, pairs))
    reply_pairs = args.reply_pair or DEFAULT_REPLY_PAIRS
    print("\nReplies paired turn by turn (A − B > 0: A's replies are closer to the real ones)\n")
    print(reply_paired_table(args.results, reply_pairs, args.reply_seed))
    if args.csv:
        with args.csv.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
            w.writeheader()
            w.writerows(csv_rows(args.results, rows, args.reply_seed))
        print(f"\n{args.csv}")
    if args.paired_csv:
        with args.paired_csv.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=PAIR_COLUMNS)
            w.writeheader()
            w.writerows(pair_rows(args.results, pairs))
        print(args.paired_csv)
    if args.reply_paired_csv:
        with args.reply_paired_csv.open("w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=REPLY_PAIR_COLUMNS)
            w.writeheader()
            w.writerows(reply_pair_rows(args.results, reply_pairs, args.reply_seed))
        print(args.reply_paired_csv)


if __name__ == "__main__":
    main()
