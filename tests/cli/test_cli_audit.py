"""The command line under the audit's bad input and faults (issue 25): every case answered with one
`error:` line and exit status 2, promptly, never a hang, a traceback, an exit 0 on nonsense, or a
half-written output. Subprocess tests on small fixtures; the faults of writing (a full disk, a crash
mid-write) run in-process, where they can be injected."""
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from helpers import ROOT, SAMPLE_TEXT

from infformer.cli.main import main
from infformer.io.textio import MAX_QUERY_CHARS, MAX_TRACE_BYTES
from infformer.tracing import files


def one_error(r, *words) -> str:
    assert r.returncode == 2, (r.returncode, r.stdout[-500:], r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), r.stderr[-2000:]
    assert "Traceback" not in r.stderr + r.stdout
    for w in words:
        assert w in lines[0], lines[0]
    return lines[0]


@pytest.fixture
def text_file(tmp_path) -> Path:
    p = tmp_path / "in.txt"
    p.write_text(SAMPLE_TEXT, encoding="utf-8")
    return p


# ----------------------------------------------------------------------------- what is read
@pytest.mark.parametrize("flag", ["input", "--query-file", "--prompt-file", "--context-file"])
def test_a_fifo_is_refused_not_waited_on(flag, cli, tiny_checkpoint, text_file, tmp_path):
    fifo = tmp_path / "f"
    os.mkfifo(fifo)
    if flag == "input":
        args = ["trace", fifo, "--model", tiny_checkpoint, "--out", tmp_path / "o"]
    elif flag == "--query-file":
        args = ["trace", text_file, "--query-file", fifo, "--model", tiny_checkpoint, "--out", tmp_path / "o"]
    else:
        args = ["generate", flag, fifo, *(["--prompt", "Hi"] if flag == "--context-file" else []),
                "--model", tiny_checkpoint]
    one_error(cli(args, tmp_path, timeout=60), "named pipe")


def test_a_device_is_refused_not_read_to_the_end(cli, tiny_checkpoint, tmp_path):
    one_error(cli(["trace", "/dev/zero", "--model", tiny_checkpoint, "--out", tmp_path / "o"], tmp_path, timeout=60),
              "a device")


def test_a_huge_file_is_refused_by_its_size_before_reading(cli, tiny_checkpoint, tmp_path):
    big = tmp_path / "big.txt"
    with open(big, "wb") as f:  # sparse: 50 MB on paper, nothing on disk
        f.truncate(50_000_000)
    one_error(cli(["trace", big, "--model", tiny_checkpoint, "--out", tmp_path / "o"], tmp_path, timeout=60),
              "50,000,000 bytes", f"{MAX_TRACE_BYTES:,}")


def test_nul_bytes_after_the_first_64_kib_are_not_text(cli, tiny_checkpoint, tmp_path):
    p = tmp_path / "tail.txt"
    p.write_bytes(b"plain words. " * 10_000 + b"\x00\x01binary tail")
    one_error(cli(["trace", p, "--model", tiny_checkpoint, "--out", tmp_path / "o"], tmp_path), "NUL")


