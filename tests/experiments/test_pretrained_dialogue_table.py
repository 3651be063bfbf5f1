"""Issue 27's Table 2 / Figure 4 script on fixture JSON: perplexity pooled over the parts of the split,
one seed with its interval, seeds over the same conversations pooled as mean ± sd and seeds over different
ones shown apart, the without-document row read from the -nodoc files, an incomplete set of parts said so,
missing models left out."""
import csv
import json
import math
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "experiments"))
from pretrained_dialogue_table import csv_rows, figure4, table2  # noqa: E402


def part(i, n, per_token, zeroed=None, conversations=("a", "b", "c", "d")):
    """Part i of n: 4 conversations of 100 tokens, 400 characters, `per_token` nats a token (±10%)."""
    rows = []
    for k, c in enumerate(conversations):
        scale = 0.9 + 0.2 * k / 3
        row = {"conversation": f"{c}{i}", "tokens": 100, "characters": 400, "nats": 100 * per_token * scale}
        if zeroed is not None:
            row["nats_without_ltm_read"] = 100 * zeroed * scale
        rows.append(row)
    return {"model": "m", "data": "d", "split": "test", "with_document": True, "seed": 0, "part": [i, n],
            "settings": {}, "per_conversation": rows}


def replies(f1, ratio=None):
    r = {"generated_conversations": 30, "seed": 1, "f1": f1, "f1_ci95": [f1 - 0.01, f1 + 0.01], "rouge1": 0.1,
         "rouge1_ci95": None, "rougeL": 0.08, "section_attention": None}
    if ratio is not None:
        r["section_attention"] = {"mean_ratio": ratio, "control_mean_ratio": 1.0, "replies": 800,
                                  "mean_ratio_ci95": [ratio - 0.1, ratio + 0.1], "control_mean_ratio_ci95": [0.9, 1.1],
                                  "difference_ci95": [ratio - 1.1, ratio - 0.9]}
    return r


def write(root: Path, name: str, file: str, data: dict) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / file).write_text(json.dumps(data))


