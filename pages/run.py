"""Run (home): choose a text and a query, read them into the memory, see the summary."""
import dataclasses
import json
from pathlib import Path

import streamlit as st
import torch

from infformer.io.textio import MAX_QUERY_CHARS, InputError, decode_text
from pages._compare import current_compare, set_compare
from pages._docs import EXAMPLES, MAX_INPUT_BYTES, PASSKEY_LENGTH, Doc, check_text, current_doc, example_doc
from pages._runs import current_run
from pages._server import server_mode
from pages._share import MAX_LINK_CHARS, ShareError, read_session, session_file
from pages._sidebar import current_settings, shipped_models
from pages._text import plain
from pages._url import EXAMPLE_WIDGETS, link_text, set_doc
from pages._widgets import intro, persistent


def load_session():
    """Callback of the session uploader: runs before the next script run, so the sidebar's widget
    states (model, τ, M, sticky, D, seed) can still be set."""
    upload = st.session_state.get("session_upload")
    st.session_state["session_error"] = ""
    if upload is None:
        return
    try:
        session = read_session(upload.getvalue())
        text = check_text(session["text"], "the session's text")
    except (ShareError, InputError) as e:
        st.session_state["session_error"] = f"{plain(upload.name, 80)}: {plain(str(e))}. Nothing was changed."
        return
    shipped = shipped_models()
    st.session_state["session_notice"] = ""
    if session["model"] in shipped:
        st.session_state["set_model"] = session["model"]
    else:  # a file carries data, never reach: no path from it is opened, or even looked at
        st.session_state["session_notice"] = (
            f"{plain(upload.name, 80)} names the model {plain(session['model'], 80)}, which is not one of this app's "
            f"models ({', '.join(shipped)}): its text and settings are read with the model chosen in the sidebar."
            + ("" if server_mode() else " A checkpoint directory of your own is chosen in the sidebar "
               "(Checkpoint → Local checkpoint directory…)."))
    s = session["settings"]
    st.session_state.update(set_tau=s["tau"], set_M=s["num_samples"], set_sticky=s["sticky"], set_D=s["num_bins"],
                            set_seed=s["seed"])
    if session["compare"] is not None:  # the Predictions page's comparison, as it was saved
        message = set_compare(session["compare"], shipped)
        if message:
            st.session_state["session_notice"] += f" {plain(upload.name, 80)}: {plain(message)}."
    st.session_state["doc"] = Doc(text, session["query"], session["label"] or "session file")
    st.session_state["drafts"] = {"paste_text": text, "paste_query": session["query"], "upload_query": session["query"]}
    for k in ("paste_text", "paste_query", "upload_query"):
        st.session_state.pop(k, None)


intro("run", "Run: give the memory a text")
doc = current_doc()
limit = f"{MAX_INPUT_BYTES / 1e6:g} MB"

# ------------------------------------------------------------------ widgets: the text and the query
SOURCES = ["Example", "Paste", "Upload", "Session file"]
source = persistent(st.segmented_control, "source", "Example" if doc.example else "Paste", label="Text from",
                    options=SOURCES, valid=lambda v: v if v in SOURCES else "Example", selection_mode="single")
source = source or "Example"
query_label = "Query or dialogue turn, read after the text (optional)"

# Every text and query widget has a fixed key, seeded once from the current document. (A widget
# whose `value=` follows the document gets a new identity after each submission, and the next
# submission's value is then silently dropped.) The drafts live outside the widgets' own state,
# so switching Example → Paste → Example keeps what was pasted.
drafts = st.session_state.setdefault("drafts", {"paste_text": "" if doc.example else doc.text,
                                                "paste_query": "" if doc.example else doc.query,
                                                "upload_query": "" if doc.example else doc.query})


def seeded(key: str, value: str) -> str:
    """Seed widget `key` once (Streamlit forgets a widget's state on runs that do not draw it)."""
    if key not in st.session_state:
        st.session_state[key] = value
    return key


def keep_drafts(*keys):
    for k in keys:
        drafts[k] = st.session_state.get(k, drafts.get(k, ""))


