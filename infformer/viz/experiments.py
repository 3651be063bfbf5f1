"""The experiments' figures: sorting accuracy by length and by N beside the paper's Figure 3,
held-out perplexity beside the paper's Table 1, perplexity by position in the held-out text, and
learning curves. Inputs are the DataFrames of the CSVs that scripts/experiments/tables.py writes
under results/ (its column names); on every figure a solid line is ours, a dashed one the paper's.
"""
from __future__ import annotations

import re

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .common import add_note, head_color, style

# Our variant names and their labels (as scripts/experiments/tables.py writes them in lm.csv),
# with one colour each on every figure; the sticky colour is the Sticky memories page's.
VARIANTS = {"none": "local attention only", "stm": "Transformer-XL (STM only)",
            "compressive": "Compressive Transformer", "ltm": "∞-former", "sticky": "∞-former, sticky memories"}
COLORS = {"none": "#888", "stm": head_color(0), "compressive": head_color(1), "ltm": head_color(2),
          "sticky": head_color(3)}

# The columns each figure reads, per file (the page names a missing one).
COLUMNS = {
    "sorting_by_length.csv": ("variant", "length", "accuracy", "accuracy_stderr", "paper_length", "paper_accuracy"),
    "sorting_by_basis.csv": ("length", "num_basis", "accuracy", "accuracy_stderr", "regression_error",
                             "paper_num_basis", "paper_accuracy", "paper_regression_error"),
    "lm.csv": ("variant", "perplexity", "paper_model", "paper_wikitext103", "paper_pg19"),
    "lm_by_position.csv": ("variant", "start_fraction", "end_fraction", "perplexity"),
    "sorting_ceilings.csv": ("length", "rule", "accuracy"),
    "sorting_converged_by_length.csv": ("variant", "length", "accuracy", "seed_low", "seed_high", "seeds",
                                        "paper_length", "paper_accuracy"),
    "sorting_converged_by_basis.csv": ("length", "num_basis", "accuracy", "seed_low", "seed_high", "regression_error",
                                       "paper_num_basis", "paper_accuracy", "paper_regression_error"),
    "sorting_regression_by_basis.csv": ("widths", "num_basis", "regression_error"),
}
REFERENCE = "#999"  # the no-training reference lines (scripts/experiments/sorting_ceilings.py)
CURVE_COLUMNS = {"sorting": ("step", "loss", "accuracy", "valid_accuracy"), "lm": ("step", "loss", "val_loss")}


def label(variant: str) -> str:
    return VARIANTS.get(variant, variant)


def run_order(name: str) -> tuple:
    """Sort key of run names ("ltm", "stm-512", "ltm-512-n16"): by variant as in VARIANTS, then by
    the numbers in the name (so 256 before 1024)."""
    variant = name.split("-")[0]
    rank = list(VARIANTS).index(variant) if variant in VARIANTS else len(VARIANTS)
    return rank, [int(p) for p in re.findall(r"\d+", name)], name


def _variants(df: pd.DataFrame) -> list:
    """The variants present, in the order of VARIANTS (unknown ones last)."""
    present = list(dict.fromkeys(df["variant"]))
    return [v for v in VARIANTS if v in present] + [v for v in present if v not in VARIANTS]


def _line(x, y, name, color, paper=False, error=None, error_minus=None, **kwargs) -> go.Scatter:
    """Ours solid with error bars (± error, or +error / −error_minus), the paper's dashed with diamonds."""
    bars = None if error is None else dict(type="data", array=error, thickness=1)
    if bars is not None and error_minus is not None:
        bars.update(symmetric=False, arrayminus=error_minus)
    return go.Scatter(x=x, y=y, mode="lines+markers", name=name, line=dict(color=color, dash="dash" if paper else None),
                      marker=dict(symbol="diamond" if paper else "circle", size=8), error_y=bars, **kwargs)


def _error_bars(d: pd.DataFrame) -> dict:
    """The seeds' lowest to highest where the table pools seeds (seed_low, seed_high), else ± 1 standard error."""
    if {"seed_low", "seed_high"} <= set(d.columns):
        return dict(error=d["seed_high"] - d["accuracy"], error_minus=d["accuracy"] - d["seed_low"])
    return dict(error=d["accuracy_stderr"])


