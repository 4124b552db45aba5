"""Many users on loopback: N browser contexts load the overview again and again for D seconds.

Each context navigates to the overview, waits until every county is painted, records the
time, and starts over (each navigation is a new Streamlit session). Bounded: the loop stops
after --seconds, every wait has a timeout, and the whole run is cut off at 3× --seconds.
Errors are timeouts, page exceptions and Streamlit error boxes. The server's RSS is sampled
every second from /proc. Against a server started here (default), or --url plus --pids for
servers started elsewhere (e.g. two app servers behind nginx). The section it writes goes
into bench/RESULTS.md between <!-- load:NAME --> markers.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

BENCH = Path(__file__).resolve().parent


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / c.CLK_TCK


async def user(browser, url: str, units: int, stop_at: float, times: list, errors: list) -> None:
    host = urlparse(url).netloc
    context = await browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")

    async def guard(route):
        u = route.request.url
        if urlparse(u).netloc == host or u.startswith(("data:", "blob:", "about:")):
            await route.continue_()
        else:
            errors.append(f"external request {u}")
            await route.abort("internetdisconnected")

    await context.route("**/*", guard)
    page = await context.new_page()
    while time.monotonic() < stop_at:
        t0 = time.perf_counter()
        try:
            await page.goto(url + "/", wait_until="commit", timeout=60_000)
            await page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= {units}", polling=200, timeout=90_000)
            times.append(time.perf_counter() - t0)
            if await page.locator("[data-testid='stException']").count():
                errors.append("stException on the page")
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:120]}")
    await context.close()


async def sample(pids: list[int], stop: asyncio.Event, rss: list) -> None:
    while not stop.is_set():
        rss.append(sum(rss_mb(p) for p in pids))
        await asyncio.sleep(1.0)


async def run(url: str, pids: list[int], users: int, seconds: float, units: int) -> dict:
    from playwright.async_api import async_playwright

    times: list[float] = []
    errors: list[str] = []
    rss: list[float] = []
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=c.CHROMIUM, args=c.CHROMIUM_ARGS, headless=True)
        cpu0 = sum(cpu_s(pid) for pid in pids)
        stop = asyncio.Event()
        sampler = asyncio.create_task(sample(pids, stop, rss))
        t0 = time.monotonic()
        tasks = [user(browser, url, units, t0 + seconds, times, errors) for _ in range(users)]
        await asyncio.wait_for(asyncio.gather(*tasks), timeout=3 * seconds + 60)
        wall = time.monotonic() - t0
        stop.set()
        await sampler
        cpu = sum(cpu_s(pid) for pid in pids) - cpu0
        await browser.close()
    return {
        "users": users,
        "seconds": seconds,
        "wall_s": wall,
        "loads": len(times),
        "errors": errors,
        "p50": c.percentile(times, 50),
        "p95": c.percentile(times, 95),
        "max": max(times, default=float("nan")),
        "rss_start_mb": rss[0] if rss else 0,
        "rss_peak_mb": max(rss, default=0),
        "server_cpu_s": cpu,
        "load_before": c.machine()["load"],
    }


def section(name: str, r: dict, note: str) -> str:
    errs = c.error_summary(r["errors"])
    return "\n".join(
        [
            f"<!-- load:{name} -->",
            f"## Many users: {name}",
            "",
            f"{dt.datetime.now(dt.UTC).isoformat(timespec='seconds')} UTC, `bench/load.py`: {note} "
            f"{r['users']} browser contexts in one Chromium, each loading the overview again and again until every "
            f"county is painted, for {r['seconds']:.0f} s (browser and server(s) on the same "
            f"{c.machine()['cores']}-core machine; load average before: {r['load_before']}).",
            "",
            "| users | page loads | errors | first map p50 | p95 | max | server RSS start → peak | server CPU |",
            "|---:|---:|---|---:|---:|---:|---:|---:|",
            f"| {r['users']} | {r['loads']} | {errs} | {r['p50']:.1f} s | {r['p95']:.1f} s | {r['max']:.1f} s | "
            f"{r['rss_start_mb']:.0f} → {r['rss_peak_mb']:.0f} MB | {r['server_cpu_s']:.0f} s in {r['wall_s']:.0f} s |",
            f"<!-- /load:{name} -->",
        ]
    )


def write_section(path: Path, name: str, text: str) -> None:
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmark results\n"
    pattern = re.compile(rf"<!-- load:{re.escape(name)} -->.*?<!-- /load:{re.escape(name)} -->\n?", re.S)
    old = pattern.sub("", old).rstrip("\n")
    path.write_text(old + "\n\n" + text + "\n", encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--url", default="", help="an already running server (default: start one)")
    parser.add_argument("--pids", default="", help="comma-separated server pids to sample with --url")
    parser.add_argument("--name", default="one app server")
    parser.add_argument("--note", default="one Streamlit server, GeoPackage store;")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    units = c.unit_count(c.ROOT / "data" / "counties.geojson")
    server = None
    if args.url:
        url, pids = args.url.rstrip("/"), [int(p) for p in args.pids.split(",") if p]
    else:
        server = c.Server("load", c.ROOT / "app.py").start()
        url, pids = server.url, [server.proc.pid]
    try:
        if server:  # one warm-up visit: store creation and caches are not what this measures
            asyncio.run(run(url, pids, 1, 1, units))
        result = asyncio.run(run(url, pids, args.users, args.seconds, units))
    finally:
        if server:
            server.stop()
    print(json.dumps({k: v for k, v in result.items() if k != "errors"}, indent=1), f"errors: {len(result['errors'])}")
    write_section(args.out, args.name, section(args.name, result, args.note))
    print(f"wrote the '{args.name}' section of {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
