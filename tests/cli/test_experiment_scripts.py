"""The experiment scripts call the command line with only what differs from its defaults (one source
for every setting: the defaults live with the config dataclasses the flags are built from)."""
import re
from pathlib import Path

import pytest

from infformer.cli.main import build_parser

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = sorted((ROOT / "scripts" / "experiments").glob("*.sh"))


def subcommand_defaults(*path) -> dict:
    """{--flag: default} of `python -m infformer PATH...`."""
    parser = build_parser()
    for name in path:
        parser = next(a for a in parser._actions if a.dest and a.choices and name in a.choices).choices[name]
    return {s: a.default for a in parser._actions for s in a.option_strings if s.startswith("--")}


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: p.name)
def test_no_flag_repeats_its_default(script):
    text = script.read_text().replace("\\\n", " ")
    commands = {"train": ("train",), "sorting train": ("sorting", "train")}
    for words, path in commands.items():
        if f"infformer {words}" not in text and not (words == "sorting train" and "COMMON=" in text
                                                     and "sorting train" in text):
            continue
        defaults = subcommand_defaults(*path)
        for flag, value in re.findall(r"(--[a-z][a-z0-9-]*)[ =]([0-9][0-9.e-]*)\b", text):
            if flag == "--threads":  # its default depends on the machine; the scripts fix one thread on purpose
                continue
            if flag in defaults and defaults[flag] is not None and not isinstance(defaults[flag], bool):
                try:
                    same = float(value) == float(defaults[flag])
                except (TypeError, ValueError):
                    continue
                assert not same, f"{script.name}: {flag} {value} is the default"
