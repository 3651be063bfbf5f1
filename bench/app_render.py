"""How long the app takes on a long text: the trace of a ~50,000-token text (with its progress
bar), then each page rendered from the cached trace.

    .venv/bin/python bench/app_render.py [--tokens 50000] [--threads N]

Runs the app in-process with Streamlit's AppTest (the same scripts as under `streamlit run`,
without the browser's own drawing time). For every page it prints the first visit (which also
fills the page's derived caches: rulers, attention masses) and a second visit (everything
cached), and the size of the figures' JSON a browser would receive; then the Sticky memories
comparison, which traces the text a second time (off by default above 20,000 tokens).
Prints numbers; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from pages._registry import PAGES as REGISTRY  # noqa: E402  (after the path is set)

# the pages that read the traced text, then Run again (from the app's one registry)
PAGES = [(p.title, p.file) for p in REGISTRY if p.model and p.url_path] + [(REGISTRY[0].title, REGISTRY[0].file)]


def timed_run(at) -> float:
    t0 = time.perf_counter()
    at.run()
    seconds = time.perf_counter() - t0
    if at.exception:
        raise SystemExit(f"the app raised: {[e.message for e in at.exception]}")
    return seconds


def figure_bytes(at) -> int:
    return sum(len(el.proto.spec) for el in at.get("plotly_chart"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=50_000, help="length of the pass-key haystack (about, in tokens)")
    parser.add_argument("--threads", type=int, default=0,
                        help="torch threads for the app ($INFFORMER_THREADS; 0: the app's default, half the cores)")
    args = parser.parse_args()

    if args.threads:
        os.environ["INFFORMER_THREADS"] = str(args.threads)
    import torch
    from streamlit.testing.v1 import AppTest
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=3600)
    at.query_params.update({"example": "passkey", "length": str(args.tokens), "depth": "0.5"})
    first = timed_run(at)
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"with {torch.get_num_threads()} threads, python {platform.python_version()}")
    metrics = {m.label: m.value for m in at.metric}
    print(f"\ntext: pass-key haystack, {metrics['Tokens']} tokens, {metrics['Segments']} segments, "
          f"{metrics['Memory updates']} memory updates")
    print(f"trace (model forward + recorders), as the Run page reports it: {metrics['Time']} "
          f"({metrics['Tokens per second']} tokens/s)")
    print(f"first Run page, model load + trace + page: {first:.2f} s")
    print(f"\n{'page':<22}{'first visit':>12}{'cached':>10}{'figure JSON':>14}")
    for name, path in PAGES:
        at.switch_page(path)
        cold = timed_run(at)
        warm = timed_run(at)
        print(f"{name:<22}{cold:>10.2f} s{warm:>8.2f} s{figure_bytes(at) / 1e6:>11.2f} MB")
    print("(first visit: fills the page's derived caches; cached: the same page again, as after a widget change "
          "that needs nothing new)")
    at.switch_page("pages/sticky.py").run()
    toggle = next(t for t in at.toggle if t.label.startswith("Compare"))
    toggle.set_value(True)
    compare = timed_run(at)
    print(f"\nSticky memories, comparison with linear sampling switched on (a second trace of the text): {compare:.2f} s; "
          f"then {timed_run(at):.2f} s cached")


if __name__ == "__main__":
    main()
