"""A link sent to a meeting: N new sessions ask for a page at the same moment (issue 21).

Each client speaks Streamlit's websocket protocol (no browser, so the server is what is measured):
all N connect and ask for one page at once, and each records the seconds until the map's script
arrived and the geometry script it names was fetched, as the map's frame does (pages without a map:
until the run finished) and until its view was complete. CPU per session is the servers' CPU over the
burst divided by N (/proc/<pid>/stat), the geometry fetches included; RSS is read before the burst,
with all N sessions still open after it, and after the sessions expired (``server.disconnectedSessionTTL``,
short on the servers this script starts).

``--ua``: the clients behave like a browser's first view (geo/web/mapelement.py's map-first path): they
send a User-Agent, so the overview's first run draws the map alone; on the map's arrival each client
reports it painted, as the map frame's script does (the component's value with ``bd_painted``), and the
view is complete when the second run (the rest of the page) has finished.

Served here (default): Streamlit's bare page (bench/bare_app.py, the issue's anchor; ``--edge-bare`` adds it
through the app's own edge, bench/bare_edge_app.py, first views and all), this tree's app and, with ``--baseline DIR``,
another checkout (e.g. a worktree at main's commit before a change), all started beside each other and
measured interleaved, burst by burst. Or ``--url`` once or more for servers started elsewhere (the
deployment behind nginx), with ``--pids`` to read their CPU and memory; the first ``--url`` is the bare
page when ``--bare-first`` is given. Every burst is bounded in count and time.

``--floor``: the app's overview first view (no User-Agent) is recorded from this tree's server, message by
message, and bench/floor_app.py sends the same messages again with no app code at all: the least any
script can cost that draws this page's elements and bytes on this Streamlit.

With ``--ua`` the client also does what a browser does on its second run: it lists the hashes of the large
messages it already holds (``cached_message_hashes``), so the server sends those as references.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import pickle
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
import load

BENCH = Path(__file__).resolve().parent
BARE_EDGE = BENCH / "bare_edge_app.py"
# Page -> (url path as st.navigation names it, query string). The briefing asks for one slide with a map.
PAGES = {
    "overview": ("", ""),
    "county": ("county", ""),
    "programmes": ("programmes", ""),
    "briefing": ("briefing", "slide=3"),
    "sources": ("sources", ""),
}
UA = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36 bench"
SESSION_TTL_S = 3
TIMEOUT_S = 120


@dataclass
class Target:
    name: str
    url: str
    pids: list[int] = field(default_factory=list)
    bare: bool = False
    floor: bool = False


def rerun_request(query: str, page: str, widgets: list[tuple[str, str]] = (), cached: list[str] = ()) -> bytes:
    msg = BackMsg()
    msg.rerun_script.query_string = query
    msg.rerun_script.cached_message_hashes.extend(cached)
    msg.rerun_script.page_script_hash = ""
    msg.rerun_script.page_name = page
    for wid, value in widgets:
        w = msg.rerun_script.widget_states.widgets.add()
        w.id = wid
        w.json_value = value
    return msg.SerializeToString()


def is_map(raw: bytes) -> bool:
    return b"L.map(" in raw or b"L.geoJson(" in raw


# The map frame's own address: the relative js_links it loads resolve against it.
FRAME_PATH = "/component/streamlit_folium.st_folium/index.html"
GEOMETRY = "/_bd/geom/"  # the boundary set's script (geo/render/leaflet/geomlink.py), fetched by the frame


async def http_get(url: str) -> tuple[int, int]:
    """GET ``url`` as a browser's first visit does (no cache, gzip or br accepted): (status, body bytes)."""
    parts = urlsplit(url)
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port or 80)
    try:
        request = (
            f"GET {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nAccept-Encoding: gzip, deflate, br\r\n"
            "Connection: close\r\n\r\n"
        )
        writer.write(request.encode())
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), timeout=TIMEOUT_S)
    finally:
        writer.close()
    head, _, body = data.partition(b"\r\n\r\n")
    return int(head.split(b" ", 2)[1]), len(body)