def test_table2_pools_parts_and_figure4(tmp_path):
    for i in (1, 2):
        write(tmp_path, "base", f"dialogue-part-{i}-of-2.json", part(i, 2, math.log(20)))
        write(tmp_path, "base", f"dialogue-nodoc-part-{i}-of-2.json", part(i, 2, math.log(22)))
        write(tmp_path, "s0", f"dialogue-part-{i}-of-2.json", part(i, 2, math.log(19), zeroed=math.log(20)))
    write(tmp_path, "s1", "dialogue-part-1-of-2.json", part(1, 2, math.log(19.2), zeroed=math.log(20.1)))
    write(tmp_path, "base", "dialogue-replies-seed1.json", replies(0.08))
    write(tmp_path, "base", "dialogue-nodoc-replies-seed1.json", replies(0.07))
    write(tmp_path, "s0", "dialogue-replies-seed1.json", replies(0.09, ratio=1.2))
    write(tmp_path, "s1", "dialogue-replies-seed1.json", replies(0.10, ratio=1.3))
    write(tmp_path, "s1", "dialogue-replies-seed2.json", replies(0.50, ratio=9.0))   # another seed: not read
    rows = ["without document=base:nodoc", "backbone=base", "sticky=s0,s1", "missing=nothing"]
    t2 = table2(tmp_path, rows).splitlines()
    assert t2[0].startswith("| model | perplexity | read zeroed | zeroed ÷ with | F1 % | ROUGE-1 % | ROUGE-L % | METEOR %")
    nodoc = t2[2].split(" | ")
    assert nodoc[0] == "| without document" and nodoc[1].startswith("22.00 [") and nodoc[2:4] == ["–", "–"]
    low, high = map(float, nodoc[1][len("22.00 ["):-1].split(", "))
    assert low < 22 < high                           # the conversations differ: a real interval
    assert nodoc[4:] == ["7.00 [6.00, 8.00]", "10.00", "8.00", "–", "8 / 30 |"]     # scored without WordNet
    assert t2[3].startswith("| backbone | 20.00 [")
    # s1 has half the split so far: a mean with s0 (the whole split) would mix conversations, so a row each
    assert t2[4].startswith("| sticky (s0) | 19.00 [") and t2[4].endswith("| 8 / 30 |")
    assert t2[5].startswith("| sticky (s1) | 19.20 [") and t2[5].endswith("| 4 (1 of 2 parts) / 30 |")
    assert len(t2) == 6  # the missing model is left out
    assert [r["model"] for r in csv_rows(tmp_path, ["∞-former=s0,s1"])] == ["∞-former (s0)", "∞-former (s1)"]
    assert {r["paper_perplexity"] for r in csv_rows(tmp_path, ["∞-former=s0,s1"])} == {18.02}   # the row's paper row
    write(tmp_path, "s1", "dialogue-part-2-of-2.json", part(2, 2, math.log(19.2), zeroed=math.log(20.1)))
    t2 = table2(tmp_path, rows).splitlines()
    sticky = t2[4]   # now over the same conversations: one row, the seeds' mean ± sd
    assert sticky.startswith("| sticky | 19.10 ± 0.14 (n=2) | 20.05 ± 0.07 (n=2) | ")
    assert "| 9.50 ± 0.71 (n=2) |" in sticky
    assert sticky.endswith("| 8 / 30 |")
    assert len(t2) == 5
    # a seed with no replies yet does not part the row: the replies cell is the other seed's, its interval kept
    (tmp_path / "s1" / "dialogue-replies-seed1.json").unlink()
    alone = table2(tmp_path, rows).splitlines()[4]
    assert alone.startswith("| sticky | 19.10 ± 0.14 (n=2) | ") and "| 9.00 [8.00, 10.00] |" in alone
    write(tmp_path, "s1", "dialogue-replies-seed1.json", replies(0.10, ratio=1.3))
    merged = {r["model"]: r for r in csv_rows(tmp_path, rows)}["sticky"]
    assert merged["read_ratio"] == pytest.approx((20 / 19 + 20.1 / 19.2) / 2) and merged["runs"] == 2
    assert merged["perplexity_low"] is None and merged["conversations"] == 8   # two seeds: no single interval
    f4 = figure4(tmp_path, rows).splitlines()
    assert len(f4) == 3 and f4[2].startswith("| sticky | 1.250 ± 0.071 (n=2) | 1.000 ± 0.000 (n=2)")
    assert "[0.100, 0.300]; [0.200, 0.400]" in f4[2]
    assert "9.000" in figure4(tmp_path, rows, reply_seed=2)
    assert f4[2].endswith("| 800, 800 | 30 conversations (replies' sample, seed 1), "
                          "30 conversations (replies' sample, seed 1) |")
    # a sections file (--section-attention on a seeded sample) comes before the replies' sample
    write(tmp_path, "s1", "dialogue-sections-seed1.json", {"conversations": 20, "seed": 1, "section_attention_all": {
        "mean_ratio": 2.0, "control_mean_ratio": 1.0, "replies": 500, "difference_ci95": [0.5, 1.5]}})
    f4 = figure4(tmp_path, ["s1=s1"]).splitlines()
    assert f4[2] == "| s1 | 2.000 | 1.000 | [0.500, 1.500] | – | – | – | 500 | 20 conversations (seed 1) |"
    # a sections file with its rows is summarised again from them: one made before gets the turn-matched control
    rows4 = [{"conversation": c, "turn": t, "doc_idx": t, "ratios": [2.0 if s == t else 0.5 for s in range(2)]}
             for c in "xy" for t in range(2)]
    write(tmp_path, "s2", "dialogue-sections-seed1.json", {"conversations": 2, "seed": 1, "section_rows": rows4,
                                                            "section_attention_all": {"mean_ratio": 2.0}})
    cells = figure4(tmp_path, ["s2=s2"]).splitlines()[2].split(" | ")
    assert cells[1] == "2.000 [2.000, 2.000]" and cells[4] == "2.000 [2.000, 2.000]" and cells[6] == "0.00"   # each turn saw one section
    # parts that measured every conversation's replies: Figure 4 over them, not over the replies' sample
    for i in (1, 2):
        p = part(i, 2, math.log(19), zeroed=math.log(20))
        p["section_rows"] = [{"conversation": f"a{i}", "turn": 1, "doc_idx": 0, "ratios": [2.0, 1.0, None, 0.5]},
                             {"conversation": f"b{i}", "turn": 1, "doc_idx": 1, "ratios": [2.0, 1.0, None, 0.5]}]
        write(tmp_path, "s0", f"dialogue-part-{i}-of-2.json", p)
    f4 = figure4(tmp_path, ["sticky=s0"]).splitlines()
    assert f4[2].startswith("| sticky | 1.500 [") and f4[2].endswith("| 4 | 8 conversations |")
    # the fresh seed's sample on request: here the replies' (s0 has no sections file)
    sample = figure4(tmp_path, ["sticky=s0"], source="sample").splitlines()
    assert sample[2].startswith("| sticky | 1.200 [") and sample[2].endswith("(replies' sample, seed 1) |")
    # every reply at turn 1: the turn-matched control is the shuffled one (same draw, one stratum)
    shuffled, matched = f4[2].split(" | ")[2], f4[2].split(" | ")[4]
    assert matched == shuffled
    from pretrained_dialogue_table import by_section, by_section_table
    sections = by_section(tmp_path, "s0")     # each section with itself: its writer saw it, or another
    assert [s["writer_saw_it"] for s in sections] == [2.0, 1.0, None, None]
    assert [s["writer_saw_another"] for s in sections] == [2.0, 1.0, None, 0.5]
    assert [s["replies"] for s in sections] == [2, 2, 0, 0] and sections[0]["mean_turn"] == 1
    assert "| s0 | 3 | – | 0 | 0.500 | 4 | – |" in by_section_table(tmp_path, ["s0"])

    out = {r["model"]: r for r in csv_rows(tmp_path, rows)}
    assert set(out) == {"without document", "backbone", "sticky (s0)", "sticky (s1)"}   # Figure 4 on s0 only
    assert out["backbone"]["perplexity"] == pytest.approx(20) and out["backbone"]["read_zeroed"] is None
    assert out["backbone"]["paper_perplexity"] is None          # a label of no paper row
    paper = {r["model"]: r for r in csv_rows(tmp_path, ["∞-former=s0"])}["∞-former"]
    assert (paper["paper_model"], paper["paper_perplexity"], paper["paper_meteor"]) == ("∞-former", 18.02, 7.52)
    assert out["sticky (s0)"]["perplexity_low"] < 19 < out["sticky (s0)"]["perplexity_high"]
    assert out["sticky (s0)"]["section_ratio"] == pytest.approx(1.5) and out["sticky (s1)"]["section_ratio"] == 2.0
    assert out["backbone"]["perplexity_low"] < 20 < out["backbone"]["perplexity_high"]


