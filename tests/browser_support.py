"""Shared by the browser tests: the app on a free port, Debian Chromium's flags, a context with the network cut off.

The session fixtures that use these (``app_url``, ``browser``) live in conftest.py: one Playwright
for the whole run (two sync Playwright instances cannot run in one thread).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

from geo.internals import SCRIPT_NOT_RUNNING, SCRIPT_STATE_ATTR, test_id
from geo.web import styles

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium")

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


MAP_IFRAME = styles.MAP_IFRAME  # streamlit-folium's frame
# Streamlit's own end-to-end hook: the app element says whether a script run is going on.
RUN_OVER = f"{test_id('stApp')}[{SCRIPT_STATE_ATTR}='{SCRIPT_NOT_RUNNING}']"
# JS run in the top page: whether a map frame has at least ``n`` county shapes painted (same-origin iframes).
PAINTED_JS = """n => { for (const f of document.querySelectorAll('iframe')) { try {
  const ps = [...f.contentDocument.querySelectorAll('path.leaflet-interactive')];
  if (ps.filter(p => p.getBBox().width > 1 && (p.getAttribute('fill') || 'none') !== 'none').length >= n) return true;
  } catch (e) {} } return false }"""
# JS run in a map's frame: a point inside the fill of the largest county shape on screen (SVG hit testing), as
# (index among the shapes, x and y from the shape's box): where a click lands in that county and no other.
INSIDE_LARGEST_JS = """ps => { let best = -1, area = 0;
  ps.forEach((p, i) => { const r = p.getBoundingClientRect();
    if (r.width * r.height > area) { best = i; area = r.width * r.height; } });
  const p = ps[best], r = p.getBoundingClientRect(), m = p.getScreenCTM().inverse(), svg = p.ownerSVGElement;
  for (const [fx, fy] of [[.5, .5], [.4, .5], [.6, .5], [.5, .4], [.5, .6], [.3, .3], [.7, .7], [.3, .7], [.7, .3]]) {
    const pt = svg.createSVGPoint(); pt.x = r.left + fx * r.width; pt.y = r.top + fy * r.height;
    const inner = pt.matrixTransform(m);
    if (p.isPointInFill(inner) && document.elementFromPoint(pt.x, pt.y) === p)
      return {index: best, x: fx * r.width, y: fy * r.height};
  }
  return null; }"""


def eventually(check: Callable[[], bool], timeout: float, every: float = 0.3) -> bool:
    """Whether ``check()`` comes true within ``timeout`` seconds, asked every ``every`` seconds: for states
    outside the browser (a process, a log line, a server's health). In a page, wait_for_function instead."""
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(every)
    return True


def answers(url: str) -> bool:
    """Whether ``url`` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


def healthy(base: str, timeout: float = 60) -> bool:
    """Whether the Streamlit server at ``base`` answers its health check within ``timeout`` seconds."""
    return eventually(lambda: answers(f"{base}/_stcore/health"), timeout)


def holds(target, predicate: str, arg=None, timeout: float = 10_000) -> bool:
    """Whether the JS function ``predicate`` (called with ``arg``) comes true in ``target`` (a page or a
    frame) within ``timeout`` ms, polled every 100 ms: for a state that arrives a moment late."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    try:
        target.wait_for_function(predicate, arg=arg, timeout=timeout, polling=100)
    except PlaywrightTimeout:
        return False
    return True


def map_document(page):
    """The (first) map's own document, as a Playwright Frame: where streamlit-folium's ``window.map`` lives."""
    return next(f for f in page.frames if "streamlit_folium" in f.url)


def painted(page, n: int = 24, timeout: float = 60_000) -> None:
    """Wait until a map frame shows ``n`` painted county shapes."""
    page.wait_for_function(PAINTED_JS, arg=n, timeout=timeout, polling=100)


def run_over(page, timeout: float = 60_000) -> None:
    """Wait until Streamlit says no script run is going on (call it once the run's first element is there)."""
    page.locator(RUN_OVER).wait_for(state="attached", timeout=timeout)


# app.py draws the language switch (a segmented control at the top of the sidebar) after the page: once it is
# there, the whole page has come (a new session's overview included, whose rest follows its painted map).
LANGUAGE_SWITCH = f"{test_id('stSidebar')} {test_id('stButtonGroup')}"


def drawn(page, timeout: float = 60_000) -> None:
    """Wait until the whole page is drawn: the language switch is there and the run that drew it is over."""
    page.locator(LANGUAGE_SWITCH).first.wait_for(state="attached", timeout=timeout)
    run_over(page, timeout)


def click_inside_largest_county(frame, tap: bool = False) -> None:
    """Click (or tap) the largest county on screen at a point inside its shape, through its locator (which
    waits until the shape is stable and would receive the click)."""
    shapes = frame.locator("path.leaflet-interactive")
    spot = shapes.evaluate_all(INSIDE_LARGEST_JS)
    assert spot, "no point of the largest county receives clicks"
    target = shapes.nth(spot["index"])
    position = {"x": spot["x"], "y": spot["y"]}
    target.tap(position=position) if tap else target.click(position=position)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_app(env: dict[str, str] | None = None, log: Path | None = None, fd_limit: int | None = None):
    """Start the app on a free port: (process, URL) once it answers its health check.

    ``log``: the server's output goes to this file (else a pipe); ``fd_limit``: its descriptor limit,
    soft and hard (the app cannot raise it then), as under a systemd service's default of 1,024.
    """
    port = _free_port()

    def limit():  # in the child, before exec
        import resource

        resource.setrlimit(resource.RLIMIT_NOFILE, (fd_limit, fd_limit))

    out = open(log, "wb") if log else subprocess.PIPE  # the child holds it
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(ROOT / "app.py"),
            "--server.port",
            str(port),
            "--server.address",
            "127.0.0.1",
            "--server.headless",
            "true",
        ],
        cwd=ROOT,
        stdout=out,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
        preexec_fn=limit if fd_limit else None,
    )
    if log:
        out.close()
    url = f"http://127.0.0.1:{port}"
    if not healthy(url, 60):
        proc.kill()
        said = log.read_text(errors="replace") if log else proc.stdout.read().decode(errors="replace")
        raise RuntimeError(f"streamlit did not start: {said[-2000:]}")
    return proc, url


