"""make bench: first map, interaction, payload and per-session cost, in Debian Chromium.

Starts the app (one server per region: Baoding, Hebei, China when its boundaries can be
built) and a bare one-line Streamlit page, all served the same way, then measures each in
the same run, interleaved, and writes bench/RESULTS.md. Every non-local request is aborted.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
import interactions as ia

BENCH = Path(__file__).resolve().parent
# Region -> (adcode prefix, simplify_coverage tolerance). Baoding is the committed file.
# Coarser tolerances for bigger regions: the level of detail a whole-province or
# whole-country view can show (0.00045 ~ 100 m; 0.002 ~ 0.5 km; 0.03 ~ 5-10 km).
REGIONS = {"hebei": ("13", 0.002), "china": ("", 0.03)}


def build_region(prefix: str, tolerance: float, out: Path) -> dict:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [c.PYTHON, str(BENCH / "build_region.py"), prefix, str(tolerance), str(out)],
        cwd=c.ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    info = {"seconds": time.perf_counter() - t0, "ok": proc.returncode == 0, "log": (proc.stdout + proc.stderr)[-600:]}
    if info["ok"]:
        info["metrics"] = json.loads(proc.stdout.strip().splitlines()[-1])
        info["bytes"] = out.stat().st_size
        info["units"] = c.unit_count(out)
    return info


def map_only_script(tmp: Path) -> Path:
    """bench/map_only_app.py in a folder of its own, beside a link to the app's static files."""
    folder = tmp / "map-only"
    folder.mkdir()
    (folder / "static").symlink_to(c.ROOT / "static", target_is_directory=True)
    return Path(shutil.copy(BENCH / "map_only_app.py", folder / "map_only_app.py"))


def first_map(browser, server: c.Server, units: int | None) -> float:
    """Seconds from navigation to every unit painted (or, for the bare page, its text visible)."""
    context = c.offline_context(browser, urlparse(server.url).netloc)
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(server.url + "/", wait_until="commit")
    if units is None:
        page.wait_for_function(
            f"() => document.body && document.body.innerText.includes({json.dumps(c.BARE_TEXT)})",
            polling="raf",
            timeout=120_000,
        )
    else:
        page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    elapsed = time.perf_counter() - t0
    assert not context.blocked, context.blocked
    context.close()
    return elapsed


def payload(browser, server: c.Server, units: int | None) -> dict[str, int]:
    """Bytes the browser received for one first view, by kind.

    The page is loaded through ``c.CountingProxy``, which counts what the server sent on
    the wire (gzip and permessage-deflate included). HTTP: CDP
    Network.loadingFinished.encodedDataLength (bytes on the wire, headers included) per
    request, grouped by URL. WebSocket: the proxy's count for the websocket connection,
    and Playwright's (decompressed) frame payloads to say how much of it is the map: a
    frame is the map's when it carries folium's script ("L.map(" or "L.geoJson(").
    """
    proxy = c.CountingProxy(server.port)
    context = c.offline_context(browser, urlparse(proxy.url).netloc)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    urls: dict[str, str] = {}
    sizes: dict[str, int] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    frames: list[bytes] = []

    def on_ws(ws):
        ws.on("framereceived", lambda p: frames.append(p if isinstance(p, bytes) else p.encode()))

    page.on("websocket", on_ws)
    page.goto(proxy.url + "/")
    if units is None:
        page.get_by_text(c.BARE_TEXT).wait_for(timeout=60_000)
    else:
        page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    page.wait_for_timeout(2500)
    out = {"http_component": 0, "http_static_vendor": 0, "http_streamlit_shell": 0, "ws_map": 0, "ws_other": 0}
    for rid, size in sizes.items():
        url = urls.get(rid, "")
        key = (
            "http_component"
            if "/component/" in url
            else "http_static_vendor"
            if "/app/static/" in url
            else "http_streamlit_shell"
        )
        out[key] += size
    context.close()
    wire = proxy.websocket_messages()
    out["ws_wire"] = proxy.websocket_bytes()
    out["wire_total"] = proxy.total_bytes()
    proxy.close()
    # Playwright's frames and the relay's messages are the same messages in the same order.
    out["ws_map_wire"] = 0
    out["ws_messages_matched"] = len(wire) == len(frames)
    for k, f in enumerate(frames):
        is_map = b"L.map(" in f or b"L.geoJson(" in f
        out["ws_map" if is_map else "ws_other"] += len(f)
        if is_map and out["ws_messages_matched"]:
            out["ws_map_wire"] += wire[k]
    if not out["ws_messages_matched"]:  # cannot tell the map's share: count the whole websocket
        out["ws_map_wire"] = out["ws_wire"]
    out["map_total"] = out["http_component"] + out["http_static_vendor"] + out["ws_map_wire"]
    out["all_total"] = out["wire_total"]
    return out


