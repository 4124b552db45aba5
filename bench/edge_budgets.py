"""The server's budgets under attack, on servers started beside each other (before/after in one run).

For each ``--server NAME=URL,PID,LOG`` (an app server already running, e.g. one from a worktree at the
commit before the budgets, one from this tree, both under ``ulimit -n 1024``), in this order:

1. quiet: the overview map of a new session, median of 5 (bench/wsload.py's ``one_run``);
2. anonymous uploads: 3 × 150 MB PUTs to Streamlit's upload endpoint from a visitor's session; RSS before/after;
3. 300 websocket connections from one address (127.0.0.3), 50 at a time, held; a visitor's map amid them;
   the server's descriptors and log growth;
4. a rerun flood (``wsload.flood``, from 127.0.0.2) at ``--rate`` a second for ``--seconds``; the visitor's
   maps and /_stcore/health during it; then how long until health answers within 2 s (at most ``--wait`` s).

Run last because a server without budgets may stay down long after the flood. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import websockets

sys.path.insert(0, str(Path(__file__).resolve().parent))
import wsload

QUERY = "indicator=poor_county_type"


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def health(url: str, timeout: float = 5) -> float | None:
    t0 = time.monotonic()
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=timeout) as r:
            return time.monotonic() - t0 if r.status == 200 else None
    except OSError:
        return None


async def map_time(url: str, timeout: float = 60) -> float | None:
    try:
        t_map, _, _, err = await wsload.one_run(url.replace("http://", "ws://") + "/_stcore/stream", QUERY, timeout)
        return None if err else t_map
    except Exception:
        return None


async def measure(url: str, pid: int, log: Path, rate: float, seconds: float, wait: float) -> dict:
    out: dict = {"load": open("/proc/loadavg").read().split()[:3]}
    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    await map_time(url)
    out["quiet"] = [await map_time(url) for _ in range(5)]

    ws, session_id = await wsload.anonymous_session(ws_url, QUERY)
    await asyncio.sleep(2)
    before = rss_mb(pid)
    loop = asyncio.get_running_loop()
    answers = [await loop.run_in_executor(None, wsload.put_upload, url, session_id, 150 * 2**20) for _ in range(3)]
    await asyncio.sleep(1)
    out["upload"] = {"answers": answers, "rss_before": before, "rss_after": rss_mb(pid)}
    await ws.close()

    log0, held, refused, failed = log.stat().st_size, [], 0, 0

    async def one():
        nonlocal refused, failed
        try:
            held.append(
                await websockets.connect(
                    ws_url,
                    subprotocols=["streamlit"],
                    max_size=None,
                    open_timeout=20,
                    user_agent_header=None,
                    local_addr=("127.0.0.3", 0),
                )
            )
        except websockets.exceptions.InvalidStatus:
            refused += 1
        except Exception:
            failed += 1

    visitor = None
    for start in range(0, 300, 50):
        await asyncio.gather(*(one() for _ in range(50)))
        if start == 150:
            visitor = await map_time(url, 30)
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    for w in held:
        await w.close()
    await asyncio.sleep(2)
    out["connections"] = {
        "held": len(held),
        "refused": refused,
        "failed": failed,
        "visitor_map": visitor,
        "fds": fds,
        "log_growth": log.stat().st_size - log0,
        "asgi_exceptions": log.read_text(errors="replace").count("Exception in ASGI"),
    }

    attack = subprocess.Popen(
        [
            sys.executable,
            str(Path(__file__).with_name("wsload.py")),
            "--url",
            url,
            "--flood-rate",
            str(rate),
            "--seconds",
            str(seconds),
            "--source",
            "127.0.0.2",
            "--query",
            QUERY,
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    during, healths = [], []
    while attack.poll() is None:
        healths.append(await loop.run_in_executor(None, health, url))
        during.append(await map_time(url, 10))
    t_end = time.monotonic()
    while time.monotonic() - t_end < wait:
        h = await loop.run_in_executor(None, health, url, 2)
        if h is not None and h < 2:
            break
        await asyncio.sleep(1)
    out["recovered_after_s"] = time.monotonic() - t_end if time.monotonic() - t_end < wait else None
    out["flood"] = {"stats": json.loads(attack.communicate(timeout=60)[0] or "{}"), "during": during, "health": healths}
    return out


def fmt(x, unit=" s"):
    return "—" if x is None else f"{x:.2f}{unit}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", action="append", required=True, help="NAME=URL,PID,LOGFILE")
    parser.add_argument("--rate", type=float, default=1000)
    parser.add_argument("--seconds", type=float, default=1)
    parser.add_argument("--wait", type=float, default=60)
    args = parser.parse_args()
    rows = []
    for spec in args.server:
        name, rest = spec.split("=", 1)
        url, pid, log = rest.split(",")
        r = asyncio.run(measure(url, int(pid), Path(log), args.rate, args.seconds, args.wait))
        print(name, json.dumps(r, default=str), flush=True)
        quiet = statistics.median([q for q in r["quiet"] if q is not None])
        got = [d for d in r["flood"]["during"] if d is not None]
        u, c = r["upload"], r["connections"]
        rows.append(
            f"| {name} | {' '.join(r['load'])} | {quiet:.2f} s | {fmt(statistics.median(got) if got else None)} "
            f"({len(r['flood']['during']) - len(got)} of {len(r['flood']['during'])} got nothing) | "
            f"{fmt(max((h for h in r['flood']['health'] if h is not None), default=None))} "
            f"({r['flood']['health'].count(None)} unanswered) | "
            f"{fmt(r['recovered_after_s']) if r['recovered_after_s'] is not None else f'> {args.wait:.0f} s'} | "
            f"{u['answers']} {u['rss_before']:.0f} → {u['rss_after']:.0f} MB | "
            f"{c['held']} held, {c['refused']} refused, {c['failed']} failed; map {fmt(c['visitor_map'])}; "
            f"{c['fds']} fds; log +{c['log_growth'] / 1024:.0f} KB, {c['asgi_exceptions']} ASGI exceptions |"
        )
    print(f"\nRerun flood: {args.rate:g}/s for {args.seconds:g} s from one client (reconnecting).\n")
    print(
        "| server | load before | quiet map | map during flood | health during | healthy again after | "
        "3 anonymous 150 MB uploads: answers, RSS | 300 connections from one address |"
    )
    print("|---|---|---:|---|---|---:|---|---|")
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
