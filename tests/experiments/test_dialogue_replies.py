"""Table 2's pieces: reply metrics (F1, ROUGE, METEOR) on hand-made strings, replies generated turn by turn from one
reading of the conversation, section attention on a trace whose answer is known, and the
`dialogue evaluate` command with generation on a tiny model and a two-conversation fixture."""
import dataclasses
import json

import numpy as np
import pytest
import torch
from helpers import make_model, tiny_ltm

from infformer.experiments.dialogue import meteor as meteor_module
from infformer.experiments.dialogue.metrics import mean_scores, normalize, reply_scores, unigram_f1


# ----------------------------------------------------------------------- metrics
def test_normalize_is_squads():
    assert normalize("The  Cat, an apple!") == "cat apple"
    assert normalize("A-ha... THE end") == "aha end"


@pytest.mark.parametrize("prediction, reference, f1", [
    ("the cat sat on the mat", "a cat was sitting on a mat", 2 * 0.75 * 0.6 / 1.35),  # 3 common of 4 and 5 words
    ("Iron Man!", "iron man", 1.0),
    ("the the", "a", 0.0),          # nothing left after normalisation
    ("dog dog cat", "dog cat cat", 2 / 3),  # counts clipped: 2 common of 3 and 3
])
def test_unigram_f1(prediction, reference, f1):
    assert unigram_f1(prediction, reference) == pytest.approx(f1)


def test_rouge_against_hand_counts():
    # stemmed words: pred "the cat sat on the mat" (6), ref "a cat was sit on a mat" (7); 3 in common
    s = reply_scores("The cat sat on the mat.", "A cat was sitting on a mat")
    assert s["rouge1_recall"] == pytest.approx(3 / 7)
    assert s["rouge1"] == pytest.approx(2 * (3 / 6) * (3 / 7) / (3 / 6 + 3 / 7))
    # ROUGE-L: the longest common subsequence "a b d" of "a b c d" and "a x b d"
    s = reply_scores("a b c d", "a x b d")
    assert s["rougeL"] == pytest.approx(0.75) and s["rougeL_recall"] == pytest.approx(0.75)
    assert reply_scores("same words here", "same words here")["rougeL"] == pytest.approx(1.0)
    assert mean_scores([{"f1": 1.0}, {"f1": 0.0}]) == {"f1": 0.5} and mean_scores([]) == {}


needs_wordnet = pytest.mark.skipif(meteor_module.wordnet_root() is None,
                                   reason="needs Debian's wordnet-base (scripts/setup.sh installs it)")


@needs_wordnet
def test_meteor_against_hand_counts():
    # "flick" is "film" in WordNet: 4 matches of 4 words in one chunk: F = 1, penalty 0.5 (1/4)^3
    assert meteor_module.meteor("The flick was great!", "the film was great") == pytest.approx(1 - 0.5 / 64)
    # "bird" is not: 3 of 4 (P = R = 0.75) in 2 chunks: 0.75 (1 - 0.5 (2/3)^3)
    assert meteor_module.meteor("the bird was great", "the film was great") == pytest.approx(0.75 * (1 - 0.5 * (2 / 3) ** 3))
    assert meteor_module.meteor("", "the film") == 0.0 and meteor_module.meteor("...", "the film") == 0.0
    assert reply_scores("the flick was great", "the film was great")["meteor"] == pytest.approx(1 - 0.5 / 64)
    assert "wordnet-base" in meteor_module.meteor_note() and "not computed" not in meteor_module.meteor_note()


def test_without_wordnet_meteor_is_left_out_and_said_so(tmp_path, monkeypatch):
    monkeypatch.setenv("INFFORMER_WORDNET", str(tmp_path))    # no database there
    meteor_module.wordnet.cache_clear()
    try:
        assert meteor_module.meteor("a", "a") is None and "meteor" not in reply_scores("a b", "a b")
        assert meteor_module.meteor_note().startswith(f"not computed: no WordNet database at {tmp_path}")
    finally:
        meteor_module.wordnet.cache_clear()


# ----------------------------------------------------------------------- replies
def test_replies_read_the_conversation_once_and_stop_at_a_newline(tiny_tokenizer, tmp_path):
    from cmudog_fixture import write_cmudog

    from infformer.corpora import cmudog
    from infformer.experiments.dialogue.reading import conversation_text
    from infformer.experiments.dialogue.replies import conversation_replies, newline_tokens
    data = write_cmudog(tmp_path / "dog")
    docs, conv = cmudog.documents(data), cmudog.conversations(data, "test")[1]
    model = make_model("ltm", vocab_size=tiny_tokenizer.vocab_size).eval()
    stops = newline_tokens(tiny_tokenizer)
    assert stops and all("\n" in tiny_tokenizer.decode([i]) for i in stops)
    replies = conversation_replies(model, tiny_tokenizer, docs[conv.document], conv, seed=3, max_new_tokens=12)
    assert [r.turn for r in replies] == [1, 2] and all("\n" not in r.generated for r in replies)
    assert [r.reference for r in replies] == [t for _, _, t in conv.turns[1:]]
    assert [r.doc_idx for r in replies] == [d for _, d, _ in conv.turns[1:]]
    # the same seed gives the same replies; each reply is what the model writes after the text so far
    assert replies == conversation_replies(model, tiny_tokenizer, docs[conv.document], conv, seed=3, max_new_tokens=12)
    from infformer.experiments.dialogue.replies import reply_after, reply_seed
    text, turn_chars = conversation_text(docs[conv.document], conv)
    before = text[:turn_chars[2][0]].removesuffix("A: ")            # the document and the first two turns
    assert replies[1].generated == reply_after(model, tiny_tokenizer, before, "A", seed=reply_seed(3, conv.id, 2),
                                               max_new_tokens=12)