def test_the_query_has_a_limit(cli, tiny_checkpoint, text_file, tmp_path):
    q = tmp_path / "q.txt"
    q.write_text("why " * (MAX_QUERY_CHARS // 4 + 1))
    one_error(cli(["trace", text_file, "--query-file", q, "--model", tiny_checkpoint, "--out", tmp_path / "o"],
                  tmp_path), f"{MAX_QUERY_CHARS:,}")


# ----------------------------------------------------------------------------- where it is written
def test_out_under_a_file_fails_before_the_work(cli, tiny_checkpoint, text_file, tmp_path):
    one_error(cli(["trace", text_file, "--model", tiny_checkpoint, "--out", text_file / "sub" / "dir"], tmp_path),
              "is a file")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere: permissions cannot be tested as root")
def test_an_unwritable_out_fails_before_the_work(cli, tiny_checkpoint, text_file, tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(stat.S_IRUSR | stat.S_IXUSR)
    try:
        one_error(cli(["trace", text_file, "--model", tiny_checkpoint, "--out", locked / "o"], tmp_path), "permission")
    finally:
        locked.chmod(stat.S_IRWXU)


def run_trace(argv) -> int:
    return main([str(a) for a in argv])


def test_a_full_disk_is_said_before_the_work(monkeypatch, tiny_checkpoint, text_file, tmp_path, capsys):
    monkeypatch.setattr(files.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9, 1000))
    traced = []
    monkeypatch.setattr("infformer.cli.text.trace_text", lambda *a, **k: traced.append(1))
    assert run_trace(["trace", text_file, "--model", tiny_checkpoint, "--out", tmp_path / "o", "--quiet",
                      "--threads", "1"]) == 2
    assert "the disk has 0 MB free" in capsys.readouterr().err and not traced


def test_a_failure_while_writing_leaves_the_previous_trace_whole(monkeypatch, tiny_checkpoint, text_file, tmp_path,
                                                                capsys):
    out = tmp_path / "o"
    args = ["trace", text_file, "--model", tiny_checkpoint, "--out", out, "--quiet", "--threads", "1"]
    assert run_trace(args) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    assert set(before) == set(files.FILES)

    def full_disk(path, chunks):
        with open(path, "w") as f:
            f.write("segment,layer,he")
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(files, "write_csv", full_disk)
    assert run_trace([*args, "--tau", "0.6"]) == 2
    assert "No space left on device" in capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before  # untouched, still complete
    assert not [p for p in tmp_path.iterdir() if ".partial" in p.name]  # no temporary folder left


def test_summary_json_is_written_last_and_marks_a_complete_trace(monkeypatch, tiny_checkpoint, text_file, tmp_path):
    order = []
    real = os.replace
    monkeypatch.setattr(files.os, "replace", lambda a, b: (order.append(Path(b).name), real(a, b)))
    assert run_trace(["trace", text_file, "--model", tiny_checkpoint, "--out", tmp_path / "o", "--quiet",
                      "--threads", "1"]) == 0
    assert order[-1] == "summary.json" and set(order) == set(files.FILES)


def test_the_chunked_csv_files_equal_the_tables(tiny_checkpoint, tmp_path):
    import pandas as pd

    from infformer.io.checkpoint import load_checkpoint
    from infformer.tracing.run import trace_text
    model, tok, _ = load_checkpoint(tiny_checkpoint)
    _, _, trace = trace_text(model, tok, SAMPLE_TEXT * 3, "what?")
    files.write_csv(tmp_path / "q.csv", trace.queries_chunks(rows=7))
    files.write_csv(tmp_path / "h.csv", trace.histograms_chunks(rows=5))
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "q.csv"), trace.queries_table(), check_dtype=False)
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "h.csv"), trace.histograms_table(), check_dtype=False)


# ----------------------------------------------------------------------------- config.json
BAD_CONFIGS = [
    ({"n_layers": 100000, "d_model": 4096}, "parameters; the limit is"),
    ({"n_heads": 0}, "n_heads must be >= 1"),
    ({"segment_len": 0}, "segment_len must be >= 1"),
    ({"ltm": {"widths": []}}, "widths must be a list of 1 to 64 finite numbers"),
    ({"rope_base": float("nan")}, "rope_base must be a finite number"),
    ({"ltm": {"sticky": "no"}}, "sticky must be true or false"),
    ({"n_layers": 2.5}, "n_layers must be a whole number"),
    ({"ltm": "yes"}, "ltm must be"),
]


@pytest.mark.parametrize("change,message", BAD_CONFIGS, ids=[m for _, m in BAD_CONFIGS])
def test_a_bad_config_is_refused_before_anything_is_allocated(change, message, cli, tiny_checkpoint, text_file,
                                                              tmp_path):
    d = tmp_path / "ckpt"
    shutil.copytree(tiny_checkpoint, d)
    config = json.loads((d / "config.json").read_text())
    for k, v in change.items():
        if isinstance(v, dict) and isinstance(config["model"].get(k), dict):
            config["model"][k].update(v)
        else:
            config["model"][k] = v
    (d / "config.json").write_text(json.dumps(config))
    one_error(cli(["trace", text_file, "--model", d, "--out", tmp_path / "o"], tmp_path, timeout=120), message)


