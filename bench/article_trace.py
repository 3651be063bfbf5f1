"""How long the explorer takes to read a 5,000-word article with the shipped default (the memory on
SmolLM2-135M): the app's own call (`trace_with_targets`, as pages/_runs.py makes it), float32 against
bf16 autocast, at each thread count asked for. Issue 23's goal: at most 15 s on two cores.

The article: the first 5,000 words of --text (default: the Debian Administrator's Handbook's text if
the package is installed, else the GNU GPL-3). Prints seconds, tokens/s and the bf16/float32 ratio;
the precision `auto` picks here (core/precision.py) is marked.
Usage: .venv/bin/python bench/article_trace.py --threads 1 2 [--model DIR] [--words 5000]
"""
from __future__ import annotations

import argparse
import time
from pathlib import Path

import _common as C
import torch

from infformer.core.precision import use_bf16
from infformer.io.checkpoint import PRETRAINED_MODEL, load_checkpoint
from infformer.tracing.fit_targets import trace_with_targets

HANDBOOK = Path("/usr/share/doc/debian-handbook/html/en-US/index.html")
GPL = Path("/usr/share/common-licenses/GPL-3")


def article(path: str | None, words: int) -> tuple[str, str]:
    if path:
        text, name = Path(path).read_text(encoding="utf-8"), path
    elif HANDBOOK.is_file():
        from infformer.corpora.debian_docs import BOOKS, book_texts
        text, name = book_texts(BOOKS[:1])[0][1], "the Debian Administrator's Handbook"
    else:
        text, name = GPL.read_text(encoding="utf-8"), str(GPL)
    # keep the text's own line breaks: cut after the `words`-th word
    cut, seen = 0, 0
    for k, ch in enumerate(text):
        if ch.isspace() and k and not text[k - 1].isspace():
            seen += 1
            if seen == words:
                cut = k
                break
    return (text[:cut] if cut else text), f"{words if cut else len(text.split()):,} words of {name}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1])
    ap.add_argument("--model", default=str(PRETRAINED_MODEL))
    ap.add_argument("--text")
    ap.add_argument("--words", type=int, default=5000)
    args = ap.parse_args()
    text, name = article(args.text, args.words)
    t0 = time.perf_counter()
    model, tokenizer, _ = load_checkpoint(args.model)
    print(f"model {args.model}: loaded in {time.perf_counter() - t0:.1f} s")
    print("CPU:", C.flag_report(("avx512_bf16", "amx_bf16")), f"| auto chooses {'bf16' if use_bf16(model) else 'float32'}")
    print(f"text: {name}, {len(tokenizer.encode(text)[0]):,} tokens")
    for threads in args.threads:
        torch.set_num_threads(threads)
        seconds = {}
        for precision in ("float32", "bf16"):
            t = time.perf_counter()
            trace, _ = trace_with_targets(model, tokenizer, text, bf16=precision == "bf16")
            seconds[precision] = time.perf_counter() - t
            print(f"threads {threads} {precision:>7}: {seconds[precision]:6.1f} s, "
                  f"{trace.num_tokens / seconds[precision]:5.0f} tokens/s")
        print(f"threads {threads}: bf16 / float32 time ratio {seconds['bf16'] / seconds['float32']:.2f}")


if __name__ == "__main__":
    main()