def test_generate_stops_at_any_of_several_tokens():
    from infformer.core.generate import generate
    model = make_model("stm").eval()
    prompt = torch.tensor([[1, 2, 3]])
    free, _ = generate(model, prompt, 10)
    first = int(free[0, 2])
    stopped, _ = generate(model, prompt, 10, stop_token={first, 10_000})
    assert stopped[0].tolist() == free[0, :stopped.shape[1]].tolist() and int(stopped[0, -1]) == first


# ----------------------------------------------------------------------- section attention
def test_section_attention_on_a_trace_whose_answer_is_known(tiny_tokenizer):
    """Every query's Gaussians are put on one section with a tiny σ: nearly all the attention lands
    there, so its ratio is 1 / (its share of the memory); another section gets about nothing."""
    from infformer.experiments.dialogue.section_attention import reply_queries, section_ratios, summarize
    from infformer.tracing.regions import tokens_in_chars
    from infformer.tracing.run import trace_text
    model = make_model("ltm", vocab_size=tiny_tokenizer.vocab_size, ltm=tiny_ltm(tau=0.75)).eval()
    sections_text = ["The hero finds a dog. " * 6, "The villain steals the dog. " * 6]
    document = "\n\n".join(sections_text) + "\n"
    sections = [(0, len(sections_text[0])), (len(sections_text[0]) + 2, len(document) - 1)]
    reply = "A: Did the hero get the dog back?\n"
    text = document + "\n" + reply
    with torch.no_grad():
        _, _, trace = trace_text(model, tiny_tokenizer, text)
    start, end = text.index("Did"), len(text)
    queries = reply_queries(trace.offsets, start, end)
    assert queries.min() == tokens_in_chars(trace.offsets, start, end).min() - 1
    # put every query's Gaussians on the middle of section 1 in the memory that query read
    updates = {q: trace.memory_seen_by(trace.segment_of(int(q))) for q in queries}
    assert min(updates.values()) >= 0
    one = tokens_in_chars(trace.offsets, *sections[1])
    mu, sigma_sq = trace.mu.copy(), trace.sigma_sq.copy()
    for layer in range(trace.num_layers):
        history = trace.spans_at(set(updates.values()), layer)
        for q, u in updates.items():
            spans, tokens = history[u]
            in_one = np.isin(tokens, one)
            mu[layer, q] = float(spans[in_one].mean())
            sigma_sq[layer, q] = 1e-10
    known = dataclasses.replace(trace, mu=mu, sigma_sq=sigma_sq)
    ratios = section_ratios(known, sections, start, end)
    from infformer.tracing.regions import region_attention
    share = region_attention(known, tokens_in_chars(trace.offsets, *sections[1]), queries)["memory_share"]
    assert ratios[1] == pytest.approx(1 / share, rel=1e-3) and ratios[1] > 1
    assert ratios[0] == pytest.approx(0.0, abs=1e-6)
    s = summarize([(1, ratios), (0, ratios), (1, np.array([np.nan, np.nan]))], seed=0)
    assert s["mean_ratio"] == pytest.approx((ratios[1] + ratios[0]) / 2)
    assert s["replies"] == 2 and s["replies_without_section_in_memory"] == 1
    s = summarize([(1, ratios), (0, ratios), (1, ratios), (0, ratios)], seed=0, conversations=["x", "x", "y", "y"])
    assert s["mean_ratio_ci95"] == pytest.approx([s["mean_ratio"]] * 2)   # both conversations alike
    assert len(s["difference_ci95"]) == 2 and "difference_ci95" not in summarize([(1, ratios)], seed=0)


def test_dialogue_evaluate_generates_and_measures(cli, tiny_checkpoint, tmp_path):
    from cmudog_fixture import write_cmudog
    data = write_cmudog(tmp_path / "dog")
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--quiet", "--threads", "1",
             "--generate-conversations", "2", "--max-new-tokens", "8", "--seed", "1"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["conversations"] == 2 and report["generated_conversations"] == 2
    assert report["turns"] == 2 + 2            # every turn from the second on, of two 3-turn conversations
    for k in ("perplexity", "f1", "rouge1", "rougeL"):
        assert report[k] >= 0
    assert 0 <= report["f1"] <= 1 and report["examples"][0]["turn"] == 1
    low, high = report["f1_ci95"]                # two conversations: an interval over them
    assert low <= report["f1"] <= high
    if meteor_module.wordnet_root() is not None:  # METEOR beside them where WordNet is installed
        assert 0 <= report["meteor"] <= 1 and report["meteor_ci95"] is not None
    assert report["generation"]["meteor"] == meteor_module.meteor_note()
    sa = report["section_attention"]
    assert sa["replies"] + sa["replies_without_section_in_memory"] == 4 and "control_mean_ratio" in sa
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--quiet", "--threads", "1",
             "--generate-conversations", "1", "--max-new-tokens", "4", "--no-document"], cwd=tmp_path)
    report = json.loads(r.stdout)
    assert r.returncode == 0 and report["turns"] == 2 and report["section_attention"] is None
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--top-p", "1.5"], cwd=tmp_path)
    assert r.returncode == 2 and "--top-p" in r.stderr
