"""A split scored a part at a time (`dialogue evaluate --part I/N`) pools to the whole split."""
from __future__ import annotations

import json
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from infformer.experiments.dialogue.pooling import pool_parts
from infformer.experiments.dialogue.reading import conversation_part
from infformer.experiments.dialogue.uncertainty import ratio_interval


@given(n=st.integers(0, 60), parts=st.integers(1, 9), seed=st.integers(0, 5))
def test_parts_are_disjoint_cover_the_split_and_keep_file_order(n, parts, seed):
    convs = [f"c{i}" for i in range(n)]
    pieces = [conversation_part(convs, p, parts, seed) for p in range(1, parts + 1)]
    assert sorted(c for piece in pieces for c in piece) == sorted(convs)
    assert all(piece == sorted(piece, key=convs.index) for piece in pieces)
    assert max(map(len, pieces)) - min(map(len, pieces)) <= 1
    assert pieces == [conversation_part(convs, p, parts, seed) for p in range(1, parts + 1)]  # seeded


def test_a_part_out_of_range_is_refused():
    with pytest.raises(ValueError, match="part 3 of 2"):
        conversation_part(["a", "b"], 3, 2, 0)


def test_ratio_interval_holds_the_pooled_ratio_and_needs_two_clusters():
    low, high = ratio_interval([1.0, 2.0, 6.0], [1, 1, 2])
    assert low <= 9 / 4 <= high
    assert ratio_interval([3.0, 6.0], [1, 2]) == pytest.approx([3.0, 3.0])   # every cluster alike
    assert ratio_interval([1.0], [1]) is None


def test_parts_pool_to_one_run_over_the_split(cli, tiny_checkpoint, tmp_path):
    from cmudog_fixture import write_cmudog
    data = write_cmudog(tmp_path / "dog")

    def run(*extra):
        r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--quiet", "--threads", "1",
                 "--ablate-ltm", "--generate-conversations", "0", *extra], cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    whole = run()
    parts = [run("--part", f"{i}/2") for i in (1, 2)]
    assert [p["part"] for p in parts] == [[1, 2], [2, 2]]
    assert sorted(c["conversation"] for p in parts for c in p["per_conversation"]) == ["te0", "te1"]
    pooled = pool_parts(parts)
    assert pooled["complete"] and pooled["conversations"] == 2 and pooled["tokens"] == whole["tokens"]
    assert pooled["perplexity"] == pytest.approx(whole["perplexity"], rel=1e-4)
    assert pooled["bits_per_character"] == pytest.approx(whole["bits_per_character"], abs=1e-4)
    zeroed = pooled["without_ltm_read"]
    assert zeroed["perplexity"] == pytest.approx(whole["without_ltm_read"]["perplexity"], rel=1e-4)
    assert zeroed["ratio"] == pytest.approx(zeroed["perplexity"] / pooled["perplexity"])
    low, high = pooled["perplexity_ci95"]
    assert low <= pooled["perplexity"] <= high
    assert not pool_parts(parts[:1])["complete"]
    # the whole run's conversations hold its nats exactly
    rows = whole["per_conversation"]
    assert sum(c["tokens"] for c in rows) == whole["tokens"]
    assert math.exp(sum(c["nats"] for c in rows) / whole["tokens"]) == pytest.approx(whole["perplexity"], rel=1e-4)
    with pytest.raises(ValueError, match="twice"):
        pool_parts([parts[0], parts[0]])
    with pytest.raises(ValueError, match="only reports of"):
        pool_parts([whole])
    with pytest.raises(ValueError, match="disagree on seed"):
        pool_parts([parts[0], {**parts[1], "seed": 7}])
    # a part scored on a byte-identical copy elsewhere (another worktree) pools; another model's does not
    import shutil

    from infformer.io.checkpoint import model_digests
    copy = shutil.copytree(tiny_checkpoint, tmp_path / "elsewhere")
    assert parts[0]["model_sha256"] == model_digests(copy) and len(model_digests(copy)) >= 2
    assert pool_parts([parts[0], {**parts[1], "model": str(copy)}])["complete"]
    other = {k: "0" * 64 for k in parts[1]["model_sha256"]}
    assert pool_parts(parts)["model_sha256"] == model_digests(copy)
    # other weights in a copy, a copy without digests, and the same directory trained again (other weights there)
    for bad in ({"model": str(copy), "model_sha256": other}, {"model": str(copy), "model_sha256": None},
                {"model_sha256": other}):
        with pytest.raises(ValueError, match="parts of different models"):
            pool_parts([parts[0], {**parts[1], **bad}])
    # parts made before the digests were recorded: the same directory is the same model
    assert pool_parts([{**parts[0], "model_sha256": None}, parts[1]])["complete"]


