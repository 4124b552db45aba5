"""The app server itself (``streamlit run app.py``, as ``make run`` starts it) under attack, while a
second visitor keeps asking for the overview map (issues 25 and 26). Each test has its own server and
hostile client, bounded in count and time; the attacker speaks from another loopback address
(127.0.0.2, 127.0.0.3: Linux routes all of 127/8 to this machine) so the per-address budgets meet it
and not the visitor. The protocol helpers are bench/wsload.py's.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import websockets
from browser_support import run_async, start_app
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from geo import settings

BENCH = Path(__file__).resolve().parents[1] / "bench"
sys.path.insert(0, str(BENCH))
import wsload  # noqa: E402 - bench/ is not a package

QUERY = "indicator=poor_county_type"


@pytest.fixture
def server(tmp_path):
    """A fresh app server: (URL, pid, log file); stopped afterwards."""
    servers = []

    def start(**options):
        log = tmp_path / f"server{len(servers)}.log"
        proc, url = start_app(log=log, **options)
        servers.append(proc)
        return url, proc.pid, log

    yield start
    for proc in servers:
        proc.terminate()
        proc.wait(timeout=20)


def ws_url(url: str) -> str:
    return url.replace("http://", "ws://") + "/_stcore/stream"


_visits = iter(range(10**9))


async def map_time(url: str) -> float:
    """Seconds until the overview map's script arrives in a new session (the visitor, who stays to the run's end).
    Each visit comes from its own address in 127.0.1.0/24: a browser keeps one session, this visitor opens one
    per measurement and would otherwise meet its own address's new-session budget."""
    source = f"127.0.1.{next(_visits) % 250 + 1}"
    t_map, _done, _size, err = await wsload.one_run(ws_url(url), QUERY, 60, local_addr=(source, 0))
    assert err is None, err
    return t_map


def health(url: str, timeout: float = 10) -> float:
    """Seconds /_stcore/health took to answer 200 (raises if it did not)."""
    t0 = time.monotonic()
    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
        assert r.status == 200
    return time.monotonic() - t0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def start_flood(url: str, seconds: float, rate: float, source: str) -> subprocess.Popen:
    """bench/wsload.py's hostile client, in its own process (its sending does not slow the visitor's client)."""
    return subprocess.Popen(
        [
            sys.executable,
            str(BENCH / "wsload.py"),
            "--url",
            url,
            "--flood-rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--source",
            source,
            "--query",
            QUERY,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )


def test_a_rerun_flood_leaves_other_visitors_served(server):
    url, _pid, log = server()
    run_async(map_time(url))  # warm-up: the store and the caches

    async def scenario(source: str):
        quiet = [await map_time(url) for _ in range(7)]
        attack = start_flood(url, 5, 1000, source)
        during, checks = [], []
        loop = asyncio.get_running_loop()
        while attack.poll() is None:
            checks.append(loop.run_in_executor(None, health, url))
            during.append(await map_time(url))  # one after another: the visitor keeps asking throughout
        stats = json.loads(attack.communicate(timeout=30)[0])
        healths = await asyncio.gather(*checks)
        return quiet, during, healths, stats

    # A second attempt (from another address: the first is barred for 10 s) only when the first's timing
    # landed in a load spike of the shared machine; everything but the timing must hold in each attempt.
    for source in ("127.0.0.2", "127.0.0.4"):
        quiet, during, healths, stats = run_async(asyncio.wait_for(scenario(source), 120))
        after = health(url)
        print(f"quiet {quiet}, during {during}, health {healths}, after {after:.2f} s, attacker {stats}")
        assert stats["sent"] > 0 and stats["closed"] + stats["refused"] >= 1  # the flood was met, not ignored
        assert max(during) < 5, during  # the attacker costs at most the one run it started before it was seen
        assert max(healths) < 2 and after < 2
        # The visitor's map arrives within twice its quiet time (medians), give or take the spread the quiet
        # runs themselves showed (a machine shared with other work).
        noise = max(quiet) - min(quiet)
        if statistics.median(during) <= 2 * statistics.median(quiet) + noise:
            break
    else:
        raise AssertionError(f"the visitor's map took {during} during the flood, {quiet} before it")
    text = log.read_text(errors="replace")
    assert "Exception in ASGI application" not in text
    assert text.count("disconnected: flooded") <= 1  # one line, repeats counted in the next one


def test_an_anonymous_session_cannot_upload_and_its_bodies_are_not_read(server):
    url, pid, log = server()

    async def scenario():
        ws, session_id = await wsload.anonymous_session(ws_url(url), QUERY)
        try:
            while True:  # the session's first run finishes before the baseline
                msg = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), 60))
                if msg.WhichOneof("type") == "script_finished":
                    break
            await asyncio.sleep(1)
            before = rss_mb(pid)
            loop = asyncio.get_running_loop()
            results = [
                await loop.run_in_executor(None, wsload.put_upload, url, session_id, 150 * 2**20) for _ in range(10)
            ]
            after = rss_mb(pid)
        finally:
            await ws.close()
        return before, after, results

    before, after, results = run_async(asyncio.wait_for(scenario(), 300))
    print(f"RSS {before:.0f} -> {after:.0f} MB; answers {results}")
    assert all(r in (403, "BrokenPipeError", "ConnectionResetError", "RemoteDisconnected") for r in results), results
    assert 403 in results
    assert abs(after - before) <= 20, (before, after)
    assert log.stat().st_size < 100_000


def test_300_connections_from_one_address_are_capped_and_the_log_stays_small(server):
    # Under the common 1,024-descriptor limit (a systemd service's default), which the app cannot raise here.
    url, pid, log = server(fd_limit=1024)
    run_async(map_time(url))
    log_before = log.stat().st_size

    async def scenario():
        held, refused, failed = [], 0, []

        async def one():
            nonlocal refused
            try:
                ws = await websockets.connect(
                    ws_url(url),
                    subprotocols=["streamlit"],
                    max_size=None,
                    open_timeout=30,
                    user_agent_header=None,
                    local_addr=("127.0.0.3", 0),
                )
                held.append(ws)
            except websockets.exceptions.InvalidStatus as exc:
                assert exc.response.status_code == 403
                refused += 1
            except Exception as exc:  # counted and shown
                failed.append(f"{type(exc).__name__}: {exc}")

        for start in range(0, 300, 50):  # 300 attempts, 50 at a time
            await asyncio.gather(*(one() for _ in range(50)))
            if start == 150:
                visitor = await map_time(url)  # a second client's map, from another address, amid it
        fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
        for ws in held:
            await ws.close()
        return len(held), refused, failed, visitor, fds

    opened, refused, failed, visitor, fds = run_async(asyncio.wait_for(scenario(), 180))
    grown = log.stat().st_size - log_before
    print(
        f"held {opened}, refused {refused}, failed {failed[:3]}, visitor map {visitor:.2f} s, "
        f"server fds {fds}, log +{grown} bytes"
    )
    per_address = int(settings.SETTINGS["BAODING_WS_PER_ADDRESS"].default)  # the shipped default
    assert opened <= per_address and opened + refused == 300 and not failed
    assert visitor < 30 and fds < 1024 - 64
    assert grown < 2**20
    assert "Exception in ASGI application" not in log.read_text(errors="replace")
    assert health(url) < 2
