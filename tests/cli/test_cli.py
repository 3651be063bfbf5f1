"""The command line contract (DESIGN.md section 5), run as `python -m infformer ...` in subprocesses."""
import csv
import json
import math

import pytest
from helpers import ROOT, SAMPLE_TEXT

SUMMARY_KEYS = {"num_tokens", "num_segments", "num_memory_updates", "seconds", "tokens_per_second", "N", "tau", "M",
                "sticky", "ridge", "layers", "heads"}
COLUMNS = {"tokens.csv": ["token_index", "text", "char_start", "char_end", "ltm_t_start", "ltm_t_end", "ltm_attention"],
           "queries.csv": ["segment", "layer", "head", "token_index", "mu", "sigma"],
           "histograms.csv": ["update", "layer", "bin", "probability"]}
from infformer.io.checkpoint import DEFAULT_MODEL  # noqa: E402


def read_csv(path):
    with open(path, newline="", encoding="utf-8") as f:
        reader = csv.DictReader(f)
        return reader.fieldnames, list(reader)


def check_trace_output(out, num_tokens=None):
    summary = json.loads((out / "summary.json").read_text())
    assert SUMMARY_KEYS <= set(summary), sorted(SUMMARY_KEYS - set(summary))
    tables = {}
    for name, want in COLUMNS.items():
        header, rows = read_csv(out / name)
        assert set(want) <= set(header), (name, header)
        tables[name] = rows
    T = summary["num_tokens"]
    if num_tokens is not None:
        assert T == num_tokens
    tokens = tables["tokens.csv"]
    assert [int(r["token_index"]) for r in tokens] == list(range(T))
    entered = [r for r in tokens if r["ltm_t_start"] != ""]
    for r in entered:
        assert 0 <= float(r["ltm_t_start"]) <= float(r["ltm_t_end"]) <= 1
    for r in tokens:
        assert (r["ltm_t_start"] == "") == (r["ltm_t_end"] == "")  # empty together, while not in the LTM
        assert float(r["ltm_attention"]) >= 0
        assert 0 <= int(r["char_start"]) <= int(r["char_end"])
    assert sum(float(r["ltm_attention"]) for r in tokens) <= 1 + 1e-6
    for r in tables["queries.csv"]:
        assert 0 < float(r["mu"]) < 1 and float(r["sigma"]) > 0
    sums = {}
    for r in tables["histograms.csv"]:
        key = (r["update"], r["layer"])
        sums[key] = sums.get(key, 0.0) + float(r["probability"])
    assert all(abs(s - 1) < 1e-4 for s in sums.values())
    assert len({u for u, _ in sums}) == summary["num_memory_updates"]
    assert summary["seconds"] > 0 and summary["tokens_per_second"] > 0
    return summary, tables


