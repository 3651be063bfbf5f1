"""A classroom on one app server: K browsers trace at once, then every one opens a second page.

    .venv/bin/python bench/classroom.py [--sessions 4 8] [--tokens 2000] [--same]

Starts `streamlit run app.py`, opens K headless Chromium sessions (Debian's /usr/bin/chromium,
Playwright), each pastes its own text of about --tokens tokens (or, with --same, they all use the
default example) and clicks Run at the same moment. Prints, per K: the wall time until every
session shows its summary, the slowest and the median session, the ratio to one session alone,
whether any page showed an exception, then the time for all K to open Attention Gaussians (the
trace is shared, so it should not recompute). Ratios within one run; nothing asserted.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

import _common as C  # noqa: E402


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sessions", type=int, nargs="+", default=[1, 4, 8])
    p.add_argument("--tokens", type=int, default=2000, help="about how long each session's text is")
    p.add_argument("--same", action="store_true", help="every session traces the default example (a class demo)")
    args = p.parse_args()
    import test_browser as tb  # the browser test's settle() and Chromium settings
    from playwright.sync_api import sync_playwright
    print(C.machine_line())
    server, url = start_server()
    words = "river stone lantern orchard harbour meadow signal winter copper violin".split()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=tb.CHROMIUM, args=tb.ARGS)
            alone = None
            print(f"\n{'sessions':>8}{'all traced':>12}{'slowest':>10}{'median':>9}{'vs one':>8}{'2nd page, all':>15}  errors")
            for K in args.sessions:
                pages = []
                for k in range(K):
                    pg = browser.new_context(viewport={"width": 1200, "height": 900}).new_page()
                    pg.set_default_timeout(900_000)
                    pg.goto(f"{url}/")
                    tb.settle(pg)
                    if not args.same:
                        pg.get_by_role("radio", name="Paste").click()
                        tb.settle(pg)
                        w = words[k % len(words)]
                        sentence = f"Session {K}-{k} writes about the {w} and the {words[(k + 3) % 10]} again. "
                        pg.get_by_label("Your text").fill(sentence * max(1, args.tokens // 14))
                    pages.append(pg)
                t0 = time.perf_counter()
                if args.same:
                    for pg in pages:
                        pg.reload()
                else:
                    for pg in pages:
                        pg.locator('[data-testid="stFormSubmitButton"] button').click()
                done = []
                for pg in pages:
                    pg.wait_for_selector('h3:has-text("pasted text")' if not args.same else 'text=Tokens per second')
                    tb.settle(pg)
                    done.append(time.perf_counter() - t0)
                total = max(done)
                errors = sum(pg.locator('[data-testid="stException"]').count() for pg in pages)
                t1 = time.perf_counter()
                for pg in pages:  # in the same session: the sidebar's page link
                    pg.get_by_test_id("stSidebarNavItems").get_by_role("link", name="Attention Gaussians").click()
                for pg in pages:
                    pg.wait_for_selector(".js-plotly-plot")
                    tb.settle(pg)
                second = time.perf_counter() - t1
                alone = alone or total
                print(f"{K:>8}{total:>10.1f} s{max(done):>8.1f} s{statistics.median(done):>7.1f} s"
                      f"{total / alone:>7.2f}x{second:>13.1f} s  {errors}")
                for pg in pages:
                    pg.context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(10)


def start_server():
    import os
    import subprocess
    import urllib.request

    import test_browser as tb
    port = tb.free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    for _ in range(240):
        try:
            if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                return proc, url
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("streamlit did not start")


if __name__ == "__main__":
    main()
