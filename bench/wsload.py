"""Many users without browsers: N clients speak Streamlit's websocket protocol directly.

A browser-driven load test on a 2-core machine measures mostly the browsers (20 Chromium
pages rendering a 6 MB app); this one measures the server. Each client opens a session
(ws /_stcore/stream), asks for a run of the overview (BackMsg.rerun_script), reads every
ForwardMsg until the run has finished, records the time until the map's script had arrived
and until the run finished, then closes and starts over — for --seconds. Errors: timeouts,
closed sockets, exception elements, runs that end without the map. Bounded like load.py.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import json
import sys
import time
from pathlib import Path

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
import load


def rerun_request(query: str) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.page_script_hash = ""
    return msg.SerializeToString()


async def one_run(
    ws_url: str, query: str, timeout: float, local_addr: tuple[str, int] | None = None
) -> tuple[float, float, int, str | None]:
    """(seconds to map script, seconds to run finished, bytes received, error or None). ``local_addr``: the
    client's own address (bench/deploy.py gives each client one of 127.0.0.0/8, as people at their own
    machines would be)."""
    t0 = time.perf_counter()
    t_map = None
    size = 0
    # No User-Agent: the app then draws the whole overview in this one run (a browser's first run draws
    # the map alone and the rest in a second run once the map reports it painted: geo/web/mapelement.py),
    # so each request here stays one full overview run, as in earlier measurements.
    async with websockets.connect(
        ws_url,
        subprotocols=["streamlit"],
        max_size=None,
        open_timeout=timeout,
        user_agent_header=None,
        **({"local_addr": local_addr} if local_addr else {}),
    ) as ws:
        await ws.send(rerun_request(query))
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=timeout)
            size += len(raw)
            if t_map is None and (b"L.map(" in raw or b"L.geoJson(" in raw):
                t_map = time.perf_counter() - t0
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                if msg.delta.new_element.WhichOneof("type") == "exception":
                    return t_map or 0, time.perf_counter() - t0, size, "exception element"
            if kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                if t_map is None:
                    continue  # a run that ended early for st.rerun(); the next one draws the map
                return t_map, time.perf_counter() - t0, size, None


async def flood(ws_url: str, query: str, seconds: float, rate: float, source: str = "") -> dict:
    """A hostile client: reruns at ``rate`` a second for ``seconds`` from local address ``source``,
    reconnecting whenever the server closes; what it sent and how the server answered."""
    stats = {"sent": 0, "sessions": 0, "refused": 0, "closed": 0}
    stop = time.monotonic() + seconds
    message = rerun_request(query)
    local = {"local_addr": (source, 0)} if source else {}
    while time.monotonic() < stop:
        try:
            async with websockets.connect(
                ws_url,
                subprotocols=["streamlit"],
                max_size=None,
                open_timeout=10,
                close_timeout=1,
                user_agent_header=None,
                **local,
            ) as ws:
                stats["sessions"] += 1
                t0, i = time.monotonic(), 0
                while time.monotonic() < stop:
                    await ws.send(message)
                    stats["sent"] += 1
                    i += 1
                    await asyncio.sleep(max(0.0, t0 + i / rate - time.monotonic()))
        except websockets.exceptions.InvalidStatus:
            stats["refused"] += 1
            await asyncio.sleep(0.02)
        except (websockets.exceptions.ConnectionClosed, OSError, TimeoutError):
            stats["closed"] += 1
    return stats


async def anonymous_session(ws_url: str, query: str) -> tuple[websockets.ClientConnection, str]:
    """A visitor's session, open (close it when done), and its id: what Streamlit's upload URLs name."""
    ws = await websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, user_agent_header=None)
    await ws.send(rerun_request(query))
    while True:
        msg = ForwardMsg.FromString(await asyncio.wait_for(ws.recv(), 60))
        if msg.WhichOneof("type") == "new_session":
            return ws, msg.new_session.initialize.session_id


def xsrf_cookie(url: str) -> str:
    """The XSRF cookie Streamlit hands out (with /_stcore/health): what a browser sends back with uploads."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", "/_stcore/health")
        response = conn.getresponse()
        response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            if name.strip() == "_streamlit_xsrf":
                return rest.split(";", 1)[0]
        return ""
    finally:
        conn.close()