if source == "Example":
    names = list(EXAMPLES)
    name = st.selectbox("Example", names, index=names.index(doc.example) if doc.example in names else 0,
                        format_func=lambda k: EXAMPLES[k]["title"], key=EXAMPLE_WIDGETS[0])
    if name == "passkey":
        c1, c2 = st.columns(2)
        low, high = PASSKEY_LENGTH
        length = c1.slider("Length (about, in tokens)", low, high, step=500,
                           value=min(high, max(low, doc.params.get("length", 2000))), key=EXAMPLE_WIDGETS[1])
        depth = c2.slider("Depth of the pass key in the text", 0.0, 1.0, step=0.05, value=float(doc.params.get("depth", 0.5)),
                          key=EXAMPLE_WIDGETS[2])
        chosen = example_doc(name, length, depth)
    else:
        chosen = example_doc(name)
    qkey = seeded(f"example_query_{name}", doc.query if doc.example == name else chosen.query)
    query = st.text_input(query_label, key=qkey, max_chars=MAX_QUERY_CHARS)
    chosen = dataclasses.replace(chosen, query=query.strip())
    if chosen != doc:
        set_doc(chosen)
        doc = chosen
    st.caption(f"Source: {EXAMPLES[name]['attribution']}")
elif source == "Paste":
    seeded("paste_text", drafts["paste_text"])
    seeded("paste_query", drafts["paste_query"])
    with st.form("paste"):
        text = st.text_area("Your text", key="paste_text", height=220,
                            placeholder="Paste a long text: a chapter, an article, a transcript…")
        query = st.text_input(query_label, key="paste_query", max_chars=MAX_QUERY_CHARS)
        submitted = st.form_submit_button("Run", type="primary")
    if submitted:
        keep_drafts("paste_text", "paste_query")
        try:
            chosen = Doc(check_text(text, "the pasted text"), query.strip(), "pasted text")
            if chosen != doc:
                set_doc(chosen)
                doc = chosen
        except InputError as e:
            st.error(f"{plain(str(e))}. The memory still holds the previous text.")
    st.caption(f"Up to {limit} of UTF-8 text.")
elif source == "Session file":
    st.file_uploader("A session file (.json.gz or .json) saved from this app: text, query, model and settings",
                     type=["gz", "json"], key="session_upload", on_change=load_session)
    if st.session_state.get("session_error"):
        st.error(st.session_state["session_error"])
    elif st.session_state.get("session_notice"):
        st.warning(st.session_state["session_notice"])
    st.caption("Download one under “Share” below. A session restores the text, the query, the model and every "
               "memory setting.")
else:
    seeded("upload_query", drafts["upload_query"])
    query = st.text_input(query_label, key="upload_query", max_chars=MAX_QUERY_CHARS, on_change=keep_drafts, args=("upload_query",))
    # no type filter: Streamlit's own refusal names MIME types; decode_text names a PDF or .docx as such
    upload = st.file_uploader(f"A plain-text file (.txt, .md; UTF-8 or UTF-16), at most {limit}")
    if upload is not None:
        try:
            text = decode_text(upload.getvalue(), upload.name, MAX_INPUT_BYTES)
            chosen = Doc(text, query.strip(), f"uploaded file {upload.name}")
            if chosen != doc:
                set_doc(chosen)
                doc = chosen
        except InputError as e:
            st.error(f"{plain(str(e))}. The memory still holds the previous text.")

# ------------------------------------------------------------------ the cached core call
run = current_run()
trace, summary = run.trace, run.summary

# ------------------------------------------------------------------ the summary
st.subheader(plain(doc.label or "Your text", 120))
c = st.columns(5)
c[0].metric("Tokens", f"{summary['num_tokens']:,}", help=f"{summary['num_text_tokens']:,} of the text, "
                                                          f"{summary['num_query_tokens']:,} of the query")