# ----------------------------------------------------------------------------- numbers
@pytest.mark.parametrize("args,message", [
    (["generate", "--prompt", "Hi", "--temperature", "nan"], "--temperature"),
    (["generate", "--prompt", "Hi", "--top-p", "nan"], "--top-p"),
    (["generate", "--prompt", "Hi", "--temperature", "inf"], "--temperature"),
    (["train", "CORPUS", "--out", "OUT", "--lr", "inf"], "--lr"),
    (["train", "CORPUS", "--out", "OUT", "--lr", "nan"], "--lr"),
    (["trace", "TEXT", "--out", "OUT", "--threads", "100000"], "at most 1,024"),
])
def test_non_finite_and_absurd_numbers_are_refused_at_the_door(args, message, cli, tiny_checkpoint, tiny_corpus,
                                                               text_file, tmp_path):
    args = [{"CORPUS": tiny_corpus, "OUT": tmp_path / "o", "TEXT": text_file}.get(a, a) for a in args]
    if args[0] != "train":
        args += ["--model", tiny_checkpoint]
    one_error(cli(args, tmp_path), message)


def test_training_that_diverges_stops_and_writes_no_broken_checkpoint(cli, tiny_corpus, tmp_path):
    out = tmp_path / "run"
    args = ["train", tiny_corpus, "--out", out, "--variant", "sticky", "--steps", "40", "--batch-size", "2",
            "--d-model", "16", "--layers", "1", "--heads", "2", "--d-ff", "32", "--segment-len", "8", "--stm-len", "8",
            "--num-basis", "8", "--num-samples", "8", "--num-bins", "8", "--vocab-size", "280", "--warmup", "1",
            "--eval-every", "0", "--no-bf16", "--quiet", "--lr", "1e30", "--checkpoint-every", "1", "--threads", "1"]
    line = one_error(cli(args, tmp_path), "training stopped at step", "NaN or infinite", "lower --lr")
    assert "checkpoint" not in line or "loads" in line or "no checkpoint" in line
    if (out / "model.safetensors").exists():  # what was written before the divergence loads
        from infformer.io.checkpoint import load_checkpoint
        load_checkpoint(out)


def test_sorting_evaluate_writes_valid_json_even_without_a_memory_write(cli, tmp_path):
    r = cli(["sorting", "evaluate", "--model", ROOT / "assets" / "models" / "sorting-ltm-512", "--length", "64",
             "--examples", "4", "--threads", "1"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]

    def no_nan(name):
        raise AssertionError(f"{name} in the JSON")
    report = json.loads(r.stdout, parse_constant=no_nan)
    assert report["regression_error"] is None


def test_a_killed_trace_leaves_nothing_behind(tiny_checkpoint, tmp_path):
    """SIGTERM while tracing: exit 130, no --out, no temporary folder."""
    import signal
    import subprocess
    import sys
    import time

    from helpers import cli_env
    text = tmp_path / "long.txt"
    text.write_text(SAMPLE_TEXT * 400, encoding="utf-8")
    proc = subprocess.Popen([sys.executable, "-m", "infformer", "trace", str(text), "--model", str(tiny_checkpoint),
                             "--out", str(tmp_path / "o"), "--threads", "1"], cwd=tmp_path, env=cli_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 120
    while not [p for p in tmp_path.iterdir() if ".partial" in p.name] and time.time() < deadline:
        time.sleep(0.05)  # the temporary folder exists: the trace has started
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err[-2000:]
    assert "error: interrupted" in err and "Traceback" not in err
    assert not (tmp_path / "o").exists() and not [p for p in tmp_path.iterdir() if ".partial" in p.name]
