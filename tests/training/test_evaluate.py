"""`python -m infformer evaluate`: perplexity JSON with the memory carried; the Python side agrees."""
import json
import math

import numpy as np
import torch
from helpers import make_model, random_tokens

from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.run import run_with_trace
from infformer.training.evaluate import batched_token_losses, perplexity_report, token_losses


def test_evaluate_prints_perplexity_json(cli, tiny_checkpoint, sample_text_file, tmp_path):
    r = cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, "--position-bins", "4",
             "--quiet"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["tokens"] > 0 and math.isfinite(report["perplexity"]) and report["perplexity"] > 1
    assert report["settings"]["variant"] == "sticky" and "tau" in report["settings"]
    assert len(report["by_position"]) == 4
    assert sum(b["end_token"] - b["start_token"] for b in report["by_position"]) == report["tokens"]


def test_evaluate_heldout_scores_the_last_fraction(cli, tiny_checkpoint, sample_text_file, tmp_path):
    whole = json.loads(cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, "--quiet"],
                           cwd=tmp_path).stdout)
    r = cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, "--heldout", "0.25", "--quiet"],
            cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    part = json.loads(r.stdout)
    assert part["heldout"] == 0.25
    assert abs(part["tokens"] - 0.25 * (whole["tokens"] + 1)) <= 2