c[1].metric("Segments", f"{summary['num_segments']:,}", help=f"{trace.config['segment_len']} tokens each")
c[2].metric("Memory updates", f"{summary['num_memory_updates']:,}", help="contractions and writes of the long-term memory")
c[3].metric("Time", f"{summary['seconds']:.2f} s", help="wall time of the trace when it was computed (then cached)")
c[4].metric("Tokens per second", f"{summary['tokens_per_second']:,.0f}",
            help=f"{torch.get_num_threads()} CPU thread(s); the model's matrix products in {summary['precision']}"
                 + (" (bf16 autocast: this CPU multiplies bf16 natively)" if summary["precision"] == "bf16" else ""))
ltm = trace.ltm
sampling = f"sticky (D = {ltm['num_bins']} bins, seed {ltm['seed']})" if ltm["sticky"] else "linear sampling"
st.caption(f"Memory: N = {ltm['num_basis']} basis functions, τ = {ltm['tau']:g}, M = {ltm['num_samples']}, "
           f"{sampling}; "
           f"{trace.num_layers} layers × {trace.num_heads} heads.")
if doc.query:
    st.markdown(f"**Query** (read after the text): {plain(doc.query, 2000)}")

with st.expander("The text as read", expanded=False):
    st.text(trace.text[:20_000] + ("\n…" if len(trace.text) > 20_000 else ""))

card = Path(run.settings.model_dir) / "README.md"  # the model card, beside the weights
if card.is_file():
    with st.expander(f"The model card: {Path(run.settings.model_dir).name} (what it is, what it read, what it scores)"):
        st.markdown(card.read_text(encoding="utf-8", errors="replace"))

st.subheader("Downloads")
st.caption("The same files as `python -m infformer trace INPUT --out DIR` writes.")
d = st.columns(4)
d[0].download_button("tokens.csv", data=lambda: trace.tokens_table().to_csv(index=False),
                     file_name="tokens.csv", mime="text/csv", on_click="ignore", icon=":material/download:")
d[1].download_button("queries.csv", data=lambda: trace.queries_table().to_csv(index=False), file_name="queries.csv",
                     mime="text/csv", on_click="ignore", icon=":material/download:")
d[2].download_button("histograms.csv", data=lambda: trace.histograms_table().to_csv(index=False),
                     file_name="histograms.csv", mime="text/csv", on_click="ignore", icon=":material/download:")
d[3].download_button("summary.json", data=json.dumps(summary, indent=2), file_name="summary.json",
                     mime="application/json", on_click="ignore", icon=":material/download:")

st.subheader("Share")
settings = current_settings()
shipped_names = {str(p.resolve()): n for n, p in shipped_models().items()}
model_name = shipped_names.get(str(Path(settings.model_dir).resolve()), settings.model_dir)
st.download_button("session.json.gz", file_name="session.json.gz", mime="application/gzip", on_click="ignore",
                   icon=":material/download:", data=lambda: session_file(
                       doc.text, doc.query, doc.label, model_name,
                       dict(tau=settings.tau, num_samples=settings.num_samples, sticky=settings.sticky,
                            num_bins=settings.num_bins, seed=settings.seed), current_compare()))
if doc.example:
    st.caption("The link in the address bar reproduces this example and these settings. The session file keeps "
               "them too; open it under Text from → Session file.")
elif link_text(doc) is not None:
    st.caption("The link in the address bar carries this text itself (compressed) with the query and the settings: "
               "copy it to share the view. The session file keeps the same.")
else:
    st.caption(f"This text is too long for a link (a link carries up to {MAX_LINK_CHARS:,} characters of compressed "
               "text, about 15,000 characters of prose): share the session file instead (Text from → Session file).")

st.subheader("Look inside")
for path, text in [("pages/memory_signal.py", "Memory signal: X̄(t) per layer and update"),
                   ("pages/attention.py", "Attention Gaussians: where each query looks"),
                   ("pages/sticky.py", "Sticky memories: histograms, samples, shares"),
                   ("pages/excerpts.py", "Excerpts: the text shaded by what the memory read"),
                   ("pages/predictions.py", "Predictions: what each token cost, and what the memory was worth"),
                   ("pages/precision_lab.py", "Precision lab: how precise a continuous memory can be")]:
    st.page_link(path, label=text)
