"""Real browser: `streamlit run app.py` driven by Debian's Chromium through Playwright.

Opens every page on the default example, fails on any exception box, checks that the charts
drew, uploads a binary file and sees the message, traces four sessions at once, and saves a
screenshot of each page to a temporary folder, or to $INFFORMER_SCREENSHOTS when asked
(`INFFORMER_SCREENSHOTS=docs/screenshots` refreshes the README's). Needs /usr/bin/chromium (`apt-get install chromium`);
`playwright install` is not used (it would download a browser).
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
SHOTS = Path(os.environ.get("INFFORMER_SCREENSHOTS") or Path(tempfile.gettempdir()) / "infformer-screenshots")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [pytest.mark.browser, pytest.mark.slow,
              pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium at /usr/bin/chromium")]
sync_api = pytest.importorskip("playwright.sync_api")

sys.path.insert(0, str(ROOT))
from pages._registry import PAGES as REGISTRY  # noqa: E402

# (url path, file stem, how many charts the page draws at least, or for a page without any the text it shows)
PAGES = [(p.url_path, p.stem, p.charts or p.marker) for p in REGISTRY]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    yield from run_server()


def run_server(**extra_env):
    port = free_port()
    env = dict(os.environ, HF_HUB_OFFLINE="1", OMP_NUM_THREADS="1", STREAMLIT_BROWSER_GATHER_USAGE_STATS="false",
               **extra_env)
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true"],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("streamlit did not start: " + proc.stdout.read1(4000).decode(errors="replace"))
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="module")
def browser(server):
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(240_000)
    yield pg
    context.close()


def settle(pg) -> None:
    """Wait until the script run is over (the status widget goes) and the page is still."""
    pg.wait_for_selector('[data-testid="stApp"]')
    time.sleep(1.0)
    deadline = time.time() + 240
    while time.time() < deadline:
        running = pg.locator('[data-testid="stStatusWidget"]').count()
        if not running:
            time.sleep(0.8)
            if not pg.locator('[data-testid="stStatusWidget"]').count():
                return
        time.sleep(0.5)
    raise AssertionError("the app kept running for 4 minutes")


def screenshot(pg, stem: str) -> None:
    """The whole page: Streamlit scrolls inside its main section, so grow the viewport to fit it."""
    height = pg.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    pg.set_viewport_size({"width": 1400, "height": min(7000, max(1000, int(height)))})
    time.sleep(1.5)  # let Plotly redraw at the new size
    SHOTS.mkdir(parents=True, exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{stem}.png"))
    pg.set_viewport_size({"width": 1400, "height": 1000})


def no_exception(pg, where: str) -> None:
    boxes = pg.locator('[data-testid="stException"]')
    assert boxes.count() == 0, f"{where}: exception shown: {boxes.first.inner_text()[:2000]}"


@pytest.mark.parametrize("path,stem,charts", PAGES)
def test_page_renders_without_exception(page, server, path, stem, charts):
    page.goto(f"{server}/{path}")
    settle(page)
    no_exception(page, stem)
    if isinstance(charts, int):
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        assert page.locator(".js-plotly-plot").count() >= charts
    else:  # a page without figures: its marker text (pages/_registry.py)
        assert page.get_by_text(charts).count() >= 1
    screenshot(page, stem)


def test_binary_upload_shows_message(page, server, tmp_path):
    page.goto(f"{server}/")
    settle(page)
    page.get_by_role("radio", name="Upload").click()
    settle(page)
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x01\x02\x03" + bytes(range(256)))
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    page.wait_for_selector('[data-testid="stAlert"]:has-text("looks binary")', timeout=60_000)
    settle(page)
    no_exception(page, "bad upload")
    # the app keeps working: the summary of the previous text is still there
    assert page.get_by_text("Tokens per second").count() >= 1


def test_downloads_csv_and_standalone_html(page, server, tmp_path):
    page.goto(f"{server}/")
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="tokens.csv").click()
    path = tmp_path / "tokens.csv"
    info.value.save_as(path)
    header = path.read_text().splitlines()[0].split(",")
    assert header[:7] == ["token_index", "text", "char_start", "char_end", "ltm_t_start", "ltm_t_end", "ltm_attention"]
    page.goto(f"{server}/lab")
    settle(page)
    with page.expect_download() as info:
        page.get_by_role("button", name="Download this figure as HTML").first.click()
    html = tmp_path / "figure.html"
    info.value.save_as(html)
    text = html.read_text()
    assert html.stat().st_size > 1_000_000 and "Plotly.newPlot" in text  # plotly.js inlined: opens offline
    no_exception(page, "downloads")


SESSION_TEXTS = [
    ("The lighthouse keeper counted ships. " * 40, "What did the keeper count?"),
    ("A fox crossed the frozen river at dawn. " * 45, "What crossed the river?"),
    ("Rain fell on the old market all afternoon. " * 50, ""),
    ("The orchestra tuned, then played the overture twice. " * 35, "What was played?"),
]


def test_four_sessions_at_once_each_get_their_own_trace(browser, server, tmp_path):
    """Four browsers paste different texts and run them at the same time on one server; each one's
    downloaded tokens.csv equals what the command line writes for its text and query."""
    from helpers import run_cli
    pages = []
    for text, query in SESSION_TEXTS:
        pg = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True).new_page()
        pg.set_default_timeout(240_000)
        pg.goto(f"{server}/")
        settle(pg)
        pg.get_by_role("radio", name="Paste").click()
        settle(pg)
        pg.get_by_label("Your text").fill(text)
        pg.get_by_label("Query or dialogue turn, read after the text (optional)").fill(query)
        pages.append(pg)
    for pg in pages:  # submit all four before any finishes
        pg.locator('[data-testid="stFormSubmitButton"] button').click()
    for k, ((text, query), pg) in enumerate(zip(SESSION_TEXTS, pages, strict=False)):
        pg.wait_for_selector('h3:has-text("pasted text")', timeout=240_000)
        settle(pg)
        no_exception(pg, f"session {k}")
        with pg.expect_download() as info:
            pg.get_by_role("button", name="tokens.csv").click()
        got = tmp_path / f"app{k}.csv"
        info.value.save_as(got)
        src = tmp_path / f"text{k}.txt"
        src.write_text(text, encoding="utf-8")
        out = tmp_path / f"cli{k}"
        r = run_cli(["trace", src, *(["--query", query] if query else []), "--out", out, "--quiet"], tmp_path)
        assert r.returncode == 0, r.stderr
        assert got.read_text() == (out / "tokens.csv").read_text(), f"session {k}: tokens.csv differs from the CLI's"
    for pg in pages:
        pg.context.close()


def test_one_history_entry_per_view_and_back_and_forward_move_between_them(browser, server):
    """Issue 24: each page visit added about 8 history entries (one per URL parameter written), so
    Back stayed on the same page for 8 presses. Now: one entry per page visited, and Back / Forward
    return to the previous views."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(240_000)
    pg.add_init_script("""window.__log = []; for (const f of ['pushState', 'replaceState']) {
        const orig = history[f].bind(history);
        history[f] = (s, t, u) => { window.__log.push(f + ' ' + u); return orig(s, t, u); }; }""")
    try:
        pg.goto(f"{server}/")
        settle(pg)
        # the landing page writes its view into the URL once; under load that write can come after the page looks
        # still, and was then counted as the next click's (a flaky [2, 1] with four processes on two cores)
        pg.wait_for_function("() => location.search.includes('example=')")
        lengths = [pg.evaluate("history.length")]
        for title, path in (("Memory signal", "/signal"), ("Excerpts", "/highlights")):
            pg.get_by_role("link", name=title).first.click()
            settle(pg)
            pg.wait_for_function("p => location.pathname.endsWith(p) && location.search.includes('example=')", arg=path)
            lengths.append(pg.evaluate("history.length"))
        assert [b - a for a, b in zip(lengths, lengths[1:])] == [1, 1], (lengths, pg.evaluate("window.__log"))
        assert pg.url.split("?")[0].endswith("/highlights")
        pg.go_back()
        settle(pg)
        assert pg.url.split("?")[0].endswith("/signal") and "example=home_alone" in pg.url
        assert pg.get_by_role("heading", name=re.compile("Memory signal")).count() >= 1  # the page itself, not just its URL
        pg.go_back()
        settle(pg)
        assert pg.url.split("?")[0].rstrip("/") == server
        pg.go_forward()
        settle(pg)
        assert pg.url.split("?")[0].endswith("/signal")
        # a second text: choose another example on the Run page; Back returns to the first text
        pg.get_by_role("link", name="Run").first.click()
        settle(pg)
        before = pg.evaluate("history.length")
        box = pg.locator('[data-testid="stSelectbox"]').filter(has_text="Example").first
        box.locator("input").click()
        pg.keyboard.type("Pride")
        pg.keyboard.press("Enter")
        settle(pg)
        assert "example=pride_and_prejudice" in pg.url and pg.evaluate("history.length") == before + 1
        assert pg.get_by_role("heading", name=re.compile("Pride and Prejudice")).count() >= 1
        pg.go_back()
        settle(pg)
        assert "example=home_alone" in pg.url
        assert pg.get_by_role("heading", name=re.compile("Home Alone")).count() >= 1  # the text followed the URL
        pg.go_forward()
        settle(pg)
        assert pg.get_by_role("heading", name=re.compile("Pride and Prejudice")).count() >= 1
        no_exception(pg, "history")
    finally:
        context.close()