def test_the_script_writes_the_csv(tmp_path):
    import subprocess
    for i in (1, 2):
        write(tmp_path, "base", f"dialogue-part-{i}-of-2.json", part(i, 2, math.log(20)))
        write(tmp_path, "base", f"dialogue-nodoc-part-{i}-of-2.json", part(i, 2, math.log(25)))
    path, pairs = tmp_path / "t.csv", tmp_path / "pairs.csv"
    r = subprocess.run([sys.executable, str(ROOT / "scripts/experiments/pretrained_dialogue_table.py"),
                        "--results", str(tmp_path), "--row", "backbone=base", "--csv", str(path),
                        "--pair", "the document=base:nodoc/base", "--paired-csv", str(pairs)],
                       capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(path.open()))
    assert rows[0]["model"] == "backbone" and float(rows[0]["perplexity"]) == pytest.approx(20)
    rows = list(csv.DictReader(pairs.open()))
    assert [r["comparison"] for r in rows] == ["the document"] and float(rows[0]["ratio"]) == pytest.approx(25 / 20)
    assert "| the document | 1.2500 [" in r.stdout


def test_the_experiments_page_shows_table2_and_figure5(tmp_path, monkeypatch):
    import pandas as pd
    from app_helpers import assert_clean
    from streamlit.testing.v1 import AppTest
    for i in (1, 2):
        write(tmp_path, "base", f"dialogue-part-{i}-of-2.json", part(i, 2, math.log(20)))
    write(tmp_path, "s0", "dialogue-part-1-of-2.json", part(1, 2, math.log(19), zeroed=math.log(20)))
    write(tmp_path, "s0", "dialogue-replies-seed1.json", replies(0.09, ratio=1.2))
    results = tmp_path / "results"
    (results / "pretrained").mkdir(parents=True)
    pd.DataFrame(csv_rows(tmp_path, ["backbone=base", "sticky=s0"])).to_csv(results / "pretrained_dialogue.csv",
                                                                           index=False)
    from pretrained_dialogue_table import pair_rows
    pd.DataFrame(pair_rows(tmp_path, ["the read=base/s0"])).to_csv(results / "pretrained_dialogue_paired.csv", index=False)
    from pretrained_dialogue_table import reply_pair_rows
    write(tmp_path, "s0", "dialogue-replies-seed1-part-1-of-2.json", reply_part(1, 2, [[0.3, 0.2]]))
    write(tmp_path, "base", "dialogue-replies-seed1-part-1-of-2.json", reply_part(1, 2, [[0.1, 0.1]]))
    pd.DataFrame(reply_pair_rows(tmp_path, ["the memory=s0/base"])).to_csv(
        results / "pretrained_dialogue_replies_paired.csv", index=False)
    phrases = [{"phrase": f"Sentence {k}.", "first_token": 4 * k, "tokens": 4, "share": s}
               for k, s in enumerate([0.5, 0.3, 0.2])]
    figure5 = {"film": "A Film", "tokens": 12, "models": {
        "sticky": {"top_tenth_share": 0.5, "effective_phrases": 2.8, "phrases": phrases},
        "linear": {"top_tenth_share": 0.34, "effective_phrases": 3.0,
                   "phrases": [{**p, "share": 1 / 3} for p in phrases]}}}
    (results / "pretrained" / "figure5.json").write_text(json.dumps(figure5))
    monkeypatch.setenv("INFFORMER_RESULTS", str(results))
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60).run()
    assert_clean(at)
    shown = next(d.value for d in at.dataframe if "read_ratio" in d.value.columns)
    assert list(shown["model"]) == ["backbone", "sticky"]
    assert shown["read_ratio"].iloc[1] == pytest.approx(20 / 19) and shown["section_ratio"].iloc[1] == 1.2
    assert "replies' sample, seed 1" in shown["section_over"].iloc[1]   # what Figure 4 was measured over
    pairs = next(d.value for d in at.dataframe if "comparison" in d.value.columns)
    assert list(pairs["comparison"]) == ["the read"] and pairs["conversations"].iloc[0] == 4   # s0 has part 1 only
    assert pairs["ratio"].iloc[0] == pytest.approx(20 / 19)
    replied = next(d.value for d in at.dataframe if "replies" in d.value.columns and "f1_low" in d.value.columns)
    assert list(replied["comparison"]) == ["the memory"] and replied["f1"].iloc[0] == pytest.approx(15.0)
    fig = next(json.loads(c.proto.spec) for c in at.get("plotly_chart") if "Share of the final memory" in c.proto.spec)
    assert [t["name"] for t in fig["data"]] == ["sticky", "linear"]
    assert fig["data"][0]["y"][-1].startswith("Sentence 0.")          # the largest share on top
    assert "sticky: the top tenth of phrases hold 50%" in " ".join(c.value for c in at.caption)
    (results / "pretrained" / "figure5.json").write_text('{"models": {"sticky": {"phrases": 3}}}')
    at = AppTest.from_file(str(ROOT / "pages" / "experiments.py"), default_timeout=60).run()
    assert not at.exception and "figure5.json" in " ".join(e.value for e in at.error)


