"""Predictions (qualitative error analysis): the document shaded by surprisal or by what the memory
was worth at each token, perplexity and bits per character by stretch, and one token's top guesses
and its attention's two sources (local against long-term)."""
import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from infformer.core.settings import MEMORY_RANGES
from infformer.tracing.predictions import costs_on_tokens, predictions, scores, stretch_table, token_characters, worth
from infformer.viz import document as vd
from infformer.viz.attention import head_share_figure
from pages._compare import COMPARE, KEYS, SAME_MODEL, SHADING
from pages._runs import cached_model, current_run, without_read
from pages._sidebar import shipped_models
from pages._text import plain
from pages._widgets import intro, persistent, show

intro("predictions", "Predictions: where the model went wrong, and whether its memory helped")
WINDOW = 2500  # tokens of the document drawn at once
run = current_run()
trace = run.trace
n = trace.num_text_tokens
_, tokenizer, _ = cached_model(*run.settings.model_key())
surprisal, chars = trace.surprisal(), token_characters(trace)

# ------------------------------------------------------------------ the whole text
has_memory = trace.ltm is not None
SHADE = ["Surprisal", "Memory worth", COMPARE] if has_memory else ["Surprisal"]
shading = persistent(st.radio, SHADING, "Surprisal", label="Shade the document by", options=SHADE,
                     horizontal=True, valid=lambda v: v if v in SHADE else "Surprisal",
                     help="Memory worth reads the text a second time with the long-term read zeroed; a comparison "
                          "reads it under other memory settings (each once per text and settings, shared with "
                          "everyone who asks).")
without = without_read(run) if shading == "Memory worth" else None
whole = scores(surprisal[:n], chars[:n])
c = st.columns(4)
c[0].metric("Perplexity", f"{whole['perplexity']:,.2f}" if whole["perplexity"] else "–",
            help=f"Over the document's {whole['tokens']:,} predicted tokens (the query excluded).")
c[1].metric("Bits per character", f"{whole['bits_per_character']:.3f}" if whole["bits_per_character"] else "–",
            help="Comparable across tokenizers: the nats of every token, over ln 2 and the characters they cover.")
if without is not None:
    other = scores(without[:n], chars[:n])
    gain = np.nanmean(without[:n] - surprisal[:n])
    c[2].metric("Without the memory's read", f"{other['perplexity']:,.2f}",
                delta=f"{other['perplexity'] - whole['perplexity']:+,.2f} perplexity", delta_color="off")
    c[3].metric("Memory worth", f"{gain:+.4f} nats/token", help="Mean over the document: positive, the memory helped.")

st.subheader("By stretch")
st.dataframe(stretch_table(trace, 10, without), hide_index=True, width="stretch",
             column_config={k: st.column_config.NumberColumn(format="%.3f") for k in
                            ("perplexity", "bits per character", "perplexity without the memory",
                             "memory worth (nats/token)")})

# ------------------------------------------------------------------ compare two settings
compared = None
if shading == COMPARE:  # the same model and text under other inference-time settings (links carry it: vs=τ,sticky,seed)
    base = run.settings
    shipped = shipped_models()
    model_b = persistent(st.selectbox, KEYS["model"], SAME_MODEL, label="Model (compared)",
                         options=[SAME_MODEL, *shipped],
                         valid=lambda v: v if v == SAME_MODEL or v in shipped else SAME_MODEL,
                         help="Another of the app's models reads the same text: with another tokenizer its costs "
                              "are compared character by character (what it paid for the characters of each token).")
    c = st.columns(3)
    r = MEMORY_RANGES["tau"]
    tau_b = persistent(c[0].slider, KEYS["tau"], base.tau, label="τ (compared)", min_value=r.low, max_value=r.high,
                       step=r.step, valid=lambda v: min(r.high, max(r.low, float(v))))
    sticky_b = persistent(c[1].toggle, KEYS["sticky"], not base.sticky, label="Sticky memories (compared)")
    seed_b = persistent(c[2].number_input, KEYS["seed"], base.seed, label="Seed (compared)", min_value=0,
                        max_value=2 ** 31 - 1, step=1)
    other = dataclasses.replace(base, tau=float(tau_b), sticky=bool(sticky_b), seed=int(seed_b),
                                model_dir=base.model_dir if model_b == SAME_MODEL else str(shipped[model_b]))
    if other == base:
        st.info("The compared settings are the sidebar's: change one to compare.")
    else:
        compared = current_run(other, kind="compare").trace
        n_b = compared.num_text_tokens  # the other model's tokens of the document (another tokenizer: another count)
        mine = scores(surprisal[:n], chars[:n])
        theirs = scores(compared.surprisal()[:n_b], token_characters(compared)[:n_b])
        compared_costs = costs_on_tokens(trace, compared)  # [T] on this trace's tokens

        def label(s):
            name = "" if s.model_dir == base.model_dir else f"{Path(s.model_dir).name}, "
            return f"{name}τ {s.tau:g}, {'sticky' if s.sticky else 'linear'}, seed {s.seed}"
        label_a, label_b = label(base), label(other)
        st.dataframe(pd.DataFrame({"settings": [f"the sidebar's ({label_a})", f"compared ({label_b})"],
                                   "tokens": [mine["tokens"], theirs["tokens"]],
                                   "perplexity": [mine["perplexity"], theirs["perplexity"]],
                                   "bits per character": [mine["bits_per_character"], theirs["bits_per_character"]]}),
                     hide_index=True, width="stretch",
                     column_config={k: st.column_config.NumberColumn(format="%.4f")
                                    for k in ("perplexity", "bits per character")})
        if other.model_dir != base.model_dir:
            st.caption("Two models: perplexity counts each model's own tokens, so compare bits per character. "
                       "The shading puts the other model's costs on this model's tokens, character by character.")

