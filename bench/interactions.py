"""Interaction times measured in the page: from the input event to what it should change, on screen.

Each measure arms a watcher in the top page (``ARM_JS``) before the action: it takes the
time of the first keydown or pointerdown (in the top page or in any same-origin frame, on
the top page's clock), then checks its conditions once per animation frame and keeps, for
each, the time it first held. So the times leave out Playwright's own round trips, and a
condition counts once the browser has drawn the frame that shows it (±1 frame, ~17 ms).

The floor is a bare Streamlit page with a button whose click shows new text
(bench/floor_app.py): a round trip to the server and one element drawn. Interactions are
reported as multiples of it, measured in the same run, interleaved run by run.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

import common as c
from playwright.sync_api import TimeoutError as PlaywrightTimeout

SELECTED = "已选县（市、区）"

# Conditions are JS expressions, evaluated in the top page; MAP_DOC finds the map's document.
MAP_DOC = """(() => { for (const f of document.querySelectorAll('iframe')) { try {
  const d = f.contentDocument; if (d && d.querySelector('.leaflet-container')) return d } catch (e) {} }
  return null })()"""
# What a slide's map shows: its shapes and markers as markup, less what moves while the map
# pans (path outlines, positions).
MAP_SIGNATURE = f"""(() => {{ const d = {MAP_DOC}; if (!d) return '';
  return [...d.querySelectorAll('.leaflet-overlay-pane path, .leaflet-marker-pane > *')].map(e =>
    e.outerHTML.replace(/ (d|style)="[^"]*"/g, '')).join('|') }})()"""
FILLS = f"""(() => {{ const d = {MAP_DOC}; if (!d) return '';
  return [...d.querySelectorAll('path.leaflet-interactive')].map(p => p.getAttribute('fill')).join('|') }})()"""

ARM_JS = """(conds) => {
  const w = window.__bench = {start: null, hit: {}, n: Object.keys(conds).length};
  const fns = Object.fromEntries(Object.entries(conds).map(([k, src]) => [k, new Function('return (' + src + ')')]));
  const mark = () => { if (w.start === null) w.start = performance.now(); };
  const wins = [window];
  for (const f of document.querySelectorAll('iframe')) {
    try { if (f.contentWindow.document) wins.push(f.contentWindow) } catch (e) {} }
  for (const x of wins) { x.addEventListener('keydown', mark, true); x.addEventListener('pointerdown', mark, true); }
  const tick = () => {
    const now = performance.now();
    if (w.start !== null) for (const [k, f] of Object.entries(fns)) {
      if (!(k in w.hit)) { let ok = false; try { ok = f() } catch (e) {} if (ok) w.hit[k] = (now - w.start) / 1000; }
    }
    if (Object.keys(w.hit).length < w.n) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}"""
DONE_JS = "() => window.__bench && Object.keys(window.__bench.hit).length === window.__bench.n"


def arm(page, **conds: str) -> None:
    page.evaluate(ARM_JS, conds)


def hits(page, timeout: float = 60_000) -> dict[str, float]:
    page.wait_for_function(DONE_JS, polling=100, timeout=timeout)
    return page.evaluate("() => window.__bench.hit")


def text_shown(text: str) -> str:
    return f"document.body.innerText.includes({json.dumps(text)})"


class Floor:
    """The bare page with a button, kept open; each ``measure`` is one click → "pressed k" shown."""

    def __init__(self, browser, server: c.Server):
        self.context = c.offline_context(browser, urlparse(server.url).netloc)
        self.page = self.context.new_page()
        self.page.goto(server.url + "/")
        self.button = self.page.get_by_role("button", name="next")
        self.button.wait_for(timeout=60_000)
        self.presses = 0

    def measure(self) -> float:
        box = self.button.bounding_box()
        self.presses += 1
        arm(self.page, shown=text_shown(f"pressed {self.presses}"))
        self.page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        t = hits(self.page)["shown"]
        self.page.wait_for_timeout(300)
        return t

    def close(self) -> None:
        self.context.close()


def open_overview(browser, server: c.Server, units: int, query: str = "?indicator=poor_county_type"):
    context = c.offline_context(browser, urlparse(server.url).netloc)
    page = context.new_page()
    page.goto(server.url + "/" + query)
    page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() >= {units}", polling="raf", timeout=180_000)
    page.wait_for_timeout(1000)
    return context, page


def county_click(browser, server: c.Server, units: int) -> float:
    """A click inside the largest county of a freshly opened overview → "已选县（市、区）" shown."""
    context, page = open_overview(browser, server, units)
    frame = next(f for f in page.frames if "streamlit_folium" in f.url)
    box = frame.locator("path.leaflet-interactive").evaluate_all(
        """ps => { let best = null; for (const p of ps) { const r = p.getBoundingClientRect();
            if (!best || r.width * r.height > best.w * best.h) best = {x: r.x, y: r.y, w: r.width, h: r.height}; }
            return best; }"""
    )
    iframe = page.locator(c.MAP_IFRAME).first.bounding_box()
    arm(page, shown=text_shown(SELECTED))
    page.mouse.click(iframe["x"] + box["x"] + box["w"] / 2, iframe["y"] + box["y"] + box["h"] / 2)
    t = hits(page)["shown"]
    assert not context.blocked, context.blocked
    context.close()
    return t


class Slides:
    """The briefing's presenter view, kept open; each ``measure`` is one → key."""

    def __init__(self, browser, server: c.Server, slides: int):
        self.context = c.offline_context(browser, urlparse(server.url).netloc)
        self.page = self.context.new_page()
        self.slides = slides
        self.open(server.url)

    def open(self, url: str) -> None:
        self.url = url
        self.page.goto(f"{url}/briefing?present=1&slide=1")
        self.number = 1
        self.wait_still()

    def wait_still(self) -> None:
        self.page.locator(".bd-slide-no", has_text=f"{self.number} / {self.slides}").wait_for(timeout=60_000)
        self.page.wait_for_function(f"() => {MAP_SIGNATURE}.length > 0", polling=100, timeout=60_000)
        self.page.wait_for_timeout(1200)

    def measure(self) -> tuple[float, float]:
        """(slide counter shown, the slide's map repainted) after → on the keyboard."""
        if self.number == self.slides:
            self.open(self.url)
        before = self.page.evaluate(f"() => {MAP_SIGNATURE}")
        nxt = f"{self.number + 1} / {self.slides}"
        counter = (
            f"[...document.querySelectorAll('.bd-slide-no')].some(e => e.textContent.trim() === {json.dumps(nxt)})"
        )
        arm(self.page, counter=counter, map=f"(s => s !== '' && s !== {json.dumps(before)})({MAP_SIGNATURE})")
        self.page.keyboard.press("ArrowRight")
        try:
            h = hits(self.page, timeout=20_000)
        except PlaywrightTimeout:  # a slide whose map looks the same as the last one's: no repaint to see
            h = self.page.evaluate("() => window.__bench.hit")
        self.number += 1
        self.wait_still()
        return h.get("counter"), h.get("map")

    def close(self) -> None:
        self.context.close()


class Indicator:
    """The overview, kept open; each ``measure`` is one indicator chosen in the sidebar → fills changed."""

    LABELS = ("建档立卡贫困人口", "贫困县类型")  # registered_poor_population, poor_county_type
    FILLS = FILLS  # where the map's fills are read (a page whose map is not in a frame reads them elsewhere)
    open_page = staticmethod(open_overview)

    def __init__(self, browser, server: c.Server, units: int):
        self.context, self.page = self.open_page(browser, server, units)
        self.box = self.page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first
        self.k = 0

    def measure(self) -> float:
        before = self.page.evaluate(f"() => {self.FILLS}")
        self.box.click()
        self.page.keyboard.type(self.LABELS[self.k % 2])
        self.k += 1
        arm(self.page, fills=f"(f => f !== '' && f !== {json.dumps(before)})({self.FILLS})")
        self.page.keyboard.press("Enter")
        t = hits(self.page)["fills"]
        self.page.wait_for_timeout(1500)  # let the rest of the rerun finish before the next change
        return t

    def close(self) -> None:
        self.context.close()


def measure(browser, floor_server: c.Server, apps: dict[str, c.Server], units: int, slides: int, runs: int) -> dict:
    """Every interaction on every app ``runs`` times, interleaved with the floor; times in seconds.

    Returns ``{"floor": [...], app name: {interaction: [...]}}``.
    """
    floor = Floor(browser, floor_server)
    decks = {name: Slides(browser, app, slides) for name, app in apps.items()}
    pickers = {name: Indicator(browser, app, units) for name, app in apps.items()}
    out: dict = {
        "floor": [],
        **{name: {k: [] for k in ("click", "slide_counter", "slide_map", "indicator")} for name in apps},
    }
    try:
        for k in range(runs):
            out["floor"].append(floor.measure())
            for name, app in apps.items():
                times = out[name]
                times["click"].append(county_click(browser, app, units))
                for key, value in zip(("slide_counter", "slide_map"), decks[name].measure()):
                    if value is not None:  # a sample not seen is left out, not counted as a time
                        times[key].append(value)
                times["indicator"].append(pickers[name].measure())
                print(
                    f"interactions run {k + 1}, {name}: floor {out['floor'][-1] * 1000:.0f} ms, "
                    + ", ".join(f"{n} {v[-1] * 1000:.0f} ms" for n, v in times.items() if v),
                    flush=True,
                )
    finally:
        for x in (floor, *decks.values(), *pickers.values()):
            x.close()
    return out
