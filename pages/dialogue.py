"""Dialogue (the paper's Figures 4 and 5 on CMU-DoG): a film's document, then a conversation about
it; step through the turns and see, for each reply (the real one or one the model writes), the
document shaded by what the memory read, the section the reply's writer was looking at marked,
and the phrases that hold the memory with sticky against linear sampling."""
import dataclasses
import os
from pathlib import Path

import streamlit as st

from infformer.corpora import cmudog
from infformer.experiments.dialogue.reading import conversation_text
from infformer.experiments.dialogue.replies import reply_after
from infformer.experiments.dialogue.section_attention import reply_queries, section_rows
from infformer.io.textio import InputError
from infformer.tracing.regions import phrase_table, tokens_in_chars
from infformer.viz import dialogue as vd
from infformer.viz import excerpts as ve
from infformer.viz import sticky as vk
from pages._docs import ASSETS, ROOT, Doc, check_text
from pages._runs import cached_model, current_run, token_attention
from pages._sidebar import current_settings
from pages._text import plain
from pages._widgets import intro, persistent, pick_layer, show

intro("dialogue", "Dialogue: what the memory reads as the conversation goes on")

BUNDLED = "Home Alone (a CMU-DoG test conversation, bundled)"
PASTE = "Paste a document and a conversation"
# the whole dataset, where this machine has it (it is never committed: see the README)
CMUDOG = Path(os.environ.get("INFFORMER_CMUDOG") or ROOT.parent / "shared" / "data" / "cmu_dog" / "full")


@st.cache_data(show_spinner="Reading CMU-DoG…")
def dataset(path: str) -> tuple:
    """(documents, test conversations) of the CMU-DoG at `path`, or None where it is not."""
    try:
        return cmudog.documents(path), cmudog.conversations(path, "test")
    except (InputError, OSError, ValueError, KeyError):
        return None


@st.cache_data(max_entries=64, show_spinner="Writing a reply with the memory…")
def generated_reply(model_key: tuple, text: str, speaker: str, seed: int) -> str:
    model, tokenizer, _ = cached_model(*model_key)
    return reply_after(model, tokenizer, text, speaker, seed=seed, top_p=0.9, max_new_tokens=50)


def pasted() -> tuple:
    """(Document, Conversation) from the two text boxes; sections are the document's paragraphs."""
    doc_text = st.text_area("Document", key="dlg_doc", height=180,
                            placeholder="The text the conversation is about (paragraphs separated by blank lines)")
    conv_text = st.text_area("Conversation", key="dlg_conv", height=150,
                             placeholder="A: Have you seen it?\nB: Yes, the ending surprised me.\nA: …")
    if not doc_text.strip() or not conv_text.strip():
        st.info("Paste a document and a conversation of at least two turns, one per line, each starting "
                "with `A:` or `B:`.")
        st.stop()
    try:
        check_text(doc_text + conv_text, "the document and the conversation")
        turns = cmudog.parse_conversation(conv_text)
    except InputError as e:
        st.error(plain(str(e)))
        st.stop()
    if len(turns) < 2:
        st.error(f"The conversation has {len(turns)} labelled turn; it needs at least two (`A: …` / `B: …`).")
        st.stop()
    body = doc_text.strip() + "\n"
    sections, at = [], 0
    for para in body.split("\n\n"):
        sections.append((at, at + len(para.rstrip("\n"))))
        at += len(para) + 2
    return (cmudog.Document(-1, "your document", body, tuple(sections)),
            cmudog.Conversation("pasted", "", -1, turns))


# ------------------------------------------------------------------ the conversation
data = dataset(str(CMUDOG)) if CMUDOG.is_dir() else None
sources = [BUNDLED] + (["CMU-DoG test split"] if data else []) + [PASTE]
source = persistent(st.radio, "dlg_source", BUNDLED, valid=lambda v: v if v in sources else BUNDLED,
                    label="Conversation", options=sources, horizontal=True)
if source == BUNDLED:
    document, conv = cmudog.read_example(ASSETS / "examples" / "home_alone_conversation.json")
    default_turn = 28   # the app's default example: its next turn is "Who is the actress that plays his mom?"
elif source == PASTE:
    document, conv = pasted()
    default_turn = len(conv.turns) - 1
else:
    docs, convs = data
    by_label = {f"{docs[c.document].title} · {c.id[:8]} · {len(c.turns)} turns": c for c in convs if len(c.turns) > 1}
    labels = list(by_label)
    label = persistent(st.selectbox, "dlg_conv_id", labels[0], valid=lambda v: v if v in by_label else labels[0],
                       label=f"Test conversation ({len(labels):,})", options=labels)
    conv = by_label[label]
    document = docs[conv.document]
    default_turn = 1
