"""make bench: the first map on a slow mobile link, today's code beside the code before the compressing edge.

A phone opening a shared link on a mobile network: Debian Chromium with Lighthouse's mobile network
profile (1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip, via CDP Network.emulateNetworkConditions)
and a 390×844 mobile viewport. Three servers in one run, measured interleaved, run by run, each run in
a fresh browser context (empty cache):

- ``after``: this checkout (static files compressed once at the edge, geo/server/compress.py);
- ``before``: the app at BASELINE_COMMIT (main before the edge compressed anything), from a
  ``git archive`` of that commit, or ``--baseline DIR``;
- ``light``: this checkout's light view of the same link (``/light/overview``), when it has one.

Measured: seconds from navigation to every county painted (the app: Leaflet's filled paths in the map
frame, as bench/run.py; the light view: the county paths of its inline SVG), and the bytes the server
sent by then (a counting TCP relay, bench/common.py ``CountingProxy``: headers, bodies and the
websocket, as they crossed the wire). Writes its section of bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
from load import write_section

BENCH = Path(__file__).resolve().parent
BASELINE_COMMIT = "03ac981"  # main before the first HTML and the compressed static files
PROFILE = {
    "offline": False,
    "latency": 150,
    "downloadThroughput": 1.6e6 / 8,
    "uploadThroughput": 750e3 / 8,
    "connectionType": "cellular4g",
}
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 3,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
}
LIGHT_PATHS_JS = "() => document.querySelectorAll('svg.map g.counties path').length"
TARGETS = {"after": 6.0, "light": 1.5}  # seconds to the first map
BYTES_TARGET = 1024 * 1024
LIGHT_BYTES_TARGET = 150_000  # the light view's weight on the wire (issue 20)


def baseline_checkout(commit: str) -> Path:
    """The app at ``commit`` in a temporary folder, its static assets vendored."""
    folder = Path(tempfile.mkdtemp(prefix=f"bench-before-{commit}-"))
    archive = subprocess.run(["git", "-C", str(c.ROOT), "archive", commit], capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    subprocess.run([c.PYTHON, "-m", "geo", "vendor-assets"], cwd=folder, check=True, capture_output=True)
    return folder


def settle(cache: Path, timeout: float = 120) -> None:
    """Until the server's compressed-file folder stops growing (its background brotli is done)."""
    last, still, deadline = -1, 0, time.monotonic() + timeout
    while time.monotonic() < deadline and still < 4:
        n = len(list(cache.rglob("*"))) if cache.exists() else 0
        still = still + 1 if n == last else 0
        last = n
        time.sleep(1)


def first_map(browser, port: int, path: str, units: int, light: bool, trace: bool = False) -> dict:
    """One phone on the slow link: seconds to every county painted, bytes sent by then."""
    proxy = c.CountingProxy(port)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", PROFILE)
    requested: list[str] = []
    timeline: dict[str, dict] = {}
    cdp.on(
        "Network.requestWillBeSent",
        lambda e: (
            requested.append(e["request"]["url"]),
            timeline.setdefault(e["requestId"], {"url": e["request"]["url"], "sent": e["timestamp"]}),
        ),
    )
    # What reached the page through the throttled link (the relay counts what left the server, which the
    # emulated link then delivers slowly): HTTP bytes as delivered, websocket payloads as received. Per
    # request, the bytes its dataReceived events counted, or its loadingFinished total once it has one:
    # Chromium counts a navigation's document only there (its dataReceived say 0), so the light view, one
    # document, read 0 before.
    streamed: dict[str, int] = {}
    finished: dict[str, int] = {}
    ws = {"bytes": 0}

    def data_received(e):
        streamed[e["requestId"]] = streamed.get(e["requestId"], 0) + int(e.get("encodedDataLength") or 0)

    def loading_finished(e):
        finished[e["requestId"]] = int(e.get("encodedDataLength") or 0)
        timeline.get(e["requestId"], {}).update(done=e["timestamp"], bytes=int(e["encodedDataLength"]))

    cdp.on("Network.dataReceived", data_received)
    cdp.on("Network.loadingFinished", loading_finished)
    cdp.on(
        "Network.webSocketFrameReceived",
        lambda e: ws.__setitem__("bytes", ws["bytes"] + len(e["response"].get("payloadData", ""))),
    )
    t0 = time.perf_counter()
    page.goto(proxy.url + path, wait_until="commit")
    if light:
        page.wait_for_function(f"() => ({LIGHT_PATHS_JS})() >= {units}", polling="raf", timeout=120_000)
    else:
        page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    seconds = time.perf_counter() - t0
    if light:  # its one document may still be arriving when the map is in the DOM: count it whole
        page.wait_for_load_state("load")
    page.evaluate("() => 0")  # one more round trip: the network events that led to the paint are in
    sent = proxy.total_bytes()
    received = (
        sum(finished.get(k, v) for k, v in streamed.items())
        + sum(v for k, v in finished.items() if k not in streamed)
        + ws["bytes"]
    )
    host = f"127.0.0.1:{proxy.port}"
    outside = [u for u in requested if not u.startswith((f"http://{host}", f"ws://{host}", "data:", "blob:", "about:"))]
    out = {"seconds": seconds, "bytes": sent, "received": received, "outside": outside}
    if trace:
        start = min((r["sent"] for r in timeline.values()), default=0)
        out["requests"] = sorted(
            (
                {
                    "url": r["url"].replace(proxy.url, ""),
                    "start": r["sent"] - start,
                    "end": r["done"] - start,
                    "bytes": r["bytes"],
                }
                for r in timeline.values()
                if "done" in r
            ),
            key=lambda r: r["end"],
        )
    context.close()
    proxy.close()
    return out