async def fetch_geometry(http_url: str, args: dict) -> int:
    """The frame's fetch of the map's geometry script(s) named in ``js_links``; bytes received."""
    got = 0
    frame = http_url.rstrip("/") + FRAME_PATH
    for link in args.get("js_links") or []:
        url = urljoin(frame, link)
        if GEOMETRY in urlsplit(url).path:
            status, size = await http_get(url)
            if status != 200:
                raise RuntimeError(f"geometry {status}")
            got += size
    return got


def client_address(k: int, ws_url: str) -> dict:
    """Each session from an address of its own on loopback (127.0.x.y), as a room's laptops are: the server's
    per-address budgets (geo/server/budgets.py) stay in force and see N visitors, not one."""
    if "//127.0.0.1:" not in ws_url:
        return {}
    return {"local_addr": (f"127.0.{1 + k // 250}.{2 + k % 250}", 0)}


async def one_session(
    ws_url: str,
    page: str,
    query: str,
    ua: bool,
    start: asyncio.Event,
    hold: asyncio.Event,
    complete: list,
    k: int = 0,
) -> dict:
    """One new session asking for ``page``: seconds to the map and to the complete view, or an error.

    The socket stays open until ``hold`` is set, so that the burst's sessions are all open at once
    when memory is read.
    """
    await start.wait()
    t0 = time.perf_counter()
    out = {"map": None, "done": None, "error": None, "ws_bytes": 0, "geom_bytes": 0}
    http_url = ws_url.replace("ws://", "http://").replace("wss://", "https://").removesuffix("/_stcore/stream")
    try:
        async with websockets.connect(
            ws_url,
            subprotocols=["streamlit"],
            max_size=None,
            open_timeout=TIMEOUT_S,
            user_agent_header=UA if ua else None,
            ping_timeout=None,
            **client_address(k, ws_url),
        ) as ws:
            await ws.send(rerun_request(query, page))
            component: tuple[str, dict] | None = None
            reported = False
            held: list[str] = []  # the frontend's message cache: what it reports on its next rerun
            deadline = time.monotonic() + TIMEOUT_S
            while True:
                raw = await asyncio.wait_for(ws.recv(), timeout=max(0.1, deadline - time.monotonic()))
                out["ws_bytes"] += len(raw)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if msg.metadata.cacheable and msg.hash:
                    held.append(msg.hash)
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    el = msg.delta.new_element
                    if el.WhichOneof("type") == "exception":
                        out["error"] = "exception element"
                        break
                    if el.WhichOneof("type") == "component_instance" and component is None and is_map(raw):
                        args = json.loads(el.component_instance.json_args or "{}")
                        component = (el.component_instance.id, args.get("default") or {})
                        # The frame loads the map's geometry script before it draws (all new browsers: no cache).
                        out["geom_bytes"] += await fetch_geometry(http_url, args)
                if out["map"] is None and is_map(raw):
                    out["map"] = time.perf_counter() - t0
                if kind == "script_finished" and msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    painted = ua and component is not None and not reported and page == ""
                    if painted:  # the map frame's report (instant.py): the server then draws the rest
                        reported = True
                        value = json.dumps({**component[1], "bd_painted": True})
                        await ws.send(rerun_request(query, page, [(component[0], value)], held))
                        continue
                    out["done"] = time.perf_counter() - t0
                    if out["map"] is None:
                        out["map"] = out["done"]
                    break
            complete.append(1)
            await hold.wait()
    except Exception as exc:  # every failure of a session is counted as an error
        out["error"] = f"{type(exc).__name__}: {str(exc)[:80]}"
        if not hold.is_set():
            complete.append(1)
    return out


def rss_mb(pids: list[int]) -> float:
    return sum(load.rss_mb(p) for p in pids)


def cpu_s(pids: list[int]) -> float:
    return sum(load.cpu_s(p) for p in pids)