def test_evaluate_bad_input(cli, tiny_checkpoint, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for args in (["--text", empty], ["--text", tmp_path / "missing.txt"], ["--text", empty, "--position-bins", "0"],
                 ["--text", empty, "--heldout", "1.5"]):
        r = cli(["evaluate", "--model", tiny_checkpoint, *args], cwd=tmp_path)
        assert r.returncode == 2 and r.stderr.startswith("error:") and "Traceback" not in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1


def test_token_losses_match_the_trace(tiny_checkpoint, tiny_tokenizer, sample_text_file):
    model, tokenizer, _ = load_checkpoint(tiny_checkpoint)
    ids, _ = tokenizer.encode(sample_text_file.read_text())
    losses = token_losses(model, ids)
    _, _, trace = run_with_trace(model, torch.tensor(ids))
    np.testing.assert_allclose(losses, trace.token_loss[:-1], rtol=1e-4, atol=1e-4)
    report = perplexity_report(model, [ids], 3)
    assert math.isclose(report["perplexity"], math.exp(losses.mean()), rel_tol=1e-3)


def test_evaluate_pools_several_texts_each_from_an_empty_memory(cli, tiny_checkpoint, sample_text_file, tmp_path):
    other = tmp_path / "other.txt"
    other.write_text(sample_text_file.read_text()[: len(sample_text_file.read_text()) // 2])
    one = json.loads(cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, "--quiet"],
                         cwd=tmp_path).stdout)
    r = cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, other, "--position-bins", "3",
             "--quiet"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    both = json.loads(r.stdout)
    assert both["texts"] == [str(sample_text_file), str(other)]
    first, second = both["documents"]
    # the first file scores exactly as alone: the second starts from an empty memory, not the first's
    assert first["tokens"] == one["tokens"] and math.isclose(first["perplexity"], one["perplexity"], rel_tol=1e-6)
    assert both["tokens"] == first["tokens"] + second["tokens"]
    pooled = math.exp((first["tokens"] * math.log(first["perplexity"]) + second["tokens"] * math.log(second["perplexity"]))
                      / both["tokens"])
    assert math.isclose(both["perplexity"], pooled, rel_tol=1e-3)
    assert [b["start_fraction"] for b in both["by_position"]] == [0.0, 0.3333, 0.6667]
    assert sum(b["tokens"] for b in both["by_position"]) == both["tokens"]


# ----------------------------------------------------------------------- ablation, bits per character, dialogue
def test_ablated_read_changes_the_output_only_where_the_memory_is_filled(tiny_model):
    from helpers import random_tokens

    from infformer import InfFormer
    model = tiny_model("sticky")
    ablated = InfFormer(model.cfg.with_memory(ablate_read=True)).eval()
    ablated.load_state_dict(model.state_dict())
    tokens = random_tokens(48)
    with torch.no_grad():
        a, state = model(tokens)
        b, state_b = ablated(tokens)
    L, S = model.cfg.segment_len, model.cfg.stm_len
    first_read = L + S  # the first segment leaves the window when the third starts, and is written then
    torch.testing.assert_close(a[:, :first_read], b[:, :first_read], rtol=0, atol=0)
    assert (a[:, first_read:] - b[:, first_read:]).abs().amax(-1).min() > 0
    assert state_b.num_updates == state.num_updates  # still written


def test_evaluate_ablate_ltm_and_bits_per_character(cli, tiny_checkpoint, sample_text_file, tmp_path):
    r = cli(["evaluate", "--model", tiny_checkpoint, "--text", sample_text_file, "--ablate-ltm", "--position-bins", "3",
             "--threads", "1", "--quiet"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert set(report["without_ltm_read"]) >= {"perplexity", "bits_per_character", "tokens"}
    assert report["without_ltm_read"]["tokens"] == report["tokens"]
    assert all("perplexity_without_ltm_read" in b for b in report["by_position"])
    text = sample_text_file.read_text()
    assert abs(report["characters"] - len(text)) <= 8  # every character but the first token's
    nats = math.log(report["perplexity"]) * report["tokens"]
    assert math.isclose(report["bits_per_character"], nats / math.log(2) / report["characters"], rel_tol=1e-3)


def test_ablate_ltm_refused_without_a_long_term_memory(cli, tiny_tokenizer, sample_text_file, tmp_path):
    from helpers import tiny_config

    from infformer import InfFormer
    from infformer.io.checkpoint import save_checkpoint
    save_checkpoint(tmp_path / "stm", InfFormer(tiny_config("stm", vocab_size=tiny_tokenizer.vocab_size)),
                    tiny_tokenizer)
    r = cli(["evaluate", "--model", tmp_path / "stm", "--text", sample_text_file, "--ablate-ltm"], cwd=tmp_path)
    assert r.returncode == 2 and "no long-term memory" in r.stderr and "Traceback" not in r.stderr


def test_batched_losses_equal_one_at_a_time(tiny_model):
    from infformer.training.evaluate import batched_token_losses
    model = tiny_model("ltm")
    docs = [list(range(1, n)) for n in (40, 17, 60, 9)]
    batched = batched_token_losses(model, docs, batch_size=3)
    for d, b in zip(docs, batched, strict=False):
        np.testing.assert_allclose(b, token_losses(model, d), rtol=1e-4, atol=1e-4)


def test_dialogue_scores_only_the_turns(tmp_path, tiny_tokenizer):
    from cmudog_fixture import write_cmudog

    from infformer.corpora import cmudog
    from infformer.experiments.dialogue.reading import dialogue_examples
    data = write_cmudog(tmp_path / "dog")
    convs = cmudog.conversations(data, "test")
    with_doc = dialogue_examples(tiny_tokenizer, data, convs)
    without = dialogue_examples(tiny_tokenizer, data, convs, with_document=False)
    assert [e.conversation for e in with_doc] == ["te0", "te1"]
    for a, b in zip(with_doc, without, strict=False):
        assert len(a.ids) > len(b.ids) and a.scored.sum() == b.scored.sum()   # the same turn tokens scored
        assert a.characters[a.scored].sum() == b.characters[b.scored].sum()
    turns = cmudog.conversations(data, "test")[1].turns
    scored = without[1].characters[without[1].scored].sum()
    # each turn's text and newline, plus at most the label's space riding on its first word
    assert sum(len(t) + 1 for _, _, t in turns) <= scored <= sum(len(t) + 2 for _, _, t in turns)


def test_dialogue_evaluate_command(cli, tiny_checkpoint, tmp_path):
    from cmudog_fixture import write_cmudog
    data = write_cmudog(tmp_path / "dog")
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--ablate-ltm", "--quiet",
             "--threads", "1"], cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["conversations"] == 2 and report["split"] == "test" and report["with_document"]
    assert report["perplexity"] > 1 and "without_ltm_read" in report and report["bits_per_character"] > 0
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", tmp_path / "nowhere"], cwd=tmp_path)
    assert r.returncode == 2 and "documents.jsonl" in r.stderr


def test_token_losses_are_float32_accurate_on_a_large_vocabulary():
    """Scored against float64 on SmolLM2's vocabulary size: cross-entropy over a [B, V, T] view (the
    vocabulary strided) was off by ~1e-4 nats a token, always low; over [B·T, V] it is ~1e-5."""
    model = make_model("ltm", vocab_size=49152, segment_len=16, stm_len=16).eval()
    with torch.no_grad():
        model.embed.weight.mul_(26)    # logits spread ~3 nats, as a trained model's
        ids = random_tokens(40, vocab=49152, seed=3)
        logits, _ = model(ids[:, :-1])
    exact = -torch.log_softmax(logits[0].double(), -1).gather(1, ids[0, 1:, None]).squeeze(1)
    assert float(exact.std()) > 2.0                      # not a flat distribution: a real test of the sum
    got = batched_token_losses(model, [ids[0].tolist()], batch_size=1)[0]
    assert np.abs(got - exact.numpy()).max() < 5e-5      # the [B, V, T] view: 2.2e-4 here