def test_trace_on_a_tiny_checkpoint(cli, tiny_checkpoint, tiny_tokenizer, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    r = cli(["trace", text, "--model", tiny_checkpoint, "--out", out, "--quiet"], tmp_path)
    assert r.returncode == 0, r.stderr
    num_tokens = len(tiny_tokenizer.encode(SAMPLE_TEXT)[0])
    summary, tables = check_trace_output(out, num_tokens)
    assert summary["num_segments"] == math.ceil(num_tokens / 8)
    assert summary["num_memory_updates"] == math.ceil(num_tokens / 8) - 2  # first write at segment 3
    assert summary["N"] == 16 and summary["M"] == 16 and summary["sticky"] is True
    assert summary["layers"] == 2 and summary["heads"] == 2 and summary["tau"] == 0.5 and summary["ridge"] == 0.5
    assert summary["precision"] == "float32"  # "auto": a small model stays float32
    # the text column with the offsets gives the document back (ASCII text)
    assert "".join(row["text"] for row in tables["tokens.csv"]) == SAMPLE_TEXT
    # without a query, attention comes from the last segment
    assert sum(float(row["ltm_attention"]) for row in tables["tokens.csv"]) > 0


def test_trace_with_query_and_memory_options(cli, tiny_checkpoint, tmp_path):
    text = tmp_path / "in.txt"
    text.write_text(SAMPLE_TEXT, encoding="utf-8")
    out = tmp_path / "out"
    r = cli(["trace", text, "--model", tiny_checkpoint, "--query", "What is the pass key?", "--no-sticky",
             "--seed", "3", "--tau", "0.25", "--out", out], tmp_path)
    assert r.returncode == 0, r.stderr
    summary, tables = check_trace_output(out)
    assert summary["sticky"] is False and summary["tau"] == 0.25 and summary["seed"] == 3
    assert summary["num_query_tokens"] > 0
    assert summary["num_text_tokens"] + summary["num_query_tokens"] == summary["num_tokens"]
    assert r.stdout.strip()  # a one-line summary when not --quiet


def test_trace_text_shorter_than_a_segment(cli, tiny_checkpoint, tmp_path):
    text = tmp_path / "short.txt"
    text.write_text("Hi.", encoding="utf-8")
    r = cli(["trace", text, "--model", tiny_checkpoint, "--out", tmp_path / "o", "--quiet", "--precision", "bf16"], tmp_path)
    assert r.returncode == 0, r.stderr
    summary, tables = check_trace_output(tmp_path / "o")
    assert summary["num_memory_updates"] == 0 and tables["histograms.csv"] == []
    assert summary["precision"] == "bf16"  # as asked; "auto" keeps a tiny model in float32


def bad_input(kind, tmp_path, ckpt):
    """Arguments for one kind of bad input."""
    good = tmp_path / "good.txt"
    good.write_text(SAMPLE_TEXT, encoding="utf-8")
    out = ["--out", tmp_path / "out"]
    model = ["--model", ckpt]
    if kind == "missing file":
        return ["trace", tmp_path / "nope.txt", *model, *out]
    if kind == "empty file":
        (tmp_path / "empty.txt").write_bytes(b"")
        return ["trace", tmp_path / "empty.txt", *model, *out]
    if kind == "whitespace file":
        (tmp_path / "blank.txt").write_text("  \n\n\t\n")
        return ["trace", tmp_path / "blank.txt", *model, *out]
    if kind == "binary file":
        (tmp_path / "bin.txt").write_bytes(b"text\x00\x01\x02 more \x00 bytes")
        return ["trace", tmp_path / "bin.txt", *model, *out]
    if kind == "undecodable file":
        (tmp_path / "latin1.txt").write_bytes("Caf\u00e9 au lait, na\u00efve".encode("latin-1"))
        return ["trace", tmp_path / "latin1.txt", *model, *out]
    if kind == "directory as input":
        return ["trace", tmp_path, *model, *out]
    if kind == "tau 2":
        return ["trace", good, *model, "--tau", "2", *out]
    if kind == "seed -1":
        return ["trace", good, *model, "--seed", "-1", *out]
    if kind == "unknown option":
        return ["trace", good, *model, "--frobnicate", *out]
    if kind == "missing --out":
        return ["trace", good, *model]
    if kind == "model not a checkpoint":
        d = tmp_path / "not-a-model"
        d.mkdir()
        (d / "readme.txt").write_text("hello")
        return ["trace", good, "--model", d, *out]
    if kind == "empty query":
        return ["trace", good, *model, "--query", " ", *out]
    if kind == "binary query file":
        (tmp_path / "q.bin").write_bytes(b"\x00\x00")
        return ["trace", good, *model, "--query-file", tmp_path / "q.bin", *out]
    if kind == "out is a file":
        return ["trace", good, *model, "--out", good]
    if kind == "generate top-p 0":
        return ["generate", "--prompt", "Hello", *model, "--top-p", "0"]
    if kind == "train missing corpus":
        return ["train", tmp_path / "nope.txt", *out]
    if kind == "sorting model for text":
        return ["trace", good, "--model", ROOT / "assets" / "models" / "sorting-ltm-512", *out]
    if kind == "train dropout 1":
        return ["train", good, *out, "--dropout", "1"]
    if kind == "sorting threads 0":
        return ["sorting", "train", *out, "--threads", "0"]
    if kind == "evaluate one bad file of two":
        (tmp_path / "bin.txt").write_bytes(b"text\x00\x01\x02 more \x00 bytes")
        return ["evaluate", "--text", good, tmp_path / "bin.txt", *model]
    if kind == "no command":
        return []
    raise AssertionError(kind)


BAD = ["missing file", "empty file", "whitespace file", "binary file", "undecodable file", "directory as input",
       "tau 2", "seed -1", "unknown option", "missing --out", "model not a checkpoint", "empty query",
       "binary query file", "out is a file", "generate top-p 0", "train missing corpus", "train dropout 1",
       "sorting model for text", "sorting threads 0", "evaluate one bad file of two", "no command"]


@pytest.mark.parametrize("kind", BAD)
def test_bad_input_exits_2_with_one_error_line(kind, cli, tiny_checkpoint, tmp_path):
    r = cli(bad_input(kind, tmp_path, tiny_checkpoint), tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr[-2000:])
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1, r.stderr
    assert lines[0].startswith("error: ") and len(lines[0]) > len("error: ")
    assert "Traceback" not in r.stderr and "Traceback" not in r.stdout
    assert not (tmp_path / "out" / "summary.json").exists()


@pytest.mark.parametrize("command", ["trace", "generate", "train"])
def test_help(command, cli, tmp_path):
    r = cli([command, "--help"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert "usage:" in r.stdout and "--" in r.stdout


def test_trace_on_the_shipped_default_model(cli, tmp_path):
    if not (DEFAULT_MODEL / "config.json").is_file():
        pytest.skip(f"the shipped default model is absent ({DEFAULT_MODEL})")
    text = tmp_path / "in.txt"
    text.write_text(("The pass key is 71432. Remember it. " + "The grass is green. The sky is blue. " * 40) * 3)
    out = tmp_path / "out"
    r = cli(["trace", text, "--query", "What is the pass key?", "--seed", "1", "--out", out, "--quiet"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    summary, _ = check_trace_output(out)
    assert summary["num_memory_updates"] >= 1 and summary["model"] == "default"


def test_generate_prints_text(cli, tiny_checkpoint, tmp_path):
    context = tmp_path / "context.txt"
    context.write_text(SAMPLE_TEXT)
    r = cli(["generate", "--model", tiny_checkpoint, "--context-file", context, "--prompt", "The grass",
             "--max-new-tokens", "12", "--top-p", "0.9", "--sample-seed", "1"], tmp_path)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip()


def test_train_tiny(cli, tiny_corpus, tmp_path):
    out = tmp_path / "run"
    args = ["train", tiny_corpus, "--out", out, "--variant", "sticky", "--steps", "3", "--batch-size", "2",
            "--d-model", "16", "--layers", "1", "--heads", "2", "--d-ff", "32", "--segment-len", "8", "--stm-len", "8",
            "--num-basis", "8", "--num-samples", "8", "--num-bins", "8", "--vocab-size", "280", "--warmup", "1",
            "--eval-every", "0", "--no-bf16", "--quiet"]
    r = cli(args, tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    for name in ("config.json", "model.safetensors", "tokenizer.json", "metrics.csv"):
        assert (out / name).is_file(), name
    from infformer.io.checkpoint import load_checkpoint
    model, tok, info = load_checkpoint(out)
    assert model.cfg.variant == "sticky" and model.cfg.d_model == 16 and info["steps"] == 3
    assert model.cfg.dropout == 0.1
    assert tok.vocab_size <= 280
    # --stop-after: the same command goes on to a later step of the same schedule
    r = cli([*args[:7], "5", *args[8:], "--stop-after", "4"], tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert load_checkpoint(out)[2]["steps"] == 4


def test_train_precision_options(cli, tiny_corpus, tmp_path):
    from infformer.cli.main import build_parser
    from infformer.cli.options import train_precision
    parser = build_parser()
    for argv, expected in (([], None), (["--precision", "bf16"], True), (["--precision", "float32"], False),
                           (["--no-bf16"], False), (["--no-bf16", "--precision", "float32"], False)):
        for command in (["train", "x", "--out", "o"], ["sorting", "train", "--out", "o"]):
            assert train_precision(parser.parse_args([*command, *argv])) is expected
    r = cli(["train", tiny_corpus, "--out", tmp_path / "run", "--no-bf16", "--precision", "bf16"], tmp_path)
    assert r.returncode == 2 and "--no-bf16 and --precision bf16 contradict" in r.stderr
    assert not (tmp_path / "run").exists()


def test_train_with_a_given_tokenizer_and_narrow_sigma(cli, tiny_corpus, tiny_checkpoint, tmp_path):
    out = tmp_path / "run"
    args = ["train", tiny_corpus, "--out", out, "--variant", "compressive", "--steps", "2", "--batch-size", "2",
            "--d-model", "16", "--layers", "1", "--heads", "2", "--d-ff", "32", "--segment-len", "8", "--stm-len", "8",
            "--num-basis", "8", "--tokenizer", tiny_checkpoint / "tokenizer.json", "--sigma-init", "0.05",
            "--warmup", "1", "--eval-every", "0", "--no-bf16", "--dropout", "0", "--threads", "1", "--quiet"]
    r = cli(args, tmp_path)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (out / "tokenizer.json").read_text() == (tiny_checkpoint / "tokenizer.json").read_text()
    from infformer.io.checkpoint import load_checkpoint
    model, _, _ = load_checkpoint(out)
    assert model.cfg.variant == "compressive" and model.cfg.compressive_len == 8 and model.cfg.dropout == 0
    bad = cli(args[:-1] + ["--quiet", "--sigma-init", "2"], tmp_path)
    assert bad.returncode == 2 and bad.stderr.startswith("error:")


@pytest.mark.parametrize("option,value,message", [("--num-bins", "1", "D must lie in [4, 1024]"),
                                                  ("--tau", "0.02", "τ must lie in [0.05, 0.95]"),
                                                  ("--num-samples", "5000", "M must lie in [8, 4096]")])
def test_memory_settings_have_the_apps_ranges(cli, tiny_checkpoint, sample_text_file, tmp_path, option, value, message):
    r = cli(["trace", sample_text_file, "--model", tiny_checkpoint, option, value, "--out", tmp_path / "o"], tmp_path)
    assert r.returncode == 2 and message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_every_command_that_runs_the_model_takes_threads():
    from infformer.cli.main import build_parser
    from infformer.core.settings import default_threads
    parser = build_parser()
    for argv in (["trace", "x", "--out", "o"], ["generate", "--prompt", "x"], ["evaluate", "--text", "x"],
                 ["dialogue", "evaluate", "--data", "d"], ["sorting", "evaluate", "--model", "m", "--length", "9"],
                 ["train", "x", "--out", "o"], ["sorting", "train", "--out", "o"]):
        assert parser.parse_args(argv).threads == default_threads()
        assert parser.parse_args([*argv, "--threads", "1"]).threads == 1