# The browser tests' pages all come from this machine's one address, many a minute: the per-address session
# budgets (geo/server/budgets.py, tested with their defaults in tests/test_edge_server.py) would meet the test
# run, not an attacker. The per-session budgets stay as shipped.
MANY_VISITORS = {
    "BAODING_WS_PER_ADDRESS": "1000",
    "BAODING_WS_NEW_PER_MINUTE": "60000",
    "BAODING_WS_RERUNS_PER_ADDRESS_S": "1000",
}


def serve_app(env: dict[str, str] | None = None):
    """Run the app on a free port (with these extra environment variables); yields its URL, then stops it."""
    proc, url = start_app({**MANY_VISITORS, **(env or {})})
    yield url
    proc.terminate()
    proc.wait(timeout=10)


def offline_context(browser, app_url, **options):
    """A browser context as in a room without internet: requests off the app's host are aborted.

    Returns the context and the list that collects the URLs it tried to reach.
    """
    context = browser.new_context(**{"viewport": {"width": 1400, "height": 900}, "locale": "zh-CN", **options})
    host = urlparse(app_url).netloc
    external: list[str] = []

    def guard(route):
        if urlparse(route.request.url).netloc == host or route.request.url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            external.append(route.request.url)
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    return context, external


@contextmanager
def closed_after(context, page, name: str):
    """Run a browser check; on failure keep a screenshot as tests/artifacts/<name>.png; close the context either way."""
    try:
        yield
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        raise
    finally:
        context.close()


def run_async(coro):
    """``asyncio.run(coro)`` in a thread of its own: once the session's sync Playwright has started, the
    main thread already runs an event loop, and ``asyncio.run`` there raises."""
    import asyncio
    import threading

    result: dict = {}

    def target():
        try:
            result["value"] = asyncio.run(coro)
        except BaseException as exc:  # re-raised in the caller's thread
            result["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join()
    if "error" in result:
        raise result["error"]
    return result.get("value")
