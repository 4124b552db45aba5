"""The script thread's two waits, measured (issue 24): playback's step and the changed map's head start.

Serves each ``--app NAME=DIR`` checkout (e.g. main before the change, this tree, this tree with
HEAD_START_SECONDS set to 0) side by side and measures, interleaved run by run, in Debian Chromium
(offline):

- playback: Play pressed on the overview (``poor_population_remaining``: four years) → each year
  shown in the year box, and the time between years; Stop pressed ``--stop-after`` s after a year was shown →
  the Play button back (and whether a year still followed the press);
- first map: navigation → every county painted (a new session: the map-first run);
- interactions (bench/interactions.py, with its floor): county click, next slide, indicator change.

Prints medians and writes nothing: the numbers go to bench/NOTES.md by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
import tomllib
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c
import interactions as ia
from run import first_map

UNITS = 24
SLIDES = len(tomllib.loads((c.ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"])
PLAY, STOP = "播放各年份", "停止播放"
LAST = "2018"  # poor_population_remaining's last year
# The Play button back and no Stop button left (before the change, a playing page also kept the previous run's
# Play button, faded: its runs never finished, so their stale elements stayed).
PLAY_BACK = f"""(() => {{ const labels = [...document.querySelectorAll('button')].map(b => b.innerText);
  return labels.some(l => l.includes({json.dumps(PLAY)})) && !labels.some(l => l.includes({json.dumps(STOP)})) }})()"""
# Each change of the sidebar's year box, on the page's clock, checked once per animation frame.
WATCH_YEARS_JS = """() => {
  const w = window.__play = {seen: []};
  const year = () => { const b = document.querySelectorAll("[data-testid='stSidebar'] [data-testid='stSelectbox']")[1];
    return b && b.querySelector('input') ? b.querySelector('input').value : '' };
  let last = year();
  const tick = () => { const y = year(); if (y !== last) { w.seen.push([y, performance.now()]); last = y; }
    requestAnimationFrame(tick) };
  requestAnimationFrame(tick);
}"""


def open_playback(browser, server: c.Server):
    context, page = ia.open_overview(browser, server, UNITS, "?indicator=poor_population_remaining")
    page.get_by_role("button", name=PLAY).wait_for(timeout=60_000)
    return context, page


def play_through(browser, server: c.Server) -> dict:
    """Play pressed → each year shown; seconds from the press, and between years."""
    context, page = open_playback(browser, server)
    page.evaluate(WATCH_YEARS_JS)
    t0 = page.evaluate("() => performance.now()")
    page.get_by_role("button", name=PLAY).click()
    page.wait_for_function(f"() => window.__play.seen.some(([y]) => y === {json.dumps(LAST)})", timeout=60_000)
    seen = page.evaluate("() => window.__play.seen")
    context.close()
    times = [(t - t0) / 1000 for _, t in seen]
    return {"years": [y for y, _ in seen], "first": times[0], "steps": [b - a for a, b in itertools.pairwise(times)]}


def stop_press(browser, server: c.Server, after_s: float = 0.6) -> dict:
    """Stop pressed ``after_s`` after the second year was shown → the Play button back; a year after the press?"""
    context, page = open_playback(browser, server)
    page.evaluate(WATCH_YEARS_JS)
    page.get_by_role("button", name=PLAY).click()
    page.wait_for_function("() => window.__play.seen.length >= 2", polling="raf", timeout=30_000)
    page.wait_for_timeout(after_s * 1000)
    ia.arm(page, back=PLAY_BACK)
    stop = page.get_by_role("button", name=STOP)
    box = stop.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    back = ia.hits(page, timeout=30_000)["back"]
    page.wait_for_timeout(2500)  # a year that still follows the press would show by now
    pressed = page.evaluate("() => window.__bench.start")
    later = [y for y, t in page.evaluate("() => window.__play.seen") if t > pressed]
    context.close()
    return {"back": back, "years_after": later}


def med(values: list[float]) -> str:
    return f"{statistics.median(values) * 1000:.0f} ms" if values else "-"


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--app", action="append", required=True, help="NAME=DIR, a checkout to serve")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip", default="", help="comma-separated: playback,first,interactions")
    parser.add_argument("--stop-after", default="0.6", help="seconds after a year is shown that Stop is pressed")
    args = parser.parse_args()
    skip = set(args.skip.split(","))
    apps = {}
    for spec in args.app:
        name, folder = spec.split("=", 1)
        folder = Path(folder).resolve()
        apps[name] = c.Server(name, folder / "app.py", cwd=folder)
    floor = c.Server("floor", c.ROOT / "bench" / "floor_app.py")
    out: dict = {name: {"first": [], "play_first": [], "play_step": [], "stop": [], "stop_late": 0} for name in apps}
    try:
        for s in (*apps.values(), floor):
            s.start()
        with sync_playwright() as p:
            browser = c.launch(p)
            for k in range(args.runs):
                for name, app in apps.items():
                    r = out[name]
                    if "first" not in skip:
                        r["first"].append(first_map(browser, app, UNITS))
                    if "playback" not in skip:
                        played = play_through(browser, app)
                        r["play_first"].append(played["first"])
                        r["play_step"] += played["steps"]
                        for after_s in map(float, args.stop_after.split(",")):
                            stopped = stop_press(browser, app, after_s)
                            r.setdefault(f"stop_{after_s}", []).append(stopped["back"])
                            r["stop"].append(stopped["back"])
                            r["stop_late"] += bool(stopped["years_after"])
                    print(
                        f"run {k + 1} {name}: "
                        + json.dumps({n: v[-1] if isinstance(v, list) and v else v for n, v in r.items()}),
                        flush=True,
                    )
            if "interactions" not in skip:
                out["interactions"] = ia.measure(browser, floor, apps, UNITS, SLIDES, args.runs)
            browser.close()
    finally:
        for s in (*apps.values(), floor):
            s.stop()
    print(f"load {Path('/proc/loadavg').read_text().strip()}")
    for name in apps:
        r = out[name]
        print(
            f"{name}: first map {med(r['first'])}; play → first year {med(r['play_first'])}, "
            f"year → year {med(r['play_step'])} (n={len(r['play_step'])}); stop → play button {med(r['stop'])}, "
            f"a year after stop in {r['stop_late']} of {len(r['stop'])}; "
            + ", ".join(
                f"{k} {med(v)} (max {max(v) * 1000:.0f} ms)"
                for k, v in r.items()
                if k.startswith("stop_") and isinstance(v, list) and v
            )
        )
    if "interactions" in out:
        inter = out["interactions"]
        floor_ms = statistics.median(inter["floor"])
        print(f"floor {floor_ms * 1000:.0f} ms")
        for name in apps:
            print(
                f"{name}: "
                + ", ".join(
                    f"{k} {med(v)} ({statistics.median(v) / floor_ms:.2f}×)" for k, v in inter[name].items() if v
                )
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
