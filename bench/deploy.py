"""The deployment (nginx + 2 workers from deploy/, `python -m geo serve`) beside one worker direct, in one run.

Bursts: N websocket clients (bench/wsload.py's protocol client: one session each, one overview run, no
browser) open at once; time until the map's script arrived, p50/p95, and errors; sizes 30 and 100, each
alternating between the two targets (--repeat rounds). First view: bytes on the wire for one Chromium first
view of the overview, through nginx and direct (a counting relay in front of each; HTTP + websocket).
Each target has its own GeoPackage. Bounded: every burst has a timeout; everything started is stopped.
Writes a section of bench/RESULTS.md with the load average beside every row.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
import load
import wsload

QUERY = "indicator=poor_county_type"
NAME = "deployment: nginx + 2 workers vs one worker"


def load_avg() -> str:
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


async def burst(base: str, n: int, timeout: float) -> dict:
    ws_url = base.replace("http://", "ws://") + "/_stcore/stream"
    t0 = time.perf_counter()

    async def one(k: int):
        try:
            # Each client from its own address (127.0.0.2, .3, ...): the app's per-address session budget
            # (geo/server/budgets.py) and nginx's per-address limits treat them as different people.
            address = (f"127.0.{1 + k // 250}.{2 + k % 250}", 0)
            t_map, t_done, _size, err = await wsload.one_run(ws_url, QUERY, timeout, address)
            return (t_map, t_done, err)
        except Exception as exc:  # every failure is a counted error
            return (None, None, f"{type(exc).__name__}: {str(exc)[:80]}")

    results = await asyncio.gather(*(one(k) for k in range(n)))
    maps = [r[0] for r in results if r[2] is None]
    errors = [r[2] for r in results if r[2] is not None]
    return {
        "n": n,
        "ok": len(maps),
        "errors": errors,
        "p50": c.percentile(maps, 50),
        "p95": c.percentile(maps, 95),
        "wall": time.perf_counter() - t0,
    }


def first_view_bytes(port: int) -> dict:
    from playwright.sync_api import sync_playwright

    proxy = c.CountingProxy(port)
    with sync_playwright() as p:
        browser = c.launch(p)
        context = c.offline_context(browser, urlparse(proxy.url).netloc)
        page = context.new_page()
        page.goto(f"{proxy.url}/?{QUERY}", timeout=180_000)
        page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= 24", polling="raf", timeout=180_000)
        page.wait_for_timeout(2500)
        context.close()
        browser.close()
    out = {"total": proxy.total_bytes(), "ws": proxy.websocket_bytes()}
    proxy.close()
    out["http"] = out["total"] - out["ws"]
    return out


def start_deployment(tmp: Path) -> tuple[subprocess.Popen, str, list[int]]:
    port = c.free_port()
    env = {**os.environ, "BAODING_STORE": str(tmp / "deploy.gpkg")}
    env.pop("DATABASE_URL", None)
    proc = subprocess.Popen(
        [
            c.PYTHON,
            "-m",
            "geo",
            "serve",
            "--workers",
            "2",
            "--listen",
            f"127.0.0.1:{port}",
            "--first-port",
            "0",
            "--run-dir",
            str(tmp / "run"),
        ],
        cwd=c.ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    for line in proc.stdout:
        if line.startswith("serving at "):
            break
    else:
        raise RuntimeError("python -m geo serve did not start")
    state = json.loads((tmp / "run" / "state.json").read_text())
    return proc, f"http://127.0.0.1:{port}", list(state["workers"].values())


def section(rows: list[dict], views: dict, note: str) -> str:
    lines = [
        f"<!-- load:{NAME} -->",
        f"## Many at once: {NAME}",
        "",
        "`bench/deploy.py` (`make bench-deploy`): the deployment as `make serve` runs it (nginx-light with "
        "deploy/nginx/, 2 Streamlit workers sharing one GeoPackage) beside one Streamlit worker direct, "
        "alternating in one run. A burst = N websocket clients (wsload's protocol client, no browser) opening "
        "a session and asking for the overview at once, each from its own loopback address; *map* = until the "
        "frame with folium's script arrived. "
        f"{note}",
        "",
        "| burst | target | ok | errors | map p50 | map p95 | deployment p95 ÷ direct p95 | load average before |",
        "|---:|---|---:|---|---:|---:|---:|---|",
    ]
    for r in rows:
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else ""
        lines.append(
            f"| {r['n']} | {r['target']} | {r['ok']} | {c.error_summary(r['errors'])} | {r['p50']:.2f} s | "
            f"{r['p95']:.2f} s | {ratio} | {r['load']} |"
        )
    lines += [
        "",
        "First view of the overview in Chromium, bytes on the wire (HTTP + websocket, headers included):",
        "",
        "| target | HTTP | websocket | total | load average before |",
        "|---|---:|---:|---:|---|",
    ]
    for target, v in views.items():
        lines.append(
            f"| {target} | {v['http'] / 1024:.0f} KB | {v['ws'] / 1024:.0f} KB | {v['total'] / 1024:.0f} KB "
            f"| {v['load']} |"
        )
    lines.append(f"<!-- /load:{NAME} -->")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default="30,100")
    parser.add_argument("--repeat", type=int, default=2, help="rounds: each size on each target per round")
    parser.add_argument("--timeout", type=float, default=180, help="seconds a client waits for its run")
    parser.add_argument("--out", type=Path, default=load.BENCH / "RESULTS.md")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-deploy-"))
    direct = c.Server("direct", c.ROOT / "app.py", env={"BAODING_STORE": str(tmp / "direct.gpkg")})
    proc = None
    try:
        proc, proxy_url, _pids = start_deployment(tmp)
        direct.start()
        targets = {"deployment (nginx + 2 workers)": proxy_url, "one worker direct": direct.url}
        for url in targets.values():  # warm: each worker's first runs read the store and fill caches
            asyncio.run(burst(url, 4, args.timeout))
        raw: dict[tuple[int, str], list[dict]] = {}
        for _ in range(args.repeat):
            for n in sizes:
                for target, url in targets.items():
                    before = load_avg()
                    r = asyncio.run(burst(url, n, args.timeout))
                    r["load"] = before
                    raw.setdefault((n, target), []).append(r)
                    errors = c.error_summary(r["errors"])[:300]
                    print(
                        f"{n:>4} {target:<32} ok {r['ok']:>3} p50 {r['p50']:.2f} p95 {r['p95']:.2f} "
                        f"load {before} errors: {errors}",
                        flush=True,
                    )
                    time.sleep(3)
        rows = []
        for n in sizes:
            for target in targets:
                for k, r in enumerate(raw[(n, target)]):
                    r = {**r, "n": n, "target": f"{target}, round {k + 1}"}
                    if target.startswith("deployment"):
                        direct_r = raw[(n, "one worker direct")][k]
                        ok = direct_r["p95"] and not math.isnan(direct_r["p95"])
                        r["ratio"] = r["p95"] / direct_r["p95"] if ok else None
                    rows.append(r)
        views = {}
        port_of = {"deployment (nginx + 2 workers)": int(proxy_url.rsplit(":", 1)[1]), "one worker direct": direct.port}
        for target, port in port_of.items():
            before = load_avg()
            views[target] = {**first_view_bytes(port), "load": before}
            print(target, views[target], flush=True)
        note = f"Machine: {c.machine()['cores']} cores, shared with other work while this ran (load averages beside)."
        load.write_section(args.out, NAME, section(rows, views, note))
        print(f"wrote {args.out}")
    finally:
        if proc and proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            proc.wait(timeout=30)
        direct.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
