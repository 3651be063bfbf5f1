"""Issue 27's Table 2 / Figure 4 script on fixture JSON: one seed with its interval, seeds pooled as
mean ± sd, the without-document row read from dialogue-nodoc.json, missing models left out."""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts" / "experiments"))
from pretrained_dialogue_table import figure4, table2  # noqa: E402


def report(ppl, f1, zeroed=None, ratio=None):
    r = {"perplexity": ppl, "conversations": 619, "generated_conversations": 30, "f1": f1, "f1_ci95": [f1 - 0.01, f1 + 0.01],
         "rouge1": 0.1, "rouge1_ci95": None, "rougeL": 0.08}
    if zeroed is not None:
        r["without_ltm_read"] = {"perplexity": zeroed}
    if ratio is not None:
        r["section_attention"] = {"mean_ratio": ratio, "control_mean_ratio": 1.0, "replies": 800,
                                  "mean_ratio_ci95": [ratio - 0.1, ratio + 0.1], "control_mean_ratio_ci95": [0.9, 1.1],
                                  "difference_ci95": [ratio - 1.1, ratio - 0.9]}
    return r


def write(root: Path, name: str, file: str, data: dict) -> None:
    (root / name).mkdir(parents=True, exist_ok=True)
    (root / name / file).write_text(json.dumps(data))


def test_table2_and_figure4(tmp_path):
    write(tmp_path, "base", "dialogue.json", report(20.0, 0.08))
    write(tmp_path, "base", "dialogue-nodoc.json", report(22.0, 0.07))
    write(tmp_path, "s0", "dialogue.json", report(19.0, 0.09, zeroed=20.0, ratio=1.2))
    write(tmp_path, "s1", "dialogue.json", report(19.2, 0.10, zeroed=20.1, ratio=1.3))
    rows = ["without document=base:nodoc", "backbone=base", "sticky=s0,s1", "missing=nothing"]
    t2 = table2(tmp_path, rows).splitlines()
    assert t2[0].startswith("| model | ppl | read zeroed | F1 %")
    assert t2[2] == "| without document | 22.00 | – | 7.00 [6.00, 8.00] | 10.00 | 8.00 | 619 / 30 |"
    assert t2[3].startswith("| backbone | 20.00 | – | 8.00 [7.00, 9.00]")
    sticky = t2[4]
    assert sticky.startswith("| sticky | 19.10 ± 0.14 (n=2) | 20.05 ± 0.07 (n=2) | 9.50 ± 0.71 (n=2)")
    assert len(t2) == 5  # the missing model is left out
    f4 = figure4(tmp_path, rows).splitlines()
    assert len(f4) == 3 and f4[2].startswith("| sticky | 1.250 ± 0.071 (n=2) | 1.000 ± 0.000 (n=2)")
    assert "[0.100, 0.300]; [0.200, 0.400]" in f4[2] and f4[2].endswith("| 800, 800 |")