def _error_note(df: pd.DataFrame) -> str:
    if {"seed_low", "seed_high"} <= set(df.columns):
        return "Points: the mean over training seeds; error bars: the lowest and the highest seed."
    return "Error bars: ± 1 standard error."


def sorting_by_length_figure(df: pd.DataFrame, title: str = "Sorting: accuracy against sequence length "
                             "(the paper's Figure 3, left)", ceilings: pd.DataFrame | None = None) -> go.Figure:
    """Two panels sharing the accuracy axis: ours by our lengths, the paper's by its lengths. With
    `ceilings` (sorting_ceilings.csv: length, rule, accuracy), the accuracies of rules that need no
    training as thin grey dotted lines on ours, each labelled with its rule at its shortest length."""
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04)
    for rule, d in ([] if ceilings is None else ceilings.groupby("rule", sort=False)):
        d = d.sort_values("length")
        top = d["accuracy"].iloc[0] > 90  # the 100% line: its label below it, inside the axis
        fig.add_trace(go.Scatter(x=d["length"], y=d["accuracy"], mode="lines+text", name=rule, showlegend=False,
                                 line=dict(color=REFERENCE, dash="dot", width=1),
                                 text=[rule] + [""] * (len(d) - 1), textfont=dict(color=REFERENCE, size=10),
                                 textposition="bottom right" if top else "top right",
                                 hovertemplate=f"{rule} (no training)<br>length %{{x:,}}: %{{y:.1f}}%<extra></extra>"),
                      row=1, col=1)
    for v in _variants(df):
        d = df[df["variant"] == v].sort_values("length")
        name, color = label(v), COLORS.get(v, "#444")
        fig.add_trace(_line(d["length"], d["accuracy"], name, color, **_error_bars(d), legendgroup=v,
                            hovertemplate=f"{name}<br>length %{{x:,}}: %{{y:.1f}}%<extra></extra>"), row=1, col=1)
        paper = d.dropna(subset=["paper_length", "paper_accuracy"])
        if len(paper):
            fig.add_trace(_line(paper["paper_length"], paper["paper_accuracy"], f"{name}, paper", color, paper=True,
                                legendgroup=v, showlegend=False,
                                hovertemplate=f"{name}, paper<br>length %{{x:,}}: %{{y:.1f}}%<extra></extra>"),
                          row=1, col=2)
    # lengths double from point to point in both panels: log axes space them alike
    for col, column, whose in ((1, "length", "ours (CPU scale)"), (2, "paper_length", "the paper's")):
        ticks = sorted(set(df[column].dropna()) | set(() if ceilings is None or col == 2 else ceilings["length"]))
        fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{n:,.0f}" for n in ticks],
                         title_text=f"{whose}: sequence length (tokens)", row=1, col=col)
    fig.update_yaxes(title_text="accuracy (%)", range=[0, 100], row=1, col=1)
    style(fig, title, height=400)
    return add_note(fig, "Lengths correspond by length ÷ (segment + short-term memory) = 2, 4, 8. "
                         + _error_note(df) + ("" if ceilings is None else
                                                             " Grey dotted: rules without training."))