def test_figure5_script_on_a_tiny_model(cli, tiny_checkpoint, tmp_path):
    import subprocess

    from cmudog_fixture import write_cmudog
    data = write_cmudog(tmp_path / "dog")
    out = tmp_path / "figure5.json"
    r = subprocess.run([sys.executable, str(ROOT / "scripts/experiments/pretrained_figure5.py"), "--data", str(data),
                        "--sticky", str(tiny_checkpoint), "--linear", str(tiny_checkpoint), "--out", str(out),
                        "--seed", "4", "--also", "3"],
                       capture_output=True, text=True, cwd=ROOT, env={**__import__("os").environ, "HF_HUB_OFFLINE": "1"})
    assert r.returncode == 0, r.stderr
    fig = json.loads(out.read_text())
    assert set(fig["models"]) == {"sticky", "linear"}
    for m in fig["models"].values():
        shares = [p["share"] for p in m["phrases"]]
        assert m["phrase_count"] == len(shares) > 1 and min(shares) >= 0
        assert sum(shares) == pytest.approx(1.0, abs=1e-4)   # each layer's shares of its whole memory, averaged
        assert 0 < m["top_tenth_share"] <= 1 and 1 <= m["effective_phrases"] <= len(shares)
    assert sum(fig["turns_by_section"]) == 3                  # the fixture's conversations have 3 turns
    for m in fig["models"].values():
        assert len(m["section_shares"]) == 4 and 0 <= sum(m["section_shares"]) <= 1 + 1e-6
    assert "top tenth of" in r.stdout and "sections' shares" in r.stdout
    # seed 4 shows te0; seeds 5-7 choose te1, te0, te1: one more conversation, once
    assert fig["conversation"] == "te0" and [m["conversation"] for m in fig["more"]] == ["te1"]
    assert len(fig["more"][0]["sticky"]) == len(fig["more"][0]["linear"]) == 4