@pytest.mark.parametrize("bad", ["3/2", "0/2", "1/0", "half", "1/"])
def test_bad_parts_are_named(cli, tiny_checkpoint, tmp_path, bad):
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", tmp_path, "--part", bad], cwd=tmp_path)
    assert r.returncode == 2 and "--part" in r.stderr and "I/N" in r.stderr


def test_replies_in_parts_of_a_sample_pool_to_one_run(cli, tiny_checkpoint, tmp_path):
    """A replies job cut into parts of its seeded sample writes the very replies one run writes (a reply's seed
    is fixed by seed, conversation and turn), and the parts pool to that run's scores and Figure 4."""
    from cmudog_fixture import write_cmudog

    from infformer.experiments.dialogue.pooling import paired_replies, pool_replies
    data = write_cmudog(tmp_path / "dog")

    def run(*extra):
        r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--quiet", "--threads", "1",
                 "--conversations", "2", "--generate-conversations", "2", "--max-new-tokens", "6", "--seed", "1",
                 *extra], cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    whole = run()
    parts = [run("--part", f"{i}/2") for i in (1, 2)]
    assert [(p["part"], p["sample"], p["generated_conversations"]) for p in parts] == [([1, 2], 2, 1), ([2, 2], 2, 1)]
    def key(row):
        return row["conversation"], row["turn"]
    assert len(whole["reply_rows"]) == whole["turns"] == 4
    assert sorted((r for p in parts for r in p["reply_rows"]), key=key) == sorted(whole["reply_rows"], key=key)
    pooled = pool_replies(parts)
    assert pooled["complete"] and pooled["generated_conversations"] == 2 and pooled["turns"] == 4
    for k in ("f1", "rouge1", "rougeL"):
        assert pooled[k] == pytest.approx(whole[k]) and pooled[f"{k}_ci95"] == pytest.approx(whole[f"{k}_ci95"])
    assert pooled["section_attention"]["replies"] == whole["section_attention"]["replies"]
    assert pooled["section_attention"]["mean_ratio"] == pytest.approx(whole["section_attention"]["mean_ratio"], nan_ok=True)
    assert not pool_replies(parts[:1])["complete"]
    same = paired_replies(pooled, pool_replies([whole]))     # the same replies: every difference 0
    assert (same["conversations"], same["replies"]) == (2, 4)
    assert same["f1"] == 0 and same["f1_ci95"] == [0, 0]
    # the perplexity of a sample's parts pools too, but never with a part of another sample (or of the split)
    assert pool_parts(parts)["tokens"] == whole["tokens"]
    other = run("--part", "2/2", "--conversations", "1")   # the last --conversations counts: a sample of 1
    with pytest.raises(ValueError, match="disagree on sample: 2 and 1"):
        pool_parts([parts[0], other])
    with pytest.raises(ValueError, match="disagree on generation"):
        pool_replies([parts[0], {**parts[1], "generation": {**parts[1]["generation"], "top_p": 0.5}}])
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--conversations", "1", "--part", "1/2",
             "--generate-conversations", "1"], cwd=tmp_path)
    assert r.returncode == 2 and "no conversations in part 1 of 2 of the 1 sampled from the test split" in r.stderr
    with pytest.raises(ValueError, match="keeps no reply_rows"):
        pool_replies([{**whole, "reply_rows": None}])
    with pytest.raises(ValueError, match="generated differently"):
        paired_replies(pooled, {**pooled, "generation": {"top_p": 0.5}})


