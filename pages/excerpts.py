"""Excerpts (the paper's Figure 4): the document shaded by the attention mass its tokens received
from the chosen query tokens, the top excerpts, and optionally a reply whose tokens show what
they attended to."""
import streamlit as st

from infformer.corpora.passkey import needle_span, passkey_text
from infformer.tracing.regions import forgotten_stretches, written_tokens
from infformer.viz import document as vd
from infformer.viz import excerpts as ve
from infformer.viz.attention import token_label
from pages._docs import current_doc
from pages._runs import current_run, excerpts, reply_run
from pages._text import plain
from pages._url import link_text
from pages._widgets import intro, persistent, pick_queries, show

intro("excerpts", "Excerpts: what the memory read")
WINDOW = 2500  # tokens of the document drawn at once
doc = current_doc()
if not doc.example and link_text(doc) is None:  # a researcher copying the address bar from here must know
    st.caption(":material/link_off: The link in the address bar does not carry this text (too long for a link): "
               "whoever opens it is told so and sees the default example. Share the session file from the Run "
               "page instead.")

# ------------------------------------------------------------------ widgets
run = current_run()
trace = run.trace
c1, c2, c3 = st.columns(3)
with c1:
    layer_choice = persistent(st.selectbox, "exc_layers", "all layers", label="Layers",
                              options=["all layers", *[f"layer {y}" for y in range(trace.num_layers)]],
                              valid=lambda v: v if v == "all layers" or int(v.split()[-1]) < trace.num_layers else "all layers")
with c2:
    head_choice = persistent(st.selectbox, "exc_heads", "all heads", label="Heads",
                             options=["all heads", *[f"head {h}" for h in range(trace.num_heads)]],
                             valid=lambda v: v if v == "all heads" or int(v.split()[-1]) < trace.num_heads else "all heads")
with c3:
    top = persistent(st.slider, "exc_top", 5, label="Top excerpts", min_value=3, max_value=20)
layers = None if layer_choice == "all layers" else (int(layer_choice.split()[-1]),)
heads = None if head_choice == "all heads" else (int(head_choice.split()[-1]),)
generate = persistent(st.toggle, "exc_generate", False, label="Generate a reply with the memory (greedy)")

if generate:
    n_new = persistent(st.slider, "exc_new_tokens", 30, label="Reply length (tokens)", min_value=5, max_value=80)
    if trace.num_tokens > 20_000:
        st.caption("Note: the text is long: writing a reply reads it twice more (once to write, once to trace the reply).")
    run, first_reply = reply_run(run, n_new)
    trace = run.trace
    reply_tokens = list(range(first_reply, trace.num_tokens))
    reply = trace.text[trace.offsets[first_reply, 0]:]
    st.markdown("**Reply:** " + plain(reply, None))
    if doc.example == "passkey":  # the test this example is for: say whether it was passed
        key = passkey_text(doc.params["length"], doc.params["depth"])[1]
        if str(key) in reply:
            st.success(f"The reply contains the pass key, {key}.", icon=":material/check:")
        else:
            st.warning(f"The reply does not contain the pass key ({key}): the model did not bring it back.",
                       icon=":material/close:")
    chosen = st.select_slider("Reply token whose attention to show", options=reply_tokens,
                              format_func=lambda i: token_label(trace, i, 16))
    queries = [chosen]
else:
    queries = pick_queries(run)
if not queries:
    st.info("Choose at least one query token above.")
    st.stop()

# ------------------------------------------------------------------ the one analysis call
view = excerpts(run, queries, layers, heads, top=top, window=WINDOW)
mass = view.mass
held = written_tokens(trace)
gone = forgotten_stretches(view.share, held, min_tokens=20)

# ------------------------------------------------------------------ figures
show(ve.mass_figure(trace, mass, queries, title=f"Attention mass each token received ({layer_choice}, {head_choice})",
                    forgotten=gone), "attention_mass")
if gone:  # say it: a question about a passage the memory no longer holds cannot find it
    n_gone = sum(b - a for a, b in gone)
    where = ", ".join(f"tokens {a:,}–{b - 1:,}" for a, b in gone[:3]) + (" …" if len(gone) > 3 else "")
    st.warning(f"Beyond the memory's horizon: {n_gone:,} of the {held:,} tokens written to the long-term memory "
               f"({n_gone / held:.0%}: {where}) each hold less than one millionth of it (last layer), so no query "
               "can read them back: the shading there is zero whatever is asked. The Sticky memories page shows "
               "how the horizon moved.", icon=":material/visibility_off:")
st.caption(f"Mass received from {len(queries)} query token{'s' if len(queries) > 1 else ''}, averaged over them, "
           f"the chosen layers and heads; in total {mass.sum():.3f} of it fell on tokens of the text "
           "(the rest fell outside [0, 1] or on forgotten, zero-width spans).")
if doc.example == "passkey":
    key = passkey_text(doc.params["length"], doc.params["depth"])[1]
    a, b = needle_span(doc.text, key)
    on_key = (trace.offsets[:trace.num_text_tokens, 0] >= a) & (trace.offsets[:trace.num_text_tokens, 1] <= b)
    st.markdown(f"**The key sentence** ({int(on_key.sum())} tokens, {on_key.mean():.2%} of the text) received "
                f"**{mass[:trace.num_text_tokens][on_key].sum() / max(mass.sum(), 1e-300):.2%}** of this mass.")

st.subheader("Top excerpts")
table = view.table
st.dataframe(table, hide_index=True, width="stretch",
             column_config={"score": st.column_config.NumberColumn(format="%.4f"),
                            "share of mass": st.column_config.NumberColumn(format="percent"),
                            "excerpt": st.column_config.TextColumn(width="large")})

st.subheader("The document, shaded by attention mass")
n = trace.num_text_tokens
start = 0
if n > WINDOW:
    best = view.window_start
    start = st.slider("First token shown", 0, n - WINDOW, value=best, step=50,
                      help=f"The text is long: {WINDOW:,} tokens are drawn at a time, starting where the mass is densest.")
    st.caption(f"Note: showing tokens {start:,}–{start + WINDOW - 1:,} of {n:,}.")
shaded = ve.highlight_html(trace.text, trace.offsets, mass, start, min(n, start + WINDOW), queries,
                           scale=float(mass[:n].max()) if n else None)
st.html(shaded)
s_ = run.settings
st.download_button(
    "Download this shaded document (HTML)", file_name="attention_mass.html", mime="text/html", on_click="ignore",
    icon=":material/download:", key="exc_export", data=lambda: vd.standalone_html(
        f"{run.label}: shaded by attention mass", shaded, vd.legend_html("mass", float(mass[:n].max()) if n else 0.0),
        {"model": s_.model_dir.rstrip("/").rsplit("/", 1)[-1], "tau": s_.tau, "M": s_.num_samples, "sticky": s_.sticky,
         "D": s_.num_bins, "seed": s_.seed, "layers": layer_choice, "heads": head_choice,
         "query tokens": ", ".join(str(q) for q in queries[:20]) + (" …" if len(queries) > 20 else ""),
         "tokens shown": f"{start:,}–{min(n, start + WINDOW) - 1:,} of {n:,}"}))
if trace.num_tokens > n:
    st.markdown("**Query" + (" and reply" if generate else "") + "** (outlined: the chosen query tokens)")
    st.html(ve.highlight_html(trace.text, trace.offsets, mass * 0, n, trace.num_tokens, queries))
