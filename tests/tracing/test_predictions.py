"""Qualitative error analysis (issue 26): per-token loss in tokens.csv equals `evaluate`'s, the memory's
worth token by token adds up to what `evaluate --ablate-ltm` reports, the local/long-term shares on
cases whose answer is known, phrase search, the exported HTML, and the notebook view."""
import csv
import html
import math
import re

import numpy as np
import pytest
import torch
from helpers import SAMPLE_TEXT, make_model

from infformer.core.model import InfFormer, long_term_read_zeroed
from infformer.io.checkpoint import load_checkpoint
from infformer.tracing.predictions import find_phrase, scores, stretch_table, token_characters, worth
from infformer.tracing.run import run_with_trace, trace_text
from infformer.training.evaluate import perplexity_report, surprisal_without_ltm_read, token_losses
from infformer.viz import document as vd
from infformer.viz import notebook


def visible(page: str) -> str:
    """The text a browser shows of some HTML."""
    return html.unescape(re.sub(r"<[^>]+>", "", page))


@pytest.fixture(scope="module")
def traced(tiny_checkpoint):
    model, tok, _ = load_checkpoint(tiny_checkpoint)
    _, _, trace = trace_text(model, tok, SAMPLE_TEXT * 2, None)
    return model, tok, trace


def test_tokens_csv_loss_equals_evaluates_token_losses(cli, tiny_checkpoint, traced, tmp_path):
    model, _, trace = traced
    text = tmp_path / "in.txt"
    text.write_text(SAMPLE_TEXT * 2, encoding="utf-8")
    r = cli(["trace", text, "--model", tiny_checkpoint, "--out", tmp_path / "o", "--quiet", "--threads", "1"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    with open(tmp_path / "o" / "tokens.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    loss = np.array([float(r["loss"]) if r["loss"] else np.nan for r in rows])
    expected = token_losses(model, list(trace.token_ids))  # -log p(token i+1 | ≤ i), i < T - 1
    assert np.isnan(loss[0]) and len(loss) == len(expected) + 1
    np.testing.assert_allclose(loss[1:], expected, atol=1e-4)


def test_memory_worth_adds_up_to_the_ablation_totals(traced):
    model, _, trace = traced
    without = surprisal_without_ltm_read(model, trace.token_ids)
    w = worth(trace, without)
    ablated = InfFormer(model.cfg.with_memory(ablate_read=True))
    ablated.load_state_dict(model.state_dict())
    report = perplexity_report(model, [list(trace.token_ids)], ablated=ablated.eval())
    reported = math.log(report["without_ltm_read"]["perplexity"]) - math.log(report["perplexity"])
    assert np.nanmean(w) == pytest.approx(reported, abs=2e-4)  # the report rounds perplexity to 4 decimals
    exact = token_losses(ablated, list(trace.token_ids)) - token_losses(model, list(trace.token_ids))
    np.testing.assert_allclose(w[1:], exact, atol=1e-4)
    assert np.abs(w[1:]).max() > 0  # the random memory changes something


def test_the_read_is_zeroed_for_this_context_only(traced):
    model, _, trace = traced
    ids = torch.tensor(trace.token_ids[:40])[None]
    with torch.no_grad():
        normal, _ = model(ids, model.initial_state(1))
        with long_term_read_zeroed():
            zeroed, _ = model(ids, model.initial_state(1))
        again, _ = model(ids, model.initial_state(1))
    assert torch.equal(normal, again) and not torch.equal(normal, zeroed)


def test_long_term_share_on_constructed_cases():
    tokens = torch.arange(60) % 50
    silent = make_model("sticky", stm_len=0)  # W_O of the long-term read at zero: it adds nothing
    for block in silent.blocks:
        torch.nn.init.zeros_(block.ltm.out.weight)
        if block.ltm.out.bias is not None:
            torch.nn.init.zeros_(block.ltm.out.bias)
    _, _, tr = run_with_trace(silent, tokens)
    assert tr.ltm_norm.max() == 0 and (tr.long_term_share() == 0).all() and tr.local_norm.min() > 0
    deaf = make_model("sticky", stm_len=0)  # local attention's output projection at zero: only the memory adds
    for block in deaf.blocks:
        torch.nn.init.zeros_(block.attn.out.weight)
        if block.attn.out.bias is not None:
            torch.nn.init.zeros_(block.attn.out.bias)
    _, _, tr = run_with_trace(deaf, tokens)
    read = ~np.isnan(tr.mu[:, :, 0])  # tokens that read a written memory
    assert read.any() and tr.local_norm.max() == 0
    np.testing.assert_allclose(tr.long_term_share()[read], 1.0)
    assert (tr.long_term_share()[~read] == 0).all()


def test_per_head_terms_on_a_constructed_case_and_against_the_heads_outputs():
    """Head 0's columns of the long-term W_O and head 1's of the local W_O at zero: those heads' terms
    are zero wherever they are recorded and the others are not; every recorded norm equals ‖W_O,h o_h‖
    computed from the hook points' own outputs, and the per-head terms (plus the bias) add up to each
    projection's output."""
    from infformer.core.hooks import CallHooks, hook_points
    model = make_model("sticky", stm_len=0, n_heads=4)
    d = model.cfg.d_model // model.cfg.n_heads
    with torch.no_grad():
        for block in model.blocks:
            block.ltm.out.weight[:, :d] = 0
            block.attn.out.weight[:, d:2 * d] = 0
    tokens = torch.arange(60) % 50
    seen = {}
    points = hook_points(model)
    hooks = CallHooks()
    for name in ("blocks.1.attn.hook_heads", "blocks.1.ltm.hook_context", "blocks.1.hook_local_out", "blocks.1.hook_ltm_out"):
        hooks.add(points[name], lambda p, i, o, name=name: seen.setdefault(name, []).append(o.detach()))
    with hooks:
        _, _, tr = run_with_trace(model, tokens)
    read = ~np.isnan(tr.mu[:, :, 0])  # [Y, T] tokens that read a written memory
    assert read.any() and tr.local_head_norm.shape == tr.ltm_head_norm.shape == tr.mu.shape
    assert (tr.ltm_head_norm[:, :, 0] == 0).all() and (tr.ltm_head_norm[:, :, 1:][read] > 0).all()
    assert (tr.ltm_head_norm[~read] == 0).all()  # an empty memory's read adds nothing
    assert (tr.local_head_norm[:, :, 1] == 0).all() and (tr.local_head_norm[:, :, [0, 2, 3]] > 0).all()
    block = model.blocks[1]
    for what, proj, out, norms in (("attn.hook_heads", block.attn.out, "hook_local_out", tr.local_head_norm),
                                   ("ltm.hook_context", block.ltm.out, "hook_ltm_out", tr.ltm_head_norm)):
        o = torch.cat(seen[f"blocks.1.{what}"], 1)[0]                       # [T, H·d]
        terms = torch.stack([o[:, h * d:(h + 1) * d] @ proj.weight[:, h * d:(h + 1) * d].T
                             for h in range(model.cfg.n_heads)], 1)         # [T, H, e]
        total = torch.cat(seen[f"blocks.1.{out}"], 1)[0]
        bias = 0 if proj.bias is None else proj.bias
        rows = torch.from_numpy(read[1]) if what.startswith("ltm") else slice(None)
        torch.testing.assert_close(terms.sum(1)[rows] + bias, total[rows], rtol=1e-4, atol=1e-5)
        want = terms.norm(dim=-1).detach().numpy()
        mask = read[1] if what.startswith("ltm") else np.ones(len(want), bool)
        np.testing.assert_allclose(norms[1][mask].astype(np.float32), want[mask], rtol=2e-3, atol=1e-4)
    share = tr.long_term_head_share(int(np.flatnonzero(read[1])[-1]))
    assert share.shape == (model.cfg.n_layers, model.cfg.n_heads)
    assert (share[:, 0] == 0).all() and (share[:, 1] == 1).all() and ((share[:, 2:] > 0) & (share[:, 2:] < 1)).all()


def test_scores_and_stretches(traced):
    _, _, trace = traced
    n = trace.num_text_tokens
    whole = scores(trace.surprisal()[:n], token_characters(trace)[:n])
    assert whole["perplexity"] == pytest.approx(trace.summary()["perplexity"], rel=1e-3)
    table = stretch_table(trace, 4)
    assert len(table) == 4 and table["scored"].sum() == n - 1
    assert (table["perplexity"] > 0).all()


def test_find_phrase_finds_each_occurrence_case_insensitively(traced):
    _, _, trace = traced
    hits = find_phrase(trace, "THE PASS KEY")
    assert len(hits) == 2
    starts = [i for i in range(len(trace.text)) if trace.text.lower().startswith("the pass key", i)]
    for t, at in zip(hits, starts, strict=True):  # each hit is the token holding the phrase's first character
        assert trace.offsets[t][0] <= at < trace.offsets[t][1]
    assert len(find_phrase(trace, "no such words here")) == 0 and len(find_phrase(trace, "  ")) == 0


def test_the_exported_html_holds_legend_settings_and_the_text_escaped():
    text = "Alice <script>alert(1)</script> & Bob"
    offsets = np.array([[0, 5], [5, 14], [14, 23], [23, 32], [32, 38]])
    body = vd.highlight_html(text, offsets, np.array([0.1, -0.5, 0.2, 0.0, 0.3]), rgb=vd.HELPED_RGB,
                             negative_rgb=vd.HURT_RGB, titles=["a", "<b>", "c", "d", "e"])
    page = vd.standalone_html("My <title>", body, vd.legend_html("worth", 0.5), {"model": "<x>", "tau": 0.75})
    assert page.startswith("<!DOCTYPE html>") and "<script>" not in page
    assert text in visible(page)  # shown as written, every character escaped
    assert "Memory worth" in page and "helped by 0.5" in page and "hurt by 0.5" in page  # the legend
    assert "&lt;x&gt;" in page and "0.75" in page and "My &lt;title&gt;" in page       # the settings, escaped
    assert "rgba(214,39,40" in body and "rgba(31,119,180" in body                       # hurt red, helped blue
    assert 'title="&lt;b&gt;"' in body


def test_notebook_views_render_and_save(traced, tmp_path):
    model, tok, trace = traced
    for shaded in (notebook.show_excerpts(trace), notebook.show_surprisal(trace, tok.decode),
                   notebook.show_worth(trace, surprisal_without_ltm_read(model, trace.token_ids))):
        shown = shaded._repr_html_()
        assert "The pass key is 71432" in visible(shown) and 'class="legend"' in shown
        path = shaded.save(tmp_path / "view.html")
        assert path.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    assert "the model expected" in notebook.show_surprisal(trace, tok.decode)._repr_html_()


def test_another_tokenizers_costs_are_put_on_these_tokens_character_by_character(traced):
    """Two models compared on one text (issue 26): b's tokens cut the text elsewhere (here: a's tokens
    merged in pairs, each pair costing what its two tokens cost together). Each pair's cost is spread
    over its characters, so a's two tokens get shares in proportion to their lengths that add up to it;
    the same tokens give b's surprisal itself; different texts are refused."""
    import dataclasses
    a = traced[2]
    from infformer.tracing.predictions import costs_on_tokens
    from infformer.tracing.record import disjoint_offsets
    np.testing.assert_array_equal(costs_on_tokens(a, a), a.surprisal())
    o = disjoint_offsets(a.offsets)
    T = (a.num_tokens // 2) * 2
    pairs = np.stack([o[0:T:2, 0], o[1:T:2, 1]], 1)
    rng = np.random.default_rng(0)
    pair_cost = rng.uniform(0.5, 5.0, len(pairs))
    pair_cost[0] = np.nan  # b's first token: nothing predicted it
    loss = np.append(pair_cost[1:], np.nan).astype(np.float32)  # token_loss[t] is the cost of token t + 1
    b = dataclasses.replace(a, token_ids=np.arange(len(pairs)), offsets=pairs, token_loss=loss)
    got = costs_on_tokens(a, b)
    for k in range(1, len(pairs)):
        i, j = 2 * k, 2 * k + 1
        width = o[j, 1] - o[i, 0]
        if width == 0:
            continue
        np.testing.assert_allclose(np.nansum(got[[i, j]]), pair_cost[k], rtol=1e-5)
        if o[i, 1] > o[i, 0]:
            np.testing.assert_allclose(got[i], pair_cost[k] * (o[i, 1] - o[i, 0]) / width, rtol=1e-5)
    assert np.isnan(got[0]) and np.isnan(got[1])  # a's first token, and the characters of b's first
    with pytest.raises(ValueError, match="different texts"):
        costs_on_tokens(a, dataclasses.replace(b, text=a.text + "!"))


def test_per_head_terms_are_recorded_under_bf16_autocast_too():
    """A bf16 trace's hooks run under autocast: the per-head norms must still come out as float32
    numbers (a bf16 result once stopped every bf16 trace: numpy has no bfloat16)."""
    model = make_model("sticky", stm_len=0, n_heads=4)
    tokens = torch.arange(60) % 50
    _, _, ref = run_with_trace(model, tokens)
    _, _, b16 = run_with_trace(model, tokens, bf16=True)
    for name in ("local_head_norm", "ltm_head_norm"):
        want, got = getattr(ref, name).astype(np.float32), getattr(b16, name).astype(np.float32)
        assert np.isfinite(got).all() and (got > 0).any()
        np.testing.assert_allclose(got, want, rtol=0.1, atol=0.05 * float(want.max()))