def _describe(checkout: Path) -> str:
    """A checkout's commit, short (or its folder when it is not a git work tree)."""
    try:
        return subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return str(checkout)


def light_available(url: str) -> bool:
    try:
        with urllib.request.urlopen(url + "/light/overview", timeout=30) as r:
            return r.status == 200 and b"<svg" in r.read()
    except OSError:
        return False


def fmt(values: list[float], unit: str = "s", scale: float = 1.0, digits: int = 1) -> str:
    s = c.spread([v * scale for v in values])
    return f"**{s['median']:.{digits}f} {unit}** ({s['min']:.{digits}f}–{s['max']:.{digits}f})"


def section(r: dict) -> str:
    rows = []
    for name, label in (
        ("before", f"app before ({r['baseline']})"),
        ("after", "app now"),
        ("light_before", f"light view before ({r['baseline']})"),
        ("light", "light view now (`/light/overview`)"),
    ):
        if name not in r["runs"]:
            if name != "light_before":
                rows.append(f"| {label} | not served | | | |")
            continue
        runs = r["runs"][name]
        secs, sent, got = ([x[k] for x in runs] for k in ("seconds", "bytes", "received"))
        target, checks = TARGETS.get(name), []
        if target:
            checks.append(f"≤ {target:.1f} s: {'yes' if statistics.median(secs) <= target else '**no**'}")
        if name == "after":
            checks.append(f"≤ 1 MB received: {'yes' if statistics.median(got) <= BYTES_TARGET else '**no**'}")
        if name == "light":
            checks.append(f"≤ 150 KB: {'yes' if statistics.median(got) <= LIGHT_BYTES_TARGET else '**no**'}")
        rows.append(
            f"| {label} | {fmt(secs)} | {fmt(got, 'KB', 1 / 1024, 0)} | {fmt(sent, 'KB', 1 / 1024, 0)} | "
            f"{'; '.join(checks)} |"
        )
    ratio = ""
    if "before" in r["runs"] and "after" in r["runs"]:
        per_run = [a["seconds"] / b["seconds"] for a, b in zip(r["runs"]["after"], r["runs"]["before"])]
        ratio = f" Now / before, per run: median {statistics.median(per_run):.2f}×."
    crit = r.get("critical", [])
    lines = [
        "<!-- load:slow mobile link -->",
        "## First map on a slow mobile link (issue 20)",
        "",
        f"{r['started']} → {r['finished']} UTC, `bench/slowlink.py`: Debian Chromium, 390×844 mobile emulation, "
        "CDP Network.emulateNetworkConditions 1.6 Mbit/s down, 750 kbit/s up, 150 ms round trip (Lighthouse's "
        "mobile profile); no CPU throttling. Each run a fresh context (empty cache), the three pages interleaved "
        f"run by run, {r['n']} runs after one warm-up each; medians (min–max). Bytes at the moment every county was "
        "painted: received by the page through the emulated link (CDP Network.dataReceived encodedDataLength, plus "
        "websocket payloads as received), and sent by the server (a counting relay: headers, bodies, websocket on "
        "the wire; ahead of the page because the emulated link delivers it slowly). Browser and servers on the "
        f"same {r['machine']['cores']}-core machine, shared with other work: load average before "
        f"{r['load_before']}, after {r['machine']['load']}.",
        "",
        "| page (overview, same link) | first map | received by the page by then | sent by the server by then "
        "| target |",
        "|---|---:|---:|---:|---|",
        *rows,
        "",
        f"Every county painted, `/` on the app, `/light/overview` on the light view (the light view's bytes: its "
        f"one document, whole, as it crossed the link).{ratio}",
    ]
    if crit:
        lines += [
            "",
            "What the app's first map waited for (one traced run of `after`; requests finished before the map, "
            "the ten that ended last, times from the first request):",
            "",
            "| request | start | end | wire bytes |",
            "|---|---:|---:|---:|",
            *[
                f"| `{q['url'][:70]}` | {q['start']:.2f} s | {q['end']:.2f} s | {q['bytes'] / 1024:.0f} KB |"
                for q in crit
            ],
        ]
    lines.append("<!-- /load:slow mobile link -->")
    return "\n".join(lines)


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help=f"a checkout to serve as `before` (default: {BASELINE_COMMIT})")
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    load_before = c.machine()["load"]
    units = c.unit_count(c.ROOT / "data" / "counties.geojson")
    made_baseline = args.baseline is None
    baseline = args.baseline.resolve() if args.baseline else baseline_checkout(BASELINE_COMMIT)
    caches = Path(tempfile.mkdtemp(prefix="bench-cache-"))
    servers = {
        "after": c.Server("after", c.ROOT / "app.py", env={"BAODING_CACHE_DIR": str(caches / "after")}),
        "before": c.Server(
            "before", baseline / "app.py", cwd=baseline, env={"BAODING_CACHE_DIR": str(caches / "before")}
        ),
    }
    pages = {"after": ("after", "/", False), "before": ("before", "/", False)}
    label = BASELINE_COMMIT if made_baseline else _describe(baseline)
    runs: dict[str, list[dict]] = {}
    critical: list[dict] = []
    try:
        for s in servers.values():
            print(f"starting {s.name} ...", flush=True)
            s.start()
        if light_available(servers["after"].url):
            pages["light"] = ("after", "/light/overview", True)
        if light_available(servers["before"].url):
            pages["light_before"] = ("before", "/light/overview", True)
        with sync_playwright() as p:
            browser = c.launch(p)
            for srv, path, light in pages.values():  # warm-up: store, caches, compressed files
                first_map(browser, servers[srv].port, path, units, light)
            settle(caches / "after")
            for srv, path, light in pages.values():
                first_map(browser, servers[srv].port, path, units, light)
            runs = {name: [] for name in pages}
            for k in range(args.runs):
                for name, (srv, path, light) in pages.items():
                    r = first_map(browser, servers[srv].port, path, units, light)
                    assert not r["outside"], r["outside"]
                    runs[name].append(r)
                print(
                    f"run {k + 1}: "
                    + ", ".join(
                        f"{n} {v[-1]['seconds']:.2f}s {v[-1]['received'] / 1024:.0f}KB" for n, v in runs.items()
                    ),
                    flush=True,
                )
            traced = first_map(browser, servers["after"].port, "/", units, False, trace=True)
            critical = traced["requests"][-10:]
            browser.close()
    finally:
        for s in servers.values():
            s.stop()
        shutil.rmtree(caches, ignore_errors=True)
        if made_baseline:
            shutil.rmtree(baseline, ignore_errors=True)
    result = {
        "started": started,
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "load_before": load_before,
        "machine": c.machine(),
        "n": args.runs,
        "runs": runs,
        "critical": critical,
        "baseline": f"main at {label}",
    }
    raw = Path(tempfile.mkdtemp(prefix="bench-slowlink-")) / "results.json"
    raw.write_text(json.dumps(result, indent=1))
    text = section(result)
    print(text)
    write_section(args.out, "slow mobile link", text)
    print(f"wrote the 'slow mobile link' section of {args.out} (raw: {raw})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