def test_section_attention_on_every_conversation_pools_over_parts(cli, tiny_checkpoint, tmp_path):
    from cmudog_fixture import write_cmudog
    data = write_cmudog(tmp_path / "dog")

    def run(*extra):
        r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--quiet", "--threads", "1",
                 "--section-attention", *extra], cwd=tmp_path)
        assert r.returncode == 0, r.stderr
        return json.loads(r.stdout)

    whole = run("--generate-conversations", "2", "--max-new-tokens", "4", "--seed", "1")
    # the same conversations and seed: the generated replies' measure and the every-conversation one agree
    assert whole["section_attention_all"] == whole["section_attention"]
    rows = whole["section_rows"]
    assert len(rows) == 4 and {r["conversation"] for r in rows} == {"te0", "te1"}
    assert all(len(r["ratios"]) == 4 and r["turn"] >= 1 for r in rows)
    parts = [run("--generate-conversations", "0", "--seed", "1", "--part", f"{i}/2") for i in (1, 2)]
    pooled = pool_parts(parts)["section_attention"]
    assert pooled["replies"] + pooled["replies_without_section_in_memory"] == 4
    values = [r["ratios"][r["doc_idx"]] for r in rows if r["ratios"][r["doc_idx"]] is not None]
    if values:
        assert pooled["mean_ratio"] == pytest.approx(sum(values) / len(values))
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--threads", "1",
             "--section-attention", "--generate-conversations", "0", "--part", "1/2"], cwd=tmp_path)
    assert r.returncode == 0 and "traces: " in r.stderr
    assert "dialogue: " not in r.stderr     # the traces gave every nat: no second, empty progress bar
    r = cli(["dialogue", "evaluate", "--model", tiny_checkpoint, "--data", data, "--section-attention",
             "--no-document"], cwd=tmp_path)
    assert r.returncode == 2 and "--section-attention" in r.stderr and "--no-document" in r.stderr


