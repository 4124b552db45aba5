"""st_folium's overview beside the components-v2 prototype, in one run, at two page weights.

Pages: the app's overview (st_folium), the map-only page (st_folium alone), cv2 light
(bench/cv2_map_app.py: a title, one selectbox and the element) and cv2 full
(bench/cv2_full_app.py: the app's own overview with only its map swapped for the element),
beside the bare page and the round-trip floor. Measures, interleaved run by run: first map
(× a bare page) for the four map pages; county click → "已选县（市、区）" shown and indicator
change → fills restyled (× the round-trip floor) for the overview and both cv2 pages. The
element's map is in the page, not in an iframe, so its measures look for Leaflet's paths in
the top document; everything else is bench/interactions.py's. Prints the runs, a JSON
summary and the table for bench/RESULTS.md.

    python bench/cv2_compare.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

import common as c
import interactions as ia
from playwright.sync_api import sync_playwright
from run import first_map, map_only_script

BENCH = Path(__file__).resolve().parent
TOP_PATHS_JS = "() => document.querySelectorAll('path.leaflet-interactive[fill]').length"
TOP_FILLS = "[...document.querySelectorAll('path.leaflet-interactive')].map(p => p.getAttribute('fill')).join('|')"


def cv2_script(tmp: Path, name: str) -> Path:
    """bench/<name> in a folder of its own beside links to static/ and (for app.py's navigation) pages/."""
    folder = tmp / name.removesuffix(".py")
    folder.mkdir()
    for linked in ("static", "pages"):
        (folder / linked).symlink_to(c.ROOT / linked, target_is_directory=True)
    shutil.copy(BENCH / "cv2_map_app.py", folder / "cv2_map_app.py")  # cv2_full_app.py imports the element
    return Path(shutil.copy(BENCH / name, folder / name))


def cv2_first_map(browser, server: c.Server, units: int) -> float:
    context = c.offline_context(browser, urlparse(server.url).netloc)
    page = context.new_page()
    t0 = time.perf_counter()
    page.goto(server.url + "/", wait_until="commit")
    page.wait_for_function(f"() => ({TOP_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    elapsed = time.perf_counter() - t0
    assert not context.blocked, context.blocked
    context.close()
    return elapsed


def cv2_open(browser, server: c.Server, units: int):
    context = c.offline_context(browser, urlparse(server.url).netloc)
    page = context.new_page()
    page.goto(server.url + "/?indicator=poor_county_type")
    page.wait_for_function(f"() => ({TOP_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    page.wait_for_timeout(1000)
    return context, page


def cv2_click(browser, server: c.Server, units: int) -> float:
    """As interactions.county_click: a click inside the largest county of a fresh page."""
    context, page = cv2_open(browser, server, units)
    box = page.locator("path.leaflet-interactive").evaluate_all(
        """ps => { let best = null; for (const p of ps) { const r = p.getBoundingClientRect();
            if (!best || r.width * r.height > best.w * best.h) best = {x: r.x, y: r.y, w: r.width, h: r.height}; }
            return best; }"""
    )
    ia.arm(page, shown=ia.text_shown(ia.SELECTED))
    page.mouse.click(box["x"] + box["w"] / 2, box["y"] + box["h"] / 2)
    t = ia.hits(page)["shown"]
    assert not context.blocked, context.blocked
    context.close()
    return t


class Cv2Indicator(ia.Indicator):
    """As interactions.Indicator, with the fills read from the top document."""

    FILLS = TOP_FILLS
    open_page = staticmethod(cv2_open)


def med(values: list[float]) -> float:
    return statistics.median(values)


MAP_PAGES = ("overview", "map-only", "cv2-light", "cv2-full")
TALKING = ("overview", "cv2-light", "cv2-full")  # pages whose click and indicator change are measured
LABELS = {
    "bare": "bare page",
    "overview": "overview (st_folium)",
    "map-only": "map-only (st_folium alone)",
    "cv2-light": "cv2 light (title, selectbox, map)",
    "cv2-full": "cv2 full (the overview, map swapped)",
    "floor": "floor",
}


def table(fm: dict[str, list[float]], it: dict[str, list[float]]) -> str:
    """The run as bench/RESULTS.md's rows: median (min–max), and × bare page or × floor."""

    def row(label: str, values: list[float], ratio: str) -> str:
        s = c.spread(values)
        return f"| {label} | {s['median'] * 1000:.0f} ms ({s['min'] * 1000:.0f}–{s['max'] * 1000:.0f}) | {ratio} |"

    rows = ["| measure | median (min–max) | × |", "|---|---|---:|"]
    for name, v in fm.items():
        ratio = "1" if name == "bare" else f"**{med([a / b for a, b in zip(v, fm['bare'])]):.2f}**"
        rows.append(row(f"first map: {LABELS[name]}", v, ratio))
    rows.append(row("round trip: floor", it["floor"], "1"))
    for what, label in (("click", "county click → shown"), ("ind", "indicator → fills restyled")):
        for name in TALKING:
            v = it[f"{what}:{name}"]
            rows.append(row(f"{label}: {LABELS[name]}", v, f"**{med(v) / med(it['floor']):.2f}**"))
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    units = c.unit_count(c.ROOT / "data" / "counties.geojson")
    tmp = Path(tempfile.mkdtemp(prefix="bench-cv2-"))
    env = {"BAODING_ROOT": str(c.ROOT)}
    servers = {
        "bare": c.Server("bare", c.BENCH_BARE),
        "overview": c.Server("overview", c.ROOT / "app.py"),
        "map-only": c.Server("map-only", map_only_script(tmp), env=env),
        "cv2-light": c.Server("cv2-light", cv2_script(tmp, "cv2_map_app.py"), env=env),
        "cv2-full": c.Server("cv2-full", cv2_script(tmp, "cv2_full_app.py"), env=env),
        "floor": c.Server("floor", BENCH / "floor_app.py"),
    }
    load_before = c.machine()["load"]
    fm: dict[str, list[float]] = {k: [] for k in ("bare", *MAP_PAGES)}
    it: dict[str, list[float]] = {"floor": [], **{f"{w}:{n}": [] for w in ("click", "ind") for n in TALKING}}
    try:
        for s in servers.values():
            s.start()
        with sync_playwright() as p:
            browser = c.launch(p)
            firsts = {
                "bare": lambda: first_map(browser, servers["bare"], None),
                "overview": lambda: first_map(browser, servers["overview"], units),
                "map-only": lambda: first_map(browser, servers["map-only"], units),
                "cv2-light": lambda: cv2_first_map(browser, servers["cv2-light"], units),
                "cv2-full": lambda: cv2_first_map(browser, servers["cv2-full"], units),
            }
            for f in firsts.values():  # warm-up: caches, store creation, imports
                f()
            for k in range(args.runs):
                for name, f in firsts.items():
                    fm[name].append(f())
                print(f"first map run {k + 1}: " + ", ".join(f"{n} {v[-1]:.2f}s" for n, v in fm.items()), flush=True)
            floor = ia.Floor(browser, servers["floor"])
            clicks = {
                "overview": lambda: ia.county_click(browser, servers["overview"], units),
                "cv2-light": lambda: cv2_click(browser, servers["cv2-light"], units),
                "cv2-full": lambda: cv2_click(browser, servers["cv2-full"], units),
            }
            pickers = {
                "overview": ia.Indicator(browser, servers["overview"], units),
                "cv2-light": Cv2Indicator(browser, servers["cv2-light"], units),
                "cv2-full": Cv2Indicator(browser, servers["cv2-full"], units),
            }
            try:
                for k in range(args.runs):
                    it["floor"].append(floor.measure())
                    for name in TALKING:
                        it[f"click:{name}"].append(clicks[name]())
                        it[f"ind:{name}"].append(pickers[name].measure())
                    print(
                        f"interactions run {k + 1}: " + ", ".join(f"{n} {v[-1] * 1000:.0f} ms" for n, v in it.items()),
                        flush=True,
                    )
            finally:
                floor.close()
                for x in pickers.values():
                    x.close()
            browser.close()
    finally:
        for s in servers.values():
            s.stop()
    out = {
        "load_before": load_before,
        "load_after": c.machine()["load"],
        "runs": args.runs,
        "first_map_s": {k: c.spread(v) for k, v in fm.items()},
        "first_map_ratio": {k: med([a / b for a, b in zip(v, fm["bare"])]) for k, v in fm.items() if k != "bare"},
        "interactions_s": {k: c.spread(v) for k, v in it.items()},
        "floor_ratio": {k: med(v) / med(it["floor"]) for k, v in it.items() if k != "floor"},
    }
    print(json.dumps(out, indent=1))
    print(f"\nload {load_before} → {out['load_after']}, medians of {args.runs}\n\n{table(fm, it)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