if source != PASTE:
    st.caption("CMU-DoG: Zhou, Prabhumoye & Black, “A Dataset for Document Grounded Conversations”, EMNLP 2018; "
               "documents from English Wikipedia (CC BY-SA 3.0).")

n = len(conv.turns)
turn_key = f"dlg_turn:{conv.id}:{n}"
if n > 2:
    k = st.slider("Reply", 1, n - 1, value=min(n - 1, st.session_state.get(turn_key, default_turn)), key=turn_key,
                  help="The turn to look at: the memory has read the document and every turn before it.")
else:
    k = 1  # two turns: the second is the only reply
speaker, doc_idx, real = conv.turns[k]
writer = doc_idx if 0 <= doc_idx < len(document.sections) else None
with st.expander(f"The conversation so far ({k} turns)"):
    st.text(cmudog.dialogue_text(conv.turns[:k]))

kind = persistent(st.radio, "dlg_kind", "the real turn", label="Reply", options=["the real turn", "one the model writes"],
                  horizontal=True, valid=lambda v: v if v in ("the real turn", "one the model writes") else "the real turn")
settings = current_settings()
text, turn_chars = conversation_text(document, dataclasses.replace(conv, turns=conv.turns[:k]))
if kind == "the real turn":
    reply = real
else:
    seed = persistent(st.number_input, "dlg_seed", 0, label="Seed", min_value=0, max_value=2 ** 31 - 1, step=1,
                      help="Nucleus sampling (top-p 0.9), at most 50 tokens, until the end of the line.")
    reply = generated_reply(settings.model_key(), text, speaker, int(seed)) or "…"
st.markdown(f"**{plain(speaker, 40)}:** {plain(reply, None)}"
            + (f"  \n*The real turn:* {plain(real, None)}" if kind != "the real turn" else ""))

# ------------------------------------------------------------------ what the memory read
full = text + cmudog.turn_line(speaker, reply)
start, end = len(text) + len(f"{speaker}: "), len(full)
run = current_run(settings, Doc(full, "", f"{document.title}: turn {k}"))
trace = run.trace
queries = reply_queries(trace.offsets, start, end)
if not len(queries) or not (trace.mu[0, queries, 0] == trace.mu[0, queries, 0]).any():
    st.info("The memory was still empty when the reply was read: pick a later turn or a longer document.")
    st.stop()
rows = section_rows(trace, document.sections, start, end)
show(vd.section_figure(rows, writer), "dialogue_sections")
st.caption("For each section: its share of the memory when the reply was read (what its size alone would give it) and "
           "its share of the memory's attention from the reply's tokens (all layers and heads). A ratio above 1 means "
           "the memory looked there on purpose. `python -m infformer dialogue evaluate` averages the ratio of the "
           "writer's section over the test turns.")

mass = token_attention(run, queries)
scale = float(mass[:tokens_in_chars(trace.offsets, 0, len(document.text)).max() + 1].max())
st.subheader("The document, shaded by what the memory read")
for s, (a, b) in enumerate(document.sections):
    tokens = tokens_in_chars(trace.offsets, a, b)
    if not len(tokens):
        continue
    mark = " — **the writer was looking here**" if s == writer else ""
    st.markdown(f"Section {s}{mark} · ratio {rows[s]['ratio']:.2f}")
    st.html(ve.highlight_html(trace.text, trace.offsets, mass, int(tokens[0]), int(tokens[-1]) + 1, scale=scale))

# ------------------------------------------------------------------ Figure 5
st.subheader("The phrases that hold the memory: sticky against linear")
sticky = bool(trace.ltm["sticky"])
other = current_run(dataclasses.replace(settings, sticky=not sticky), Doc(full, "", f"{document.title}: turn {k}"))
runs = {"sticky": run, "linear": other} if sticky else {"sticky": other, "linear": run}
layer = pick_layer(run, key="dlg_layer")
tables = {name: phrase_table(r.trace, layer) for name, r in runs.items()}
show(vk.phrase_figure(tables, top=12, title=f"Share of layer {layer}'s memory held by each sentence when the reply "
                                             "was read"), "dialogue_phrases")
st.caption("The same model and text, sampled two ways when the memory is contracted: sticky memories keep more room "
           "for what was attended (the paper's Figure 5); linear sampling shrinks every old phrase alike.")