def sorting_by_basis_figure(df: pd.DataFrame) -> go.Figure:
    """Accuracy and regression error against N (the ∞-former at one length), ours and the paper's,
    the paper's at its own N (16 × ours) placed at ours."""
    d = df.sort_values("num_basis")
    lengths = ", ".join(f"{n:,}" for n in sorted(d["length"].unique()))
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.1)
    color = COLORS["ltm"]
    # an optional `widths` column: one line of ours per basis-width setting (the reference's first)
    groups = list(d.groupby("widths", sort=False)) if "widths" in d else [(None, d)]
    for col, ours, paper in ((1, "accuracy", "paper_accuracy"), (2, "regression_error", "paper_regression_error")):
        for k, (widths, g) in enumerate(groups):
            name = "∞-former, ours" + ("" if widths is None else f": widths {widths}")
            trace = _line(g["num_basis"], g[ours], name, color, legendgroup=name, showlegend=col == 1,
                          **(_error_bars(g) if ours == "accuracy" else {}),
                          hovertemplate="N = %{x}: %{y:.3g}<extra>ours</extra>")
            if k:
                trace.line.dash, trace.marker.symbol, trace.opacity = "dot", "square", 0.8
            fig.add_trace(trace, row=1, col=col)
        p = d.dropna(subset=[paper])
        fig.add_trace(_line(p["num_basis"], p[paper], "∞-former, paper", color, paper=True, legendgroup="paper",
                            showlegend=col == 1, customdata=p["paper_num_basis"],
                            hovertemplate="paper's N = %{customdata:,}: %{y:.3g}<extra>paper</extra>"), row=1, col=col)
    ticks = d[["num_basis", "paper_num_basis"]].drop_duplicates("num_basis")
    text = [f"{n:g}" if pd.isna(p) else f"{n:g}<br>(paper {p:,.0f})" for n, p in ticks.itertuples(index=False)]
    fig.update_xaxes(type="log", tickvals=ticks["num_basis"], ticktext=text, title_text="N, basis functions")
    fig.update_yaxes(title_text="accuracy (%)", row=1, col=1)
    fig.update_yaxes(title_text="regression error, mean ‖X̄(tᵢ) − xᵢ‖ / ‖xᵢ‖", rangemode="tozero",
                     row=1, col=2)
    style(fig, f"Sorting at length {lengths}: varying N (the paper's Figure 3, right)", height=400)
    return add_note(fig, "The paper's values are read off its plot (± 0.3 points); its regression error may be "
                         "defined differently from ours. " + _error_note(df))


def lm_perplexity_figure(df: pd.DataFrame, title: str = "Held-out perplexity: ours on Austen, "
                         "the paper's on WikiText-103 and PG-19 (Table 1)") -> go.Figure:
    """One row per model, one panel per corpus (each with its own scale; lower is better)."""
    variants = _variants(df)
    rows = df.set_index("variant").loc[variants]
    names = [label(v) for v in variants]
    fig = make_subplots(rows=1, cols=3, shared_yaxes=True, horizontal_spacing=0.07,
                        column_titles=["ours: Austen, held out", "paper: WikiText-103", "paper: PG-19"])
    colors = [COLORS.get(v, "#444") for v in variants]
    for col, column in enumerate(("perplexity", "paper_wikitext103", "paper_pg19"), start=1):
        paper = col > 1
        values = rows[column]
        fig.add_trace(go.Scatter(
            x=values, y=names, mode="markers+text", text=[f"{x:.2f}" if pd.notna(x) else "" for x in values],
            textposition="middle right", cliponaxis=False,  # the value beside the marker, even at the panel's edge
            marker=dict(size=11, color=colors, symbol="diamond" if paper else "circle"),
            name="paper" if paper else "ours", showlegend=False, customdata=rows["paper_model"].fillna("–"),
            hovertemplate="%{y}: %{x:.2f}" + ("<br>paper's row: %{customdata}" if paper else "") + "<extra></extra>"),
            row=1, col=col)
        fig.update_xaxes(title_text="perplexity", row=1, col=col)
    fig.update_yaxes(autorange="reversed")  # the table's order, top to bottom
    return style(fig, title, height=120 + 40 * len(variants))