async def burst(target: Target, n: int, page: str, ua: bool) -> dict:
    ws_url = target.url.replace("http://", "ws://").replace("https://", "wss://").rstrip("/") + "/_stcore/stream"
    path, query = ("", "") if target.bare or target.floor else PAGES[page]
    start, hold = asyncio.Event(), asyncio.Event()
    rss0, cpu0 = rss_mb(target.pids), cpu_s(target.pids)
    complete: list = []
    tasks = [asyncio.create_task(one_session(ws_url, path, query, ua, start, hold, complete, k)) for k in range(n)]
    await asyncio.sleep(0)
    t0 = time.monotonic()
    start.set()
    done_at = t0 + TIMEOUT_S + 30
    while time.monotonic() < done_at and len(complete) < n:
        await asyncio.sleep(0.02)
    wall = time.monotonic() - t0
    cpu = cpu_s(target.pids) - cpu0
    rss_open = rss_mb(target.pids)
    hold.set()
    results = await asyncio.wait_for(asyncio.gather(*tasks), timeout=60)
    maps = [r["map"] for r in results if not r["error"]]
    dones = [r["done"] for r in results if not r["error"]]
    return {
        "target": target.name,
        "page": page,
        "n": n,
        "ua": ua,
        "wall_s": wall,
        "errors": [r["error"] for r in results if r["error"]],
        "map_p50": c.percentile(maps, 50),
        "map_p95": c.percentile(maps, 95),
        "map_max": max(maps, default=float("nan")),
        "done_p50": c.percentile(dones, 50),
        "done_p95": c.percentile(dones, 95),
        "cpu_per_session": cpu / n if target.pids else float("nan"),
        "ws_bytes": c.percentile([r["ws_bytes"] for r in results if not r["error"]], 50),
        "geom_bytes": c.percentile([r["geom_bytes"] for r in results if not r["error"]], 50),
        "rss_before_mb": rss0,
        "rss_open_mb": rss_open,
    }


def start_servers(args) -> tuple[list[Target], list[c.Server]]:
    env = {"STREAMLIT_SERVER_DISCONNECTED_SESSION_TTL": str(SESSION_TTL_S)}
    servers = [c.Server("bare", c.BENCH_BARE, env=dict(env)), c.Server("after", c.ROOT / "app.py", env=dict(env))]
    if args.edge_bare:
        servers.insert(1, c.Server("bare-edge", BARE_EDGE, env=dict(env)))
    if args.baseline:
        base = args.baseline.resolve()
        servers.insert(1, c.Server("before", base / "app.py", env=dict(env), cwd=base))
    for s in servers:
        print(f"starting {s.name} ...", flush=True)
        s.start()
    targets = [Target(s.name, s.url, [s.proc.pid], bare=s.name in ("bare", "bare-edge")) for s in servers]
    if args.floor:
        after = next(t for t in targets if t.name == "after")
        recording = Path(servers[-1].tmp) / "floor-messages.pkl"
        count, size = asyncio.run(record_first_view(after.url, recording))
        print(f"recorded the overview's first view: {count} messages, {size / 1024:.0f} KB", flush=True)
        floor = c.Server("floor", BENCH / "floor_app.py", env={**env, "BENCH_FLOOR_MESSAGES": str(recording)})
        floor.start()
        servers.append(floor)
        targets.append(Target("floor", floor.url, [floor.proc.pid], floor=True))
    return targets, servers


async def record_first_view(url: str, out: Path) -> tuple[int, int]:
    """The overview's first view (no User-Agent: one run), every message the script's run sent, for floor_app.py."""
    ws_url = url.replace("http://", "ws://").rstrip("/") + "/_stcore/stream"
    runtime_own = ("new_session", "session_status_changed", "script_finished", "session_event")
    kept: list[bytes] = []
    async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, user_agent_header=None) as ws:
        path, query = PAGES["overview"]
        await ws.send(rerun_request(query, path))
        while True:
            raw = await asyncio.wait_for(ws.recv(), timeout=TIMEOUT_S)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            kind = msg.WhichOneof("type")
            if kind not in runtime_own:
                kept.append(raw)
            if kind == "script_finished":
                break
    with open(out, "wb") as f:
        pickle.dump(kept, f)
    return len(kept), sum(map(len, kept))