def test_a_long_pasted_texts_link_opened_elsewhere_says_it_does_not_carry_the_text(browser, server):
    """Issue 24: the address bar of a long pasted text held no text, and opened in a fresh browser it
    showed Home Alone with no notice."""
    sender = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = sender.new_page()
    pg.set_default_timeout(240_000)
    try:
        pg.goto(f"{server}/")
        settle(pg)
        pg.get_by_role("radio", name="Paste").click()
        settle(pg)
        long_text = " ".join(f"Sentence {i} says something about item {i * 7919 % 104729}." for i in range(4000))
        pg.get_by_label("Your text").fill(long_text)
        pg.get_by_role("button", name="Run").click()
        settle(pg)
        link = pg.url
        assert "text=too-long" in link
    finally:
        sender.close()
    reader = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = reader.new_page()
    pg.set_default_timeout(240_000)
    try:
        pg.goto(link)
        settle(pg)
        pg.wait_for_selector('[data-testid="stAlert"]:has-text("too long to travel in a link")', timeout=60_000)
        no_exception(pg, "long link")
    finally:
        reader.close()


@pytest.fixture(scope="module")
def class_server():
    yield from run_server(INFFORMER_SERVER_MODE="1")


def test_server_mode_offers_no_path_box_and_shows_no_traceback(browser, class_server):
    pg = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    pg.set_default_timeout(240_000)
    pg.goto(f"{class_server}/")
    settle(pg)
    pg.locator('[data-testid="stSelectbox"]').filter(has_text="Checkpoint").first.click()
    options = pg.get_by_role("option").all_inner_texts()
    assert options and not any("Local checkpoint directory" in o for o in options)
    pg.keyboard.press("Escape")
    # a forced error: a session file that is not JSON is one line, never a traceback
    pg.get_by_role("radio", name="Session file").click()
    settle(pg)
    bad = Path(tempfile.mkdtemp()) / "session.json"
    bad.write_bytes(b"\xff\xfe not json")
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(bad))
    pg.wait_for_selector('[data-testid="stAlert"]:has-text("session.json")', timeout=60_000)
    settle(pg)
    no_exception(pg, "server mode")
    assert pg.get_by_text("Traceback").count() == 0