# ------------------------------------------------------------------ the shaded document
if compared is not None:
    kind = "difference"
    values = np.nan_to_num(surprisal - compared_costs)
elif without is not None:
    kind = "worth"
    values = np.nan_to_num(worth(trace, without))
else:
    kind = "surprisal"
    values = np.nan_to_num(surprisal)
start = 0
if n > WINDOW:
    start = st.slider("First token shown", 0, n - WINDOW, value=0, step=50,
                      help=f"The text is long: {WINDOW:,} tokens are drawn at a time.")
end = min(trace.num_tokens, start + WINDOW)
part = np.abs(values[start:end])
scale = float(np.quantile(part, 0.99)) if len(part) else 0.0  # one rare token must not wash out the rest
titles = (vd.difference_titles(trace, compared_costs, start, end, ("the sidebar's", "compared")) if compared is not None
          else vd.worth_titles(trace, without, start, end) if without is not None
          else vd.surprisal_titles(trace, tokenizer.decode, start, end))
st.subheader("The document, shaded by " + {"difference": "the difference between the two settings",
                                           "worth": "what the memory was worth", "surprisal": "surprisal"}[kind])
legend = vd.legend_html(kind, scale)
document = vd.shaded_document(trace, kind, values, start, end, titles=titles, scale=scale)
st.html(legend)
st.html(document)
settings = run.settings
st.download_button(
    "Download this shaded document (HTML)", file_name=f"{kind}.html", mime="text/html", on_click="ignore",
    icon=":material/download:", data=lambda: vd.standalone_html(
        f"{run.label}: shaded by {vd.SHADINGS[kind][0].lower()}", document, legend,
        {"model": settings.model_dir.rstrip('/').rsplit('/', 1)[-1], "tau": settings.tau, "M": settings.num_samples,
         "sticky": settings.sticky, "D": settings.num_bins, "seed": settings.seed,
         "tokens shown": f"{start:,}–{end - 1:,} of {trace.num_tokens:,}", "precision": run.precision,
         **({"compared": label_b} if compared is not None else {})}))

# ------------------------------------------------------------------ one token
st.subheader("One token")
token = persistent(st.number_input, "pred_token", min(n - 1, max(1, int(np.nanargmax(np.nan_to_num(surprisal[:n]))))),
                   label=f"Token (0–{trace.num_tokens - 1:,}; the default: the document's most surprising)",
                   min_value=0, max_value=trace.num_tokens - 1, step=1,
                   valid=lambda v: int(v) if 0 <= int(v) < trace.num_tokens else 0)
a, b = trace.offsets[token]
st.caption(plain(f"Token {token}: {tokenizer.decode([int(trace.token_ids[token])])!r}, after “…"
                 f"{' '.join(trace.text[max(0, a - 80):a].split())[-80:]}”", None))
c1, c2 = st.columns(2)
with c1:
    guesses = predictions(trace, token, tokenizer.decode)
    st.markdown("**What the model expected here**")
    if guesses:
        st.dataframe(pd.DataFrame({"token": [repr(t) for t, _ in guesses], "probability": [p for _, p in guesses]}),
                     hide_index=True, width="stretch",
                     column_config={"probability": st.column_config.NumberColumn(format="percent")})
        st.caption(f"It paid {surprisal[token]:.2f} nats for the real token (p = {np.exp(-surprisal[token]):.1%}).")
    else:
        st.caption("The first token: nothing predicted it.")
with c2:
    st.markdown("**Where its attention output came from, by layer**")
    if has_memory and trace.local_norm is not None:
        share = trace.long_term_share()[:, token]
        st.dataframe(pd.DataFrame({"layer": range(trace.num_layers), "‖Z local‖": trace.local_norm[:, token],
                                   "‖Z long-term‖": trace.ltm_norm[:, token], "long-term share": share}),
                     hide_index=True, width="stretch",
                     column_config={"long-term share": st.column_config.ProgressColumn(format="percent",
                                                                                       min_value=0.0, max_value=1.0)})
        st.caption("The size of each term added to the residual stream: local (short-term) attention against the "
                   "long-term read (zero while the memory is empty). Over the whole text the long-term share is "
                   + ", ".join(f"{v:.0%}" for v in trace.long_term_share()[:, :n].mean(1)) + " by layer.")
    else:
        st.caption("This model has no long-term memory.")
if has_memory and trace.local_head_norm is not None:
    show(head_share_figure(trace, token), "head_share")
    st.caption("By head: query head h of the local attention and of the long-term read share one query vector; "
               "each term is that head's part of its projection W_O (the bias belongs to no head). Dark: the head "
               "took most of what it added from the long-term memory.")