async def warm(target: Target, pages: list[str]) -> None:
    for page in pages if not (target.bare or target.floor) else ["overview"]:
        await burst(target, 1, page, False)
        await burst(target, 1, page, True)
    await quiet(target)


async def quiet(target: Target, limit_s: float = 90) -> None:
    """Until the server is idle: what a server does once after its start (the edge's icon font cut, in the
    background) must not be counted in the first burst's CPU."""
    deadline = time.monotonic() + limit_s
    while target.pids and time.monotonic() < deadline:
        before = cpu_s(target.pids)
        await asyncio.sleep(1.0)
        if cpu_s(target.pids) - before < 0.03:
            return


async def expire(target: Target, wait_s: float) -> float:
    """RSS after the burst's sessions expired: wait past their TTL; one new session makes the store drop them."""
    await asyncio.sleep(wait_s)
    await burst(target, 1, "overview", False)
    await asyncio.sleep(0.5)
    return rss_mb(target.pids)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="30,100", help="sessions at once, comma-separated")
    parser.add_argument("--pages", default="overview,briefing", help=f"of {', '.join(PAGES)}")
    parser.add_argument("--more-pages", default="", help="pages measured at the first size only (e.g. county,sources)")
    parser.add_argument(
        "--ua",
        default="both",
        choices=["no", "yes", "both"],
        help="clients without a User-Agent (one full run), with one (map first), or both",
    )
    parser.add_argument("--repeat", type=int, default=1, help="bursts per size, page and server")
    parser.add_argument("--baseline", type=Path, help="another checkout served beside this one as `before`")
    parser.add_argument("--url", action="append", default=[], help="a running server or proxy (repeatable)")
    parser.add_argument(
        "--pids", action="append", default=[], help="comma-separated pids for the --url in the same place"
    )
    parser.add_argument("--bare-first", action="store_true", help="the first --url is the bare page")
    parser.add_argument(
        "--edge-bare", action="store_true", help="also the bare page through the app's edge (and its first views)"
    )
    parser.add_argument("--floor", action="store_true", help="also the overview's recorded messages, sent by no app")
    parser.add_argument(
        "--expiry", type=int, default=0, help="also: this many 100-session bursts, each followed by expiry"
    )
    parser.add_argument(
        "--profile", type=Path, help="record py-spy raw stacks of the app server during each burst into DIR"
    )
    parser.add_argument("--profile-bare", action="store_true", help="with --profile: the bare page's server too")
    parser.add_argument("--out", type=Path, help="write the section into this RESULTS.md")
    parser.add_argument("--json", type=Path, help="raw numbers")
    args = parser.parse_args()
    pages = [p for p in args.pages.split(",") if p]
    sizes = [int(s) for s in args.sizes.split(",") if s]
    uas = {"no": [False], "yes": [True], "both": [False, True]}[args.ua]
    servers: list[c.Server] = []
    if args.url:
        targets = [
            Target(f"url{k}", u, [int(p) for p in (args.pids[k] if k < len(args.pids) else "").split(",") if p])
            for k, u in enumerate(args.url)
        ]
        if args.bare_first:
            targets[0].bare, targets[0].name = True, "bare"
    else:
        targets, servers = start_servers(args)
    load_before = c.machine()["load"]
    rows: list[dict] = []
    expiry: dict[str, list[float]] = {}
    try:
        for t in targets:
            asyncio.run(warm(t, pages + [p for p in args.more_pages.split(",") if p]))
        more = [p for p in args.more_pages.split(",") if p]
        for n in sizes:
            for page in pages + (more if n == sizes[0] else []):
                for ua in uas:
                    if ua and page != "overview":
                        continue  # map first is the overview's path; other pages draw in one run either way
                    for _ in range(args.repeat):
                        for t in targets:
                            if t.bare and page != pages[0]:
                                continue
                            if t.floor and (page != "overview" or ua):
                                continue
                            prof = _profiler(args.profile, t, n, page, ua, args.profile_bare)
                            r = asyncio.run(burst(t, n, page, ua))
                            if prof:
                                prof.wait()
                            r["load"] = c.machine()["load"]
                            rows.append(r)
                            print(_line(r), flush=True)
                            time.sleep(SESSION_TTL_S + 1 if servers else 1)
        for t in targets:
            if args.expiry and t.pids:
                base = asyncio.run(expire(t, SESSION_TTL_S + 1))
                expiry[t.name] = [base]
                for _ in range(args.expiry):
                    asyncio.run(burst(t, 100, "overview", False))
                    expiry[t.name].append(asyncio.run(expire(t, SESSION_TTL_S + 1)))
                print(t.name, "RSS after each 100-burst and expiry:", [f"{x:.0f}" for x in expiry[t.name]], flush=True)
    finally:
        for s in servers:
            s.stop()
    load_after = c.machine()["load"]
    result = {
        "rows": rows,
        "expiry": expiry,
        "load_before": load_before,
        "load_after": load_after,
        "started_with": {"baseline": str(args.baseline or ""), "urls": args.url},
    }
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
    text = section(result)
    print(text)
    if args.out:
        load.write_section(args.out, "burst", text)
        print(f"wrote the 'burst' section of {args.out}")
    return 0