def per_session(browser, server: c.Server, units: int, sessions: int) -> dict:
    """Open sessions one after another (all kept open); CPU and RSS slope per session."""
    rows = []
    contexts = []
    cpu0 = server.cpu_s()
    rss0, _ = server.memory_mb()
    rows.append((0, 0.0, rss0))
    for k in range(1, sessions + 1):
        context, _page = ia.open_overview(browser, server, units)
        contexts.append(context)
        time.sleep(1.0)
        rss, _ = server.memory_mb()
        rows.append((k, server.cpu_s() - cpu0, rss))
    _, hwm = server.memory_mb()
    for context in contexts:
        context.close()
    n = [r[0] for r in rows]
    rss_slope = statistics.linear_regression(n, [r[2] for r in rows]).slope
    cpu_slope = statistics.linear_regression(n, [r[1] for r in rows]).slope
    return {
        "sessions": sessions,
        "rss_mb_per_session": rss_slope,
        "cpu_s_per_session": cpu_slope,
        "rss_start_mb": rss0,
        "rss_end_mb": rows[-1][2],
        "peak_rss_mb": hwm,
        "rows": rows,
    }


INTERACTIONS = {
    "click": "county click → “已选县（市、区）” shown",
    "slide_counter": "next slide (→ key, presenter view) → slide counter shown",
    "slide_map": "next slide (→ key, presenter view) → the slide's map repainted",
    "indicator": "indicator change (Enter in the sidebar selectbox) → county fills restyled",
}
TARGETED = ("click", "slide_map", "indicator")


def floor_ratios(times: dict[str, list[float]], floor: list[float]) -> dict[str, float]:
    return {k: statistics.median(times[k]) / statistics.median(floor) for k in INTERACTIONS}


def ratio_table(r: dict) -> list[str]:
    """First-map rows against the bare page and interactions against the round-trip floor, side by side.

    With a baseline (``--baseline``), its ratios from the same run are in a column of their own.
    """
    before = "before" in r.get("first_map", {}) or "before" in r.get("interactions", {})
    head = "| measure | time: median (min–max; IQR) | × floor |" + (" before: × floor |" if before else "")
    lines = [head + " target |", "|---|---|---:|" + ("---:|" if before else "") + "---:|"]

    def row(label: str, time: str, ratio: str, was: str, target: str) -> str:
        return f"| {label} | {time} | {ratio} |" + (f" {was} |" if before else "") + f" {target} |"

    def per_run(values: list[float]) -> str:
        s = c.spread(values)
        return f"**{s['median']:.2f}** ({s['min']:.2f}–{s['max']:.2f})"

    if r.get("first_map"):
        fm = r["first_map"]
        was = per_run(r["before_ratio"]) if "before_ratio" in r else ""
        lines += [
            row("first map: bare page (floor)", fmt_spread(fm["bare"]), "1", "", ""),
            row(
                "first map: overview, every county painted",
                fmt_spread(fm["baoding"]),
                per_run(r["first_map_ratio"]),
                was,
                "≤ 1.45",
            ),
            row(
                "first map: the overview's map alone (map-only)",
                fmt_spread(fm["map-only"]),
                per_run(r["map_only_ratio"]),
                "",
                "",
            ),
        ]
    if r.get("interactions"):
        times, floor = r["interactions"]["baoding"], r["interactions"]["floor"]
        old = r["interactions"].get("before")
        ratios = floor_ratios(times, floor)
        old_ratios = floor_ratios(old, floor) if old else {}
        lines.append(row("round trip: bare page, button → new text (floor)", fmt_spread(c.spread(floor)), "1", "", ""))
        for k, label in INTERACTIONS.items():
            runs = [a / b for a, b in zip(times[k], floor)]
            was = f"{old_ratios[k]:.2f}" if old else ""
            lines.append(
                row(
                    label,
                    fmt_spread(c.spread(times[k])),
                    f"**{ratios[k]:.2f}** ({min(runs):.2f}–{max(runs):.2f})",
                    was,
                    "≤ 2" if k in TARGETED else "",
                )
            )
    return lines