def test_paired_comparisons_use_only_the_conversations_both_scored(tmp_path):
    from pretrained_dialogue_table import pair_rows, paired_table
    for i in (1, 2, 3):
        write(tmp_path, "base", f"dialogue-part-{i}-of-3.json", part(i, 3, math.log(20)))
    write(tmp_path, "mem", "dialogue-part-2-of-3.json", part(2, 3, math.log(18)))
    p3 = part(3, 3, math.log(16))   # part 3 much better: a pooled ratio over all of base would differ
    write(tmp_path, "mem", "dialogue-part-3-of-3.json", p3)
    write(tmp_path, "alone", "dialogue-part-1-of-3.json", part(1, 3, math.log(30)))
    pairs = ["read=base/mem", "nothing shared=alone/mem", "missing=base/nothing"]
    rows = pair_rows(tmp_path, pairs)
    assert [r["comparison"] for r in rows] == ["read"]      # no common conversation, no file: left out
    read = rows[0]
    assert (read["conversations"], read["tokens"]) == (8, 800)
    assert read["ratio"] == pytest.approx(math.exp((2 * math.log(20) - math.log(18) - math.log(16)) / 2), rel=1e-9)
    assert read["ratio_low"] < read["ratio"] < read["ratio_high"]   # parts 2 and 3 differ: a real interval
    table = paired_table(tmp_path, pairs).splitlines()
    assert len(table) == 3 and table[2].startswith(f"| read | {read['ratio']:.4f} [") and table[2].endswith("| base | mem | 8 |")
    # the same conversation with another number of tokens: not the same text, named
    p3["per_conversation"][0]["tokens"] = 99
    write(tmp_path, "mem", "dialogue-part-3-of-3.json", p3)
    with pytest.raises(ValueError, match="a3: 100 tokens in one and 99 in the other"):
        pair_rows(tmp_path, ["read=base/mem"])


def reply_part(i, n, f1s, seed=1):
    """Part i of n of a replies sample: conversation c{i}{k} with one reply a turn, scored f1s[k][t]."""
    rows = [{"conversation": f"c{i}{k}", "turn": t + 1, "f1": f, "rouge1": f / 2, "rougeL": f / 4}
            for k, turns in enumerate(f1s) for t, f in enumerate(turns)]
    return {"model": "m", "data": "d", "split": "test", "with_document": True, "seed": seed, "sample": 30,
            "part": [i, n], "settings": {}, "generation": {"top_p": 0.9, "max_new_tokens": 50, "seed": seed},
            "generated_conversations": len(f1s), "turns": len(rows), "reply_rows": rows,
            "reply_section_rows": None, "section_attention": None}