def test_the_dialogue_script_runs_parts_and_replies_and_resumes(tiny_checkpoint, tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    from cmudog_fixture import write_cmudog
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "CMUDOG": str(write_cmudog(tmp_path / "dog")), "RESULTS": str(tmp_path / "out"),
           "PARTS": "2", "REPLIES": "1", "SECTIONS": "1", "FIGURE4": "2", "PY": sys.executable, "HF_HUB_OFFLINE": "1"}
    script = [str(root / "scripts/experiments/pretrained_dialogue.sh"), str(tiny_checkpoint), "tiny"]
    r = subprocess.run(["bash", *script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    out = tmp_path / "out" / "tiny"
    names = sorted(p.name for p in out.iterdir())
    assert names == ["dialogue-part-1-of-2.json", "dialogue-part-2-of-2.json", "dialogue-replies-seed1.json",
                     "dialogue-sections-seed1.json"]
    assert "section_attention_all" in json.loads((out / names[3]).read_text())
    parts = [json.loads((out / n).read_text()) for n in names[:2]]
    assert all("without_ltm_read" in p and "section_rows" in p for p in parts)   # read zeroed, Figure 4
    replies = json.loads((out / names[2]).read_text())
    assert replies["generated_conversations"] == 1 and replies["seed"] == 1
    r = subprocess.run(["bash", *script], capture_output=True, text=True, env=env, cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.count("exists: skipped") == 4
    table = subprocess.run([sys.executable, str(root / "scripts/experiments/pretrained_dialogue_table.py"),
                            "--results", str(tmp_path / "out"), "--row", "tiny=tiny"],
                           capture_output=True, text=True, cwd=root)
    assert table.returncode == 0, table.stderr
    assert "| tiny | " in table.stdout and "2 conversations" in table.stdout
    # ABLATE=0: no read-zeroed pass, the same nats, Figure 4 still measured
    r = subprocess.run(["bash", *script[:2], "fast"], capture_output=True, text=True, cwd=tmp_path,
                       env={**env, "ABLATE": "0", "REPLIES": "0", "FIGURE4": "0", "PART_LIST": "1"})
    assert r.returncode == 0, r.stderr
    fast = json.loads((tmp_path / "out" / "fast" / "dialogue-part-1-of-2.json").read_text())
    assert "without_ltm_read" not in fast and fast["section_rows"] == parts[0]["section_rows"]
    assert [c["nats"] for c in fast["per_conversation"]] == [c["nats"] for c in parts[0]["per_conversation"]]
    # a part scored without Figure 4 (perplexity from the plain pass: the traces' losses are the same nats),
    # then SECTIONS=1 skips it, SECTIONS=all puts its Figure 4 in a file of its own, pooled as 1 of 2 parts
    plain_env = {**env, "ABLATE": "0", "REPLIES": "0", "FIGURE4": "0", "PART_LIST": "1", "SECTIONS": "0"}
    assert subprocess.run(["bash", *script[:2], "plain"], env=plain_env, cwd=tmp_path).returncode == 0
    plain = json.loads((tmp_path / "out" / "plain" / "dialogue-part-1-of-2.json").read_text())
    assert "section_rows" not in plain
    assert [c["nats"] for c in plain["per_conversation"]] == pytest.approx([c["nats"] for c in fast["per_conversation"]], rel=1e-5)
    r = subprocess.run(["bash", *script[:2], "plain"], capture_output=True, text=True, cwd=tmp_path,
                       env={**plain_env, "SECTIONS": "1"})
    assert r.returncode == 0 and "exists: skipped" in r.stdout
    assert not (tmp_path / "out" / "plain" / "dialogue-sections-part-1-of-2.json").exists()
    r = subprocess.run(["bash", *script[:2], "plain"], capture_output=True, text=True, cwd=tmp_path,
                       env={**plain_env, "SECTIONS": "all"})
    assert r.returncode == 0, r.stderr
    later = json.loads((tmp_path / "out" / "plain" / "dialogue-sections-part-1-of-2.json").read_text())
    assert later["section_rows"] == parts[0]["section_rows"] and "without_ltm_read" not in later
    assert json.loads((tmp_path / "out" / "plain" / "dialogue-part-1-of-2.json").read_text()) == plain   # untouched
    table = subprocess.run([sys.executable, str(root / "scripts/experiments/pretrained_dialogue_table.py"),
                            "--results", str(tmp_path / "out"), "--row", "plain=plain"],
                           capture_output=True, text=True, cwd=root)
    assert table.returncode == 0, table.stderr
    assert f"{later['conversations']} conversations (1 of 2 parts)" in table.stdout
    # replies a part of their sample at a time (REPLY_PARTS), pooled by the table and paired turn by turn
    r = subprocess.run(["bash", *script], capture_output=True, text=True, cwd=tmp_path,
                       env={**env, "PART_LIST": "", "FIGURE4": "0", "REPLIES": "2", "REPLY_PARTS": "2",
                            "REPLY_PART_LIST": "2"})
    assert r.returncode == 0, r.stderr
    assert (out / "dialogue-replies-seed1-part-2-of-2.json").is_file()
    assert not (out / "dialogue-replies-seed1-part-1-of-2.json").exists()

    def table_of(*extra):
        t = subprocess.run([sys.executable, str(root / "scripts/experiments/pretrained_dialogue_table.py"),
                            "--results", str(tmp_path / "out"), "--row", "tiny=tiny", *extra],
                           capture_output=True, text=True, cwd=root)
        assert t.returncode == 0, t.stderr
        return t.stdout
    assert "| 2 / 1 |" in table_of()   # one part of two: the one-file replies (all 1 generated) still shown
    r = subprocess.run(["bash", *script], capture_output=True, text=True, cwd=tmp_path,
                       env={**env, "PART_LIST": "", "FIGURE4": "0", "REPLIES": "2", "REPLY_PARTS": "2"})
    assert r.returncode == 0 and r.stdout.count("exists: skipped") == 1
    text = table_of("--reply-pair", "itself=tiny/tiny")
    assert "| 2 / 2 |" in text        # both parts done: their pool replaces the one-file run
    assert "| itself (tiny − tiny) | +0.00 [+0.00, +0.00] | " in text


def test_the_dialogue_queue_runs_every_job_once_in_order(tmp_path):
    """scripts/experiments/pretrained_dialogue_queue.sh on a stand-in for pretrained_dialogue.sh: every job
    of --list runs once, with its settings, the baseline (every ∞-former's read-zeroed column) first."""
    import os
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    log = tmp_path / "log"
    fake = tmp_path / "fake.sh"
    fake.write_text(f'#!/bin/sh\necho "PART_LIST=$PART_LIST ABLATE=${{ABLATE:-1}} REPLIES=$REPLIES${{REPLY_PART_LIST:+ REPLY_PART_LIST=$REPLY_PART_LIST}} SECTIONS=${{SECTIONS:-0}} $*" >> {log}\n')
    fake.chmod(0o755)
    env = {**os.environ, "DIALOGUE": str(fake), "COMPRESSIVE": str(fake), "CMUDOG": "dog", "BASELINE": "base", "LANES": "2"}
    queue = root / "scripts/experiments/pretrained_dialogue_queue.sh"
    listed = subprocess.run([str(queue), "--list"], capture_output=True, text=True, env=env, check=True).stdout.splitlines()
    r = subprocess.run([str(queue)], capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    ran = log.read_text().splitlines()
    assert len(ran) == len(listed) == 67 and len(set(ran)) == 67 and r.stdout.count(" done ") == 67
    assert "FAILED" not in r.stdout
    assert listed[0] == f"PART_LIST=1 REPLIES=0 {fake} base baseline"
    assert "PART_LIST=6 ABLATE=0 REPLIES=0 SECTIONS=1 assets/models/smollm2-sticky infformer-mix" in ran
    assert "PART_LIST=3 ABLATE=1 REPLIES=0 SECTIONS=0 runs/smollm2-mix-ltm variant-ltm-s0 --no-document" in ran
    for p in (1, 2, 3):   # replies a part at a time
        assert f"PART_LIST= ABLATE=1 REPLIES=30 REPLY_PART_LIST={p} SECTIONS=0 base baseline --no-document" in ran
    assert "PART_LIST=1 ABLATE=1 REPLIES= SECTIONS=0 " in ran   # the Compressive job: trains, then part 1
    assert "PART_LIST=6 ABLATE=0 REPLIES=0 SECTIONS=all assets/models/smollm2-sticky infformer-mix" in ran
    # last, its replies a sixth a job (the first trains its memory, the others wait for it: the lock)
    assert listed[-6:] == [f"PART_LIST= REPLIES=30 REPLY_PARTS=6 REPLY_PART_LIST={p} {fake}" for p in range(1, 7)]
    for p in range(1, 7):
        assert f"PART_LIST= ABLATE=1 REPLIES=30 REPLY_PART_LIST={p} SECTIONS=0 " in ran


def test_the_compressive_job_does_not_train_again_for_files_that_exist(tmp_path):
    """pretrained_compressive.sh trains its memory (80 minutes) only when a file it is asked for is missing."""
    import os
    import subprocess
    from pathlib import Path
    root = Path(__file__).resolve().parents[2]
    out = tmp_path / "variant-compressive-s0"
    out.mkdir()
    (out / "dialogue-part-1-of-6.json").write_text("{}")
    for p in (1, 2, 3):
        (out / f"dialogue-replies-seed1-part-{p}-of-3.json").write_text("{}")
    script = str(root / "scripts/experiments/pretrained_compressive.sh")
    env = {**os.environ, "RESULTS": str(tmp_path), "OUT": str(tmp_path / "no-run")}
    env.pop("CMUDOG", None)   # were it to train, it would stop here asking for CMUDOG
    for extra in ({"PART_LIST": "1"}, {"PART_LIST": "", "REPLIES": "30"}):
        r = subprocess.run(["bash", script], capture_output=True, text=True, env={**env, **extra})
        assert r.returncode == 0 and "every file asked for exists: skipped" in r.stdout, r.stderr
    # part 2 missing: on past the check (STOP=0: no training; then no model to score, or no CMUDOG for the corpus),
    # but only once no other job holds the training lock (another part's job training the memory)
    import fcntl
    import time
    with open(tmp_path / "no-run.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        job = subprocess.Popen(["bash", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**env, "PART_LIST": "2", "STOP": "0"})
        time.sleep(2)
        assert job.poll() is None          # waiting for the lock
    out, _ = job.communicate(timeout=120)  # the lock released: on to its part, which fails here
    assert "skipped" not in out and job.returncode != 0
