"""Real modern English that no model of this project trains on, extracted from what every machine of
this kind already has (so reviewers can check the numbers anywhere; the texts are never committed).

    python scripts/experiments/real_english.py --out build/eval/real-english

Four kinds, each cut at a paragraph boundary near --chars characters:
  legal-gpl3.txt             the GNU GPL version 3 (/usr/share/common-licenses/GPL-3)
  manual-ssh.txt             the ssh(1) manual page, rendered by man at 80 columns
  policy-debian-python.txt   Debian's Python policy (/usr/share/doc/python3/python-policy.html), as text
  api-argparse.txt           Python's argparse module documentation, as pydoc renders it
and one long text for the memory's horizon:
  long-bash.txt              the bash(1) manual page (the first --long-chars characters)
"""
from __future__ import annotations

import argparse
import html.parser
import os
import pydoc
import re
import subprocess
from pathlib import Path


class _Text(html.parser.HTMLParser):
    """The visible text of an HTML page, paragraphs separated by blank lines."""

    BLOCKS = {"p", "div", "h1", "h2", "h3", "h4", "li", "pre", "dt", "dd", "tr", "br", "section"}

    def __init__(self):
        super().__init__()
        self.parts, self.skip = [], 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self.parts.append(data)


def html_text(path: str) -> str:
    parser = _Text()
    parser.feed(Path(path).read_text(encoding="utf-8", errors="replace"))
    text = "".join(parser.parts)
    paragraphs = (" ".join(p.split()) for p in re.split(r"\n\s*\n", text))
    return "\n\n".join(p for p in paragraphs if p)


def man_page(name: str) -> str:
    env = {**os.environ, "MANWIDTH": "80", "MAN_KEEP_FORMATTING": "0"}
    rendered = subprocess.run(["man", "-P", "cat", name], capture_output=True, text=True, env=env, check=True).stdout
    return re.sub(r".\x08", "", rendered)  # overstrike bold and underline


def cut(text: str, chars: int) -> str:
    """The text up to the last paragraph break before `chars` characters (all of it if shorter)."""
    if len(text) <= chars:
        return text
    end = text.rfind("\n\n", 0, chars)
    return text[: end if end > chars // 2 else chars]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default="build/eval/real-english")
    p.add_argument("--chars", type=int, default=36_000)
    p.add_argument("--long-chars", type=int, default=90_000)
    args = p.parse_args()
    import argparse as module
    texts = {
        "legal-gpl3": Path("/usr/share/common-licenses/GPL-3").read_text(encoding="utf-8"),
        "manual-ssh": man_page("ssh"),
        "policy-debian-python": html_text("/usr/share/doc/python3/python-policy.html"),
        "api-argparse": pydoc.render_doc(module, renderer=pydoc.plaintext),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (out / f"{name}.txt").write_text(cut(text, args.chars).strip() + "\n", encoding="utf-8")
    (out / "long-bash.txt").write_text(cut(man_page("bash"), args.long_chars).strip() + "\n", encoding="utf-8")
    for f in sorted(out.glob("*.txt")):
        print(f"{f}: {len(f.read_text(encoding='utf-8')):,} characters")


if __name__ == "__main__":
    main()
