"""`python -m infformer evaluate`: perplexity JSON with the memory carried; the Python side agrees."""
import json
import math

import numpy as np
import torch

from infformer.checkpoint import load_checkpoint
from infformer.evaluate import perplexity_report, token_losses
from infformer.trace import run_with_trace


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