def _profiler(folder: Path | None, t: Target, n: int, page: str, ua: bool, bare: bool = False):
    if not folder or (t.bare and not bare) or not t.pids:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"{t.name}-{page}-{n}{'-ua' if ua else ''}.txt"
    spy = Path(c.PYTHON).parent / "py-spy"
    return subprocess.Popen(
        [
            str(spy),
            "record",
            "-p",
            str(t.pids[0]),
            "-r",
            "200",
            "-f",
            "raw",
            "--nonblocking",
            "--gil",
            "-d",
            str(max(5, n // 4)),
            "-o",
            str(out),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _line(r: dict) -> str:
    return (
        f"{r['target']:>7} {r['page']:>10} n={r['n']:<3} ua={int(r['ua'])} map p50 {r['map_p50']:.2f} "
        f"p95 {r['map_p95']:.2f} max {r['map_max']:.2f} done p95 {r['done_p95']:.2f} "
        f"cpu/session {r['cpu_per_session'] * 1000:.1f} ms ws {r['ws_bytes'] / 1000:.1f} kB "
        f"geometry {r['geom_bytes'] / 1000:.1f} kB rss {r['rss_before_mb']:.0f}→{r['rss_open_mb']:.0f} MB "
        f"errors {c.error_summary(r['errors'])[:160]} load {r['load']}"
    )


def summary(rows: list[dict]) -> list[str]:
    """Medians over the repeats: each server, page, size and path against the bare page's medians."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        page = r["page"] if r["target"] in ("after", "before") else ""
        groups.setdefault((r["target"], page, r["n"], r["ua"]), []).append(r)

    def med(rs: list[dict], key: str) -> float:
        return c.percentile([r[key] for r in rs], 50)

    out = [
        "",
        "Medians over the repeats (× bare: against the bare page's medians at the same N and path):",
        "",
        "| server | page | N | UA | bursts | map p95 | × bare | CPU/session | × bare |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|",
    ]
    for (target, page, n, ua), rs in groups.items():
        bare = groups.get(("bare", "", n, ua)) or groups.get(("bare", "", n, False))
        p95, cpu = med(rs, "map_p95"), med(rs, "cpu_per_session")
        bp95 = med(bare, "map_p95") if bare else float("nan")
        bcpu = med(bare, "cpu_per_session") if bare else float("nan")
        out.append(
            f"| {target} | {page or '—'} | {n} | {'yes' if ua else 'no'} | {len(rs)} | {p95:.2f} s | {p95 / bp95:.2f} "
            f"| {cpu * 1000:.1f} ms | {cpu / bcpu:.1f} |"
        )
    return out


def section(res: dict) -> str:
    rows = res["rows"]
    bare = {(r["n"], r["ua"]): r for r in rows if r["target"] == "bare"}
    shown = {"bare": "—", "bare-edge": "— (app's edge)", "floor": "overview's messages, no app"}
    lines = [
        "<!-- load:burst -->",
        "## A link opened by a room at once (burst)",
        "",
        "`bench/burst.py`: N new sessions (websocket clients, no browser) connect and ask for a page at the same "
        "moment; *map* = until the map's script arrived and the geometry script it names (`/_bd/geom/`, fetched "
        "once per session with gzip/br accepted, as a new browser does) was fetched (the bare page and pages "
        "without a map: until the run finished), *view* = until the view was complete; with *UA* the clients take"
        " the browser's map-first path (two runs: the map, then the rest once the map reports it painted). CPU "
        "per session = the server's CPU over the burst / N (the geometry fetches included); *ws kB* = bytes of "
        "the session's websocket messages (median), *geometry kB* = bytes of its geometry fetch as sent "
        "(compressed); RSS with the N sessions still open. × bare = the same measure of Streamlit's bare page "
        "(bench/bare_app.py) in the same run; *bare-edge* = the bare page through the app's edge "
        "(bench/bare_edge_app.py, its first views from memory too); *floor* = the overview's first-view messages "
        "sent again by a script with no app code (bench/floor_app.py). The app sends a new session's first view "
        "from memory (geo/server/firstview.py); warm-up has drawn each view once. "
        f"Load average before {res['load_before']}, after {res['load_after']}.",
        "",
        "| server | page | N | UA | map p50 | map p95 | map max | view p95 | × bare p95 | CPU/session | × bare CPU "
        "| ws kB | geometry kB | RSS before → open | MB/session | errors | load |",
        "|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    for r in rows:
        b = bare.get((r["n"], r["ua"])) or bare.get((r["n"], False))
        ratio_t = r["map_p95"] / b["map_p95"] if b else float("nan")
        ratio_c = r["cpu_per_session"] / b["cpu_per_session"] if b and b["cpu_per_session"] else float("nan")
        per = (r["rss_open_mb"] - r["rss_before_mb"]) / r["n"]
        lines.append(
            f"| {r['target']} | {shown.get(r['target'], r['page'])} | {r['n']} "
            f"| {'yes' if r['ua'] else 'no'} "
            f"| {r['map_p50']:.2f} s | {r['map_p95']:.2f} s | {r['map_max']:.2f} s | {r['done_p95']:.2f} s "
            f"| {ratio_t:.2f} | {r['cpu_per_session'] * 1000:.1f} ms | {ratio_c:.1f} "
            f"| {r.get('ws_bytes', float('nan')) / 1000:.1f} | {r.get('geom_bytes', float('nan')) / 1000:.1f} "
            f"| {r['rss_before_mb']:.0f} → {r['rss_open_mb']:.0f} MB | {per:.2f} | {c.error_summary(r['errors'])} "
            f"| {r['load']} |"
        )
    lines += summary(rows)
    for name, values in res["expiry"].items():
        growth = (values[-1] - values[0]) / values[0] * 100 if values and values[0] else float("nan")
        shown = " → ".join(f"{v:.0f}" for v in values)
        lines += [
            "",
            f"Expiry ({name}): RSS after warm-up, then after each 100-session burst and its sessions' "
            f"expiry (TTL {SESSION_TTL_S} s): {shown} MB ({growth:+.1f} % in all).",
        ]
    lines.append("<!-- /load:burst -->")
    return "\n".join(lines)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
