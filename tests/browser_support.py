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
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = shutil.which("chromium")

CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]  # fmt: skip


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
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true"],
        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
        preexec_fn=limit if fd_limit else None,
    )  # fmt: skip
    if log:
        out.close()
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        said = log.read_text(errors="replace") if log else proc.stdout.read().decode(errors="replace")
        raise RuntimeError(f"streamlit did not start: {said[-2000:]}")
    return proc, url


# The browser tests' pages all come from this machine's one address, many a minute: the per-address session
# budgets (geo/server/budgets.py, tested with their defaults in tests/test_edge_server.py) would meet the test
# run, not an attacker. The per-session budgets stay as shipped.
MANY_VISITORS = {"BAODING_WS_PER_ADDRESS": "1000", "BAODING_WS_NEW_PER_MINUTE": "60000",
                 "BAODING_WS_RERUNS_PER_ADDRESS_S": "1000"}  # fmt: skip


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