def lm_by_position_figure(df: pd.DataFrame, title: str = "Perplexity by position in the held-out text") -> go.Figure:
    """A line per variant over the tenths of every held-out book (pooled); below it, when the model
    without memory is there, each variant's perplexity divided by that model's, so a line that falls
    from left to right is a memory that helps more the more text it has read."""
    baseline = df[df["variant"] == "none"].set_index("start_fraction")["perplexity"]
    ratio = len(baseline) > 0
    fig = make_subplots(rows=2 if ratio else 1, cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        row_heights=[0.6, 0.4] if ratio else None)
    for v in _variants(df):
        d = df[df["variant"] == v].sort_values("start_fraction")
        x = (d["start_fraction"] + d["end_fraction"]) / 2
        name, color = label(v), COLORS.get(v, "#444")
        fig.add_trace(go.Scatter(x=x, y=d["perplexity"], mode="lines+markers", name=name, legendgroup=v,
                                 line=dict(color=color),
                                 hovertemplate=f"{name}<br>%{{x:.0%}} in: perplexity %{{y:.2f}}<extra></extra>"),
                      row=1, col=1)
        if ratio and v != "none":
            r = d["perplexity"].to_numpy() / baseline.reindex(d["start_fraction"]).to_numpy()
            fig.add_trace(go.Scatter(x=x, y=r, mode="lines+markers", name=f"{name} ÷ no memory", legendgroup=v,
                                     showlegend=False, line=dict(color=color),
                                     hovertemplate=f"{name}<br>%{{x:.0%}} in: %{{y:.3f}} × no memory<extra></extra>"),
                          row=2, col=1)
    fig.update_yaxes(title_text="perplexity", row=1, col=1)
    if ratio:
        fig.add_hline(y=1, line=dict(color="#888", dash="dot", width=1), row=2, col=1)
        fig.update_yaxes(title_text="÷ local attention only", row=2, col=1)
    fig.update_xaxes(tickformat=".0%", range=[0, 1])
    fig.update_xaxes(title_text="position in each book's held-out text (middle of each stretch)", row=2 if ratio else 1,
                     col=1)
    return style(fig, title, height=520 if ratio else 360)


def learning_curves_figure(curves: dict, window: int = 50, title: str = "Learning curves") -> go.Figure:
    """curves: {run name: its metrics.csv as a DataFrame}. Training loss (and training accuracy,
    for sorting runs) as a rolling mean over `window` steps, since single batches are noisy; the
    validation measurements as points on the same panels."""
    accuracy = any("valid_accuracy" in c for c in curves.values())
    fig = make_subplots(rows=2 if accuracy else 1, cols=1, shared_xaxes=True, vertical_spacing=0.08)

    def add(row, c, column, name, color, points=False, scale=1.0, **kwargs):
        y = c[column] * scale
        # centred, so the smoothed line does not lag behind the validation points
        rows = int(c["_rows"].iloc[0])
        d = (c.assign(y=y).dropna(subset=["y"]) if points
             else c.assign(y=y.rolling(rows, 1, center=True).mean()).dropna(subset=[column]))
        fig.add_trace(go.Scatter(x=d["step"], y=d["y"], mode="markers" if points else "lines", name=name,
                                 line=dict(color=color, width=1.5), marker=dict(color=color, size=7, symbol="diamond"),
                                 hovertemplate=f"{name}<br>step %{{x:,}}: %{{y:.3g}}<extra></extra>", **kwargs),
                      row=row, col=1)

    for i, (name, c) in enumerate(curves.items()):
        # the window in rows: committed curves keep one row per 50 steps (training.runfiles.thin_metrics)
        spacing = float(c["step"].diff().median()) if len(c) > 1 else 1.0
        rows = max(1, round(window / max(spacing, 1.0)))
        c = c.assign(_rows=rows)
        color = head_color(i)
        group = dict(legendgroup=name, showlegend=False)
        add(1, c, "loss", name, color, legendgroup=name)
        if "val_loss" in c:
            add(1, c, "val_loss", f"{name}: validation", color, points=True, **group)
        if "valid_accuracy" in c:  # metrics.csv keeps accuracies as fractions
            add(2, c, "accuracy", f"{name}: training accuracy", color, scale=100, **group)
            add(2, c, "valid_accuracy", f"{name}: validation", color, points=True, scale=100, **group)
    fig.update_yaxes(title_text="cross-entropy (nats)", row=1, col=1)
    if accuracy:
        fig.update_yaxes(title_text="accuracy (%)", range=[0, 100], row=2, col=1)
    fig.update_xaxes(title_text="training step", row=2 if accuracy else 1, col=1)
    style(fig, title, height=520 if accuracy else 380)
    return add_note(fig, f"Lines: training, rolling mean over {window} steps; diamonds: validation.")