def fmt_spread(s: dict, scale: float = 1000, unit: str = "ms") -> str:
    m, lo, hi, q1, q3 = (s[k] * scale for k in ("median", "min", "max", "q1", "q3"))
    return f"{m:.0f} {unit} ({lo:.0f}–{hi:.0f}; IQR {q1:.0f}–{q3:.0f})"


PARTS = ("first-map", "payload", "interactions", "sessions")


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--regions", default="baoding,hebei,china")
    parser.add_argument(
        "--only",
        default=",".join(PARTS),
        help=f"comma-separated parts of {PARTS}; a partial run prints its ratios and leaves RESULTS.md alone",
    )
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another checkout of the app (e.g. `git archive <commit> | tar -x -C DIR`, static assets vendored): "
        "served beside this one as `before` for the first map, payload and interactions, in the same run",
    )
    parser.add_argument("--out", type=Path, default=BENCH / "RESULTS.md")
    args = parser.parse_args()
    parts = set(args.only.split(","))
    if parts - set(PARTS):
        parser.error(f"unknown parts {sorted(parts - set(PARTS))}; valid: {', '.join(PARTS)}")
    full = parts == set(PARTS)
    started = dt.datetime.now(dt.UTC)
    load_before = c.machine()["load"]
    tmp = Path(tempfile.mkdtemp(prefix="bench-regions-"))
    regions = [r for r in args.regions.split(",") if r] if full else ["baoding"]
    builds: dict[str, dict] = {
        "baoding": {
            "units": c.unit_count(c.ROOT / "data" / "counties.geojson"),
            "bytes": (c.ROOT / "data" / "counties.geojson").stat().st_size,
            "ok": True,
            "seconds": 0.0,
        }
    }
    servers: dict[str, c.Server] = {"bare": c.Server("bare", c.BENCH_BARE)}
    servers["baoding"] = c.Server("baoding", c.ROOT / "app.py")
    if args.baseline:
        servers["before"] = c.Server("before", args.baseline.resolve() / "app.py", cwd=args.baseline.resolve())
    servers["map-only"] = c.Server("map-only", map_only_script(tmp), env={"BAODING_ROOT": str(c.ROOT)})
    for name in regions:
        if name == "baoding":
            continue
        prefix, tol = REGIONS[name]
        out = tmp / f"{name}.geojson"
        print(f"building {name} (prefix {prefix!r}, tolerance {tol}) ...", flush=True)
        builds[name] = {**build_region(prefix, tol, out), "tolerance": tol, "prefix": prefix}
        if builds[name]["ok"]:
            servers[name] = c.Server(name, c.ROOT / "app.py", env={"BAODING_DATA_DIR": str(c.region_data_dir(out))})
        else:
            print(builds[name]["log"], file=sys.stderr)
    floor = c.Server("floor", BENCH / "floor_app.py")
    if not parts & {"first-map", "payload"}:  # the interactions need only the app and the floor
        servers = {k: v for k, v in servers.items() if k in ("baoding", "before")}
    results: dict = {"first_map": {}, "payload": {}, "builds": builds}
    try:
        for s in [*servers.values(), floor]:
            print(f"starting {s.name} ...", flush=True)
            s.start()
        with sync_playwright() as p:
            browser = c.launch(p)
            units = {name: builds[name]["units"] for name in servers if name in builds}
            units["bare"], units["map-only"] = None, builds["baoding"]["units"]
            units["before"] = builds["baoding"]["units"]
            if "first-map" in parts:
                for name, s in servers.items():  # warm-up: caches, store creation, imports
                    first_map(browser, s, units[name])
                times: dict[str, list[float]] = {name: [] for name in servers}
                for k in range(args.runs):
                    for name, s in servers.items():
                        times[name].append(first_map(browser, s, units[name]))
                    print(f"run {k + 1}: " + ", ".join(f"{n} {v[-1]:.2f}s" for n, v in times.items()), flush=True)
                results["first_map"] = {name: c.spread(v) for name, v in times.items()}
                results["first_map_ratio"] = [a / b for a, b in zip(times["baoding"], times["bare"])]
                results["map_only_ratio"] = [a / b for a, b in zip(times["map-only"], times["bare"])]
                if "before" in times:
                    results["before_ratio"] = [a / b for a, b in zip(times["before"], times["bare"])]
            if "payload" in parts:
                for name, s in servers.items():
                    results["payload"][name] = payload(browser, s, units[name])
                print("payload:", json.dumps(results["payload"]), flush=True)
            if "interactions" in parts:
                slides = len(tomllib.loads((c.ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"])
                apps = {k: v for k, v in servers.items() if k in ("baoding", "before")}
                results["interactions"] = ia.measure(browser, floor, apps, units["baoding"], slides, args.runs)
            if "sessions" in parts:
                # A fresh server for the per-session cost, so earlier runs' sessions do not blur it.
                fresh = c.Server("sessions", c.ROOT / "app.py").start()
                try:
                    first_map(browser, fresh, units["baoding"])  # warm-up
                    results["sessions"] = per_session(browser, fresh, units["baoding"], args.sessions)
                finally:
                    fresh.stop()
                print("sessions", {k: v for k, v in results["sessions"].items() if k != "rows"}, flush=True)
            browser.close()
    finally:
        for s in [*servers.values(), floor]:
            s.stop()
            if "BAODING_DATA_DIR" in s.env:  # the region's temporary copy of data/
                shutil.rmtree(s.env["BAODING_DATA_DIR"], ignore_errors=True)
    results["machine"] = c.machine()
    results["machine"]["load_before"] = load_before
    results["versions"] = c.versions()
    results["started"] = started.isoformat(timespec="seconds")
    results["finished"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    (tmp / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(f"load average before {load_before}, after {results['machine']['load']}")
    print("\n".join(ratio_table(results)))
    if full:
        write_report(args.out, results)
        print(f"wrote {args.out} (raw numbers: {tmp / 'results.json'})")
    else:
        print(f"partial run: {args.out} left as it was (raw numbers: {tmp / 'results.json'})")
    return 0


def write_report(path: Path, results: dict) -> None:
    """RESULTS.md from the numbers; the load test's sections (bench/load.py) are kept."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    blocks = [m.group(0) for m in re.finditer(r"<!-- load:(.*?) -->.*?<!-- /load:\1 -->", old, re.S)]
    path.write_text(report(results) + "".join("\n" + b + "\n" for b in blocks), encoding="utf-8")


def report(r: dict) -> str:
    fm, pay, b = r["first_map"], r["payload"], r["builds"]
    base = fm["baoding"]["median"]
    ratio = c.spread(r["first_map_ratio"])
    lines = [
        "# Benchmark results",
        "",
        f"Run {r['started']} → {r['finished']} (UTC) by `make bench` (bench/run.py). "
        f"Machine: {r['machine']['cores']} cores, {r['machine']['ram']} RAM, {r['machine']['cpu']}; "
        f"load average before the run {r['machine']['load_before']}, after {r['machine']['load']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in r["versions"].items()) + ".",
        "",
        "Browser, servers and benchmark share the same machine (loopback). Times are medians of "
        f"{fm['baoding']['n']} runs (min–max; interquartile range), each run in a fresh browser context "
        "(empty cache), after one warm-up per server. All servers run in the same process tree and are "
        "measured interleaved, run by run.",
        "",
        "## First map",
        "",
        "| page | units | counties file | first map |  × Baoding |",
        "|---|---:|---:|---|---:|",
    ]
    for name, s in fm.items():
        region = "baoding" if name in ("map-only", "before") else name
        units = "—" if name == "bare" else b[region]["units"]
        size = "—" if name == "bare" else f"{b[region]['bytes'] / 1024:.0f} KB"
        lines.append(f"| {name} | {units} | {size} | {fmt_spread(s)} | {s['median'] / base:.2f} |")
    lines += [
        "",
        f"Baoding / bare page, per run: median **{ratio['median']:.2f}×** "
        f"(min {ratio['min']:.2f}, max {ratio['max']:.2f}). `map-only` is the overview's map with no other "
        "element on the page (bench/map_only_app.py, same data, same st_folium call): "
        f"{c.spread(r['map_only_ratio'])['median']:.2f}× the bare page, the floor for a map in "
        "streamlit-folium's iframe; the rest of the gap is the browser rendering the page's other "
        "elements before it creates the map's iframe.",
        "",
        "## Interaction and first map, as multiples of their floors (Baoding)",
        "",
        "Interactions are timed in the page (bench/interactions.py): from the keydown or pointerdown "
        "to the first animation frame that shows the change, so Playwright's own round trips are left "
        "out. The round-trip floor is a bare Streamlit page whose button shows new text "
        "(bench/floor_app.py), measured in the same run, interleaved run by run with the interactions; "
        "× floor is the interaction's median over the floor's median (per-run ratios in brackets). "
        "First maps are against the bare page, per run, as above.",
        "",
        *ratio_table(r),
        "",
        "## Bytes received for one first view",
        "",
        "The page is loaded through a counting TCP relay (bench/common.py `CountingProxy`), so the "
        "websocket column is what crossed the wire (`server.enableWebsocketCompression`: "
        "permessage-deflate). HTTP sizes are CDP `Network.loadingFinished.encodedDataLength` (wire "
        "bytes, headers included). `ws frames` are the decompressed payloads Playwright reports, split "
        "into the messages that carry folium's map script and the rest; the relay splits the websocket "
        "into the same messages (RFC 6455 framing) and gives each one's size on the wire. `map total` = "
        "component iframe files + vendored Leaflet from /app/static + the map's messages on the wire.",
        "",
        "| page | component iframe | /app/static | ws messages: map / other (raw) | ws on the wire: map / all "
        "| map total | Streamlit shell | all (wire) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    kb = lambda v: f"{v / 1024:.0f} KB"  # noqa: E731
    for name, p in pay.items():
        lines.append(
            f"| {name} | {kb(p['http_component'])} | {kb(p['http_static_vendor'])} | "
            f"{kb(p['ws_map'])} / {kb(p['ws_other'])} | {kb(p['ws_map_wire'])} / {kb(p['ws_wire'])} | "
            f"**{kb(p['map_total'])}** | "
            f"{kb(p['http_streamlit_shell'])} | {kb(p['all_total'])} |"
        )
    s = r["sessions"]
    lines += [
        "",
        "## Server cost per session (Baoding, fresh server)",
        "",
        f"{s['sessions']} sessions opened one after another and kept open (each painted its map); "
        "least-squares slope over /proc/<pid>/stat (utime+stime) and /proc/<pid>/status (VmRSS).",
        "",
        "| measure | value |",
        "|---|---|",
        f"| RSS per extra session | {s['rss_mb_per_session']:.1f} MB |",
        f"| CPU per session | {s['cpu_s_per_session']:.2f} s |",
        f"| RSS after warm-up → after {s['sessions']} sessions | {s['rss_start_mb']:.0f} → {s['rss_end_mb']:.0f} MB |",
        f"| peak RSS (VmHWM) | {s['peak_rss_mb']:.0f} MB |",
        "",
        "## Region builds (bench-time, into a temp folder)",
        "",
        "| region | prefix | tolerance | units | GeoJSON | max error | build time |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for name, info in b.items():
        if name == "baoding":
            size = info["bytes"] / 1024
            lines.append(f"| baoding | 1306 | 0.00045 | {info['units']} | {size:.0f} KB | ≤ 0.1 km | (committed) |")
        elif info.get("ok"):
            err_km = info.get("metrics", {}).get("hausdorff_max_m", float("nan")) / 1000
            size, secs = info["bytes"] / 1024, info["seconds"]
            lines.append(
                f"| {name} | {info['prefix'] or '(all)'} | {info['tolerance']} | {info['units']} | "
                f"{size:.0f} KB | {err_km:.1f} km | {secs:.0f} s |"
            )
        else:
            lines.append(
                f"| {name} | {info.get('prefix')} | {info.get('tolerance')} | failed | | | {info['seconds']:.0f} s |"
            )
    targets = [
        ("Baoding first map ≤ 1.45× bare page", f"{ratio['median']:.2f}×", ratio["median"] <= 1.45),
        *[
            (f"{INTERACTIONS[k]} ≤ 2× round-trip floor", f"{x:.2f}×", x <= 2)
            for k, x in floor_ratios(r["interactions"]["baoding"], r["interactions"]["floor"]).items()
            if k in TARGETED
        ],
        ("map payload < 150 KB (Baoding)", kb(pay["baoding"]["map_total"]), pay["baoding"]["map_total"] < 150 * 1024),
        ("each extra session < 20 MB", f"{s['rss_mb_per_session']:.1f} MB", s["rss_mb_per_session"] < 20),
    ]
    if "hebei" in fm:
        targets.append(
            ("Hebei ≤ 1.5× Baoding", f"{fm['hebei']['median'] / base:.2f}×", fm["hebei"]["median"] / base <= 1.5)
        )
    if "china" in fm:
        targets.append(
            ("China ≤ 3× Baoding", f"{fm['china']['median'] / base:.2f}×", fm["china"]["median"] / base <= 3)
        )
    lines += ["", "## Targets", "", "| target | measured | met |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'yes' if ok else '**no**'} |" for name, value, ok in targets]
    notes = BENCH / "NOTES.md"
    if notes.exists():
        lines += ["", notes.read_text(encoding="utf-8").strip()]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