def test_replies_pool_over_parts_and_pair_turn_by_turn(tmp_path):
    from pretrained_dialogue_table import reply_pair_rows, reply_paired_table
    for i in (1, 2):
        write(tmp_path, "mem", f"dialogue-replies-seed1-part-{i}-of-2.json", reply_part(i, 2, [[0.2, 0.4], [0.1]]))
    write(tmp_path, "base", "dialogue-replies-seed1-part-2-of-2.json", reply_part(2, 2, [[0.1, 0.1], [0.2]]))
    write(tmp_path, "base", "dialogue-replies-seed1.json", replies(0.05))   # a one-file run of the whole sample
    t2 = table2(tmp_path, ["mem=mem", "base=base"]).splitlines()
    # both parts done: pooled over 6 replies (F1 mean 0.7 / 3 per part); base shows its whole-sample file
    assert t2[2].startswith(f"| mem | – | – | – | {100 * 1.4 / 6:.2f} [") and t2[2].endswith("| – / 4 |")
    assert t2[3].startswith("| base | – | – | – | 5.00 [4.00, 6.00] |")
    rows = reply_pair_rows(tmp_path, ["memory=mem/base", "nothing=mem/none"])
    assert len(rows) == 1 and (rows[0]["conversations"], rows[0]["replies"]) == (2, 3)   # base's part 2 only
    # turn by turn: (0.2 - 0.1) + (0.4 - 0.1) + (0.1 - 0.2) over 3 replies, in points
    assert rows[0]["f1"] == pytest.approx(100 * 0.3 / 3) and rows[0]["rougeL"] == pytest.approx(100 * 0.3 / 12)
    assert rows[0]["f1_low"] <= rows[0]["f1"] <= rows[0]["f1_high"] and rows[0]["meteor"] is None
    table = reply_paired_table(tmp_path, ["memory=mem/base"]).splitlines()
    assert table[2].startswith("| memory (mem − base) | +10.00 [") and table[2].endswith("| – | 2 / 3 |")
    # base's sample not all in parts: its one-file run stays in Table 2, its part pairs
    write(tmp_path, "base", "dialogue-replies-seed1-part-1-of-2.json", reply_part(1, 2, [[0.1, 0.1], [0.2]]))
    assert table2(tmp_path, ["base=base"]).splitlines()[2].startswith(f"| base | – | – | – | {100 * 0.8 / 6:.2f} [")
    assert reply_pair_rows(tmp_path, ["memory=mem/base"])[0]["replies"] == 6
    # another seed's sample: sampled alike? no, the seed differs: said so
    write(tmp_path, "other", "dialogue-replies-seed1-part-1-of-2.json", reply_part(1, 2, [[0.1]], seed=2))
    with pytest.raises(ValueError, match="generated differently"):
        reply_pair_rows(tmp_path, ["x=mem/other"])


def test_replies_from_the_recipe_trained_again_are_marked(tmp_path):
    """A memory whose weights are not kept (the Compressive row) is trained again for its replies: where the
    digests show other weights than its perplexity's, Table 2 marks the row and says why; the CSV says so."""
    digest = {"model.safetensors": "a" * 64}
    for i in (1, 2):
        write(tmp_path, "comp", f"dialogue-part-{i}-of-2.json", {**part(i, 2, 3.0), "model_sha256": digest})
        write(tmp_path, "comp", f"dialogue-replies-seed1-part-{i}-of-2.json",
              {**reply_part(i, 2, [[0.2, 0.4]]), "model_sha256": {"model.safetensors": "b" * 64}})
        write(tmp_path, "same", f"dialogue-part-{i}-of-2.json", {**part(i, 2, 3.0), "model_sha256": digest})
        write(tmp_path, "same", f"dialogue-replies-seed1-part-{i}-of-2.json",
              {**reply_part(i, 2, [[0.2, 0.4]]), "model_sha256": digest})
        write(tmp_path, "old", f"dialogue-part-{i}-of-2.json", part(i, 2, 3.0))   # no digests recorded
        write(tmp_path, "old", f"dialogue-replies-seed1-part-{i}-of-2.json", reply_part(i, 2, [[0.2, 0.4]]))
    t2 = table2(tmp_path, ["Compressive=comp", "same=same", "old=old"]).splitlines()
    assert t2[2].startswith("| Compressive † |") and t2[3].startswith("| same |") and t2[4].startswith("| old |")
    assert t2[-1].startswith("† replies from the same recipe trained again")
    assert "†" not in table2(tmp_path, ["same=same"])
    flags = {r["model"]: r["replies_retrained"] for r in csv_rows(tmp_path, ["Compressive=comp", "same=same", "old=old"])}
    assert flags == {"Compressive": True, "same": False, "old": None}