def test_a_click_on_a_token_makes_it_the_query(page, server):
    """Issue 26: on the Attention page, open "Click a token to make it the query", click one point of
    the strip (a token of the text): that token becomes the query in the picker, its figures redraw."""
    page.goto(f"{server}/")
    settle(page)
    page.get_by_role("link", name="Attention Gaussians").first.click()
    settle(page)
    page.get_by_text("Click a token to make it the query").first.click()  # the toggle
    settle(page)
    strip = page.locator('.js-plotly-plot').first
    strip.wait_for(timeout=60_000)
    strip.scroll_into_view_if_needed()
    # the pixel of the strip's highest point (a surprisal spike, alone at its height: the points are
    # closer than a pixel apart along the text), from Plotly's own axes (the plot area starts at _size.l/t)
    token, x, y = strip.evaluate("""gd => {
        const d = gd._fullData[0], L = gd._fullLayout, i = d.y.indexOf(Math.max(...d.y));
        return [d.customdata[i], L._size.l + L.xaxis.l2p(d.x[i]), L._size.t + L.yaxis.l2p(d.y[i])];
    }""")
    box = strip.bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    settle(page)
    no_exception(page, "click a token")
    chosen = page.locator('[data-testid="stMultiSelect"]').first.inner_text()
    assert f"{token} «" in chosen, chosen
    screenshot(page, "click_query")