def put_upload(url: str, session_id: str, size: int) -> int | str:
    """PUT a ``size``-byte multipart file to Streamlit's upload endpoint, streamed, as a browser would (with the
    XSRF cookie and header); the status, or how the connection ended."""
    token = xsrf_cookie(url)
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    boundary = "----budgetsboundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    tail = f"\r\n--{boundary}--\r\n".encode()
    chunk = b"a" * 2**20
    try:
        conn.putrequest("PUT", f"/_stcore/upload_file/{session_id}/file-{time.monotonic_ns()}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(head) + size + len(tail)))
        if token:
            conn.putheader("Cookie", f"_streamlit_xsrf={token}")
            conn.putheader("X-Xsrftoken", token)
        conn.endheaders()
        conn.send(head)
        for _ in range(size // len(chunk)):
            conn.send(chunk)
        conn.send(tail)
        return conn.getresponse().status
    except (BrokenPipeError, ConnectionResetError):
        # The server answered and closed without reading the body; its answer is still there to read.
        try:
            return conn.getresponse().status
        except (OSError, http.client.HTTPException) as exc:
            return type(exc).__name__
    finally:
        conn.close()


async def client(ws_url: str, query: str, stop_at: float, out: dict, source: str = "") -> None:
    while time.monotonic() < stop_at:
        try:
            t_map, t_done, size, err = await one_run(ws_url, query, 60, (source, 0) if source else None)
            if err:
                out["errors"].append(err)
            else:
                out["map"].append(t_map)
                out["done"].append(t_done)
                out["bytes"].append(size)
        except Exception as exc:
            out["errors"].append(f"{type(exc).__name__}: {str(exc)[:100]}")
            await asyncio.sleep(0.5)


async def run(base: str, pids: list[int], users: int, seconds: float, query: str) -> dict:
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    out: dict[str, list] = {"map": [], "done": [], "bytes": [], "errors": []}
    rss: list[float] = []
    cpu0 = sum(load.cpu_s(p) for p in pids)
    stop = asyncio.Event()
    sampler = asyncio.create_task(load.sample(pids, stop, rss))
    t0 = time.monotonic()
    # Each user from its own loopback address when the server is on this machine (its per-address budgets).
    local = "127.0.0.1" in ws_url or "localhost" in ws_url
    tasks = [client(ws_url, query, t0 + seconds, out, f"127.0.2.{i % 250 + 1}" if local else "") for i in range(users)]
    await asyncio.wait_for(asyncio.gather(*tasks), timeout=3 * seconds + 60)
    wall = time.monotonic() - t0
    stop.set()
    await sampler
    return {
        "users": users,
        "seconds": seconds,
        "wall_s": wall,
        "runs": len(out["done"]),
        "errors": out["errors"],
        "map_p50": c.percentile(out["map"], 50),
        "map_p95": c.percentile(out["map"], 95),
        "done_p50": c.percentile(out["done"], 50),
        "done_p95": c.percentile(out["done"], 95),
        "kb_per_run": (sum(out["bytes"]) / len(out["bytes"]) / 1024) if out["bytes"] else 0,
        "rss_start_mb": rss[0] if rss else 0,
        "rss_peak_mb": max(rss, default=0),
        "server_cpu_s": sum(load.cpu_s(p) for p in pids) - cpu0,
        "load_before": c.machine()["load"],
    }


def section(name: str, r: dict, note: str) -> str:
    errs = c.error_summary(r["errors"])
    return "\n".join(
        [
            f"<!-- load:{name} -->",
            f"## Many users: {name}",
            "",
            f"`bench/wsload.py`: {note} {r['users']} clients speaking Streamlit's websocket protocol (no browser), "
            f"each opening a session and running the overview again and again for {r['seconds']:.0f} s; load average "
            f"before: {r['load_before']}. *Map* = until the frame with folium's script arrived; *run* = until the "
            "run finished (everything the page sends).",
            "",
            "| clients | runs | errors | map p50 | map p95 | run p50 | run p95 | KB/run | server RSS start → peak "
            "| server CPU |",
            "|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
            f"| {r['users']} | {r['runs']} | {errs} | {r['map_p50']:.2f} s | {r['map_p95']:.2f} s | "
            f"{r['done_p50']:.2f} s | "
            f"{r['done_p95']:.2f} s | {r['kb_per_run']:.0f} | {r['rss_start_mb']:.0f} → {r['rss_peak_mb']:.0f} MB | "
            f"{r['server_cpu_s']:.0f} s in {r['wall_s']:.0f} s |",
            f"<!-- /load:{name} -->",
        ]
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", default="", help="an already running server or proxy (default: start one)")
    parser.add_argument("--pids", default="", help="comma-separated server pids to sample with --url")
    parser.add_argument("--query", default="indicator=poor_county_type")
    parser.add_argument("--name", default="one app server, websocket clients")
    parser.add_argument("--note", default="one Streamlit server, GeoPackage store;")
    parser.add_argument("--out", type=Path, default=load.BENCH / "RESULTS.md")
    parser.add_argument(
        "--flood-rate",
        type=float,
        default=0,
        help="instead: one hostile client sending reruns this many a second to --url for --seconds",
    )
    parser.add_argument("--source", default="", help="local address of the hostile client (e.g. 127.0.0.2)")
    args = parser.parse_args()
    if args.flood_rate:
        ws_url = args.url.rstrip("/").replace("http://", "ws://") + "/_stcore/stream"
        print(json.dumps(asyncio.run(flood(ws_url, args.query, args.seconds, args.flood_rate, args.source))))
        return 0
    server = None
    if args.url:
        url, pids = args.url.rstrip("/"), [int(p) for p in args.pids.split(",") if p]
    else:
        server = c.Server("wsload", c.ROOT / "app.py").start()
        url, pids = server.url, [server.proc.pid]
    try:
        asyncio.run(run(url, pids, 1, 1, args.query))  # warm-up: store creation and caches
        result = asyncio.run(run(url, pids, args.users, args.seconds, args.query))
    finally:
        if server:
            server.stop()
    print(json.dumps({k: v for k, v in result.items() if k != "errors"}, indent=1), f"errors: {result['errors'][:5]}")
    load.write_section(args.out, args.name, section(args.name, result, args.note))
    print(f"wrote the '{args.name}' section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
