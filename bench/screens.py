"""Every page looks as before: screenshots of each page state from two checkouts, compared pixel by pixel.

Serves this tree and ``--baseline DIR`` (another checkout, e.g. a worktree at main's commit before a
change) side by side, opens each page state in zh and en in Debian Chromium (offline: every non-local
request aborted), waits until the run is over and the maps are painted, takes a full-page screenshot
of each and compares them (Pillow): the number of pixels that differ and their bounding box. The PNGs
stay in ``--out`` (before-*.png, after-*.png, diff-*.png) to look at.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

from PIL import Image, ImageChops

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

# (name, path and query). Selection and slide states as a shared link opens them.
STATES = [
    ("overview", "/"),
    ("overview-selected", "/?county=130624"),
    ("overview-flags", "/?indicator=registered_poor_population&values=1&poor=1&yt=1"),
    ("county", "/county?county=130624"),
    ("programmes", "/programmes"),
    ("programmes-chosen", "/programmes?programme=pv,tourism&county=130624,130681"),
    ("briefing", "/briefing?slide=3"),
    ("briefing-dark", "/briefing?slide=3&theme=dark"),
    ("briefing-present", "/briefing?slide=3&present=1"),  # the projector view: no chrome, large type
    ("briefing-present-dark", "/briefing?slide=3&present=1&theme=dark"),  # the big screen's
    ("sources", "/sources"),
    ("data", "/data"),
]
# The run is over and every font is in (the help icons' icon font arrives late under load: before it does,
# their fallback text is wider and shifts the presenter bar by a few pixels).
SETTLED_JS = """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
  && document.querySelectorAll('[data-testid="stSkeleton"]').length === 0 && document.fonts.status === 'loaded'"""


def shoot(browser, base: str, path: str, lang: str, out: Path) -> None:
    context = c.offline_context(browser, urlparse(base).netloc)
    page = context.new_page()
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its own container: see it all
    sep = "&" if "?" in path else "?"
    page.goto(base + path + (f"{sep}lang=en" if lang == "en" else ""), wait_until="commit")
    page.wait_for_selector("[data-testid='stSidebar']", state="attached", timeout=90_000)  # hidden when presenting
    deadline = time.monotonic() + 60
    quiet = 0
    while time.monotonic() < deadline and quiet < 4:  # settled for 2 s in a row
        quiet = quiet + 1 if page.evaluate(SETTLED_JS) else 0
        page.wait_for_timeout(500)
    if page.locator(c.MAP_IFRAME).count():
        page.wait_for_function(f"() => ({c.COUNT_PATHS_JS})() > 0", polling="raf", timeout=60_000)
    page.wait_for_timeout(2500)  # chart animations, fonts
    page.screenshot(path=str(out), full_page=True, animations="disabled", caret="hide")
    context.close()


def compare(a: Path, b: Path, diff: Path) -> tuple[int, tuple | None, tuple[int, int], tuple[int, int]]:
    ia, ib = Image.open(a).convert("RGB"), Image.open(b).convert("RGB")
    if ia.size != ib.size:
        return -1, None, ia.size, ib.size
    d = ImageChops.difference(ia, ib)
    box = d.getbbox()
    n = sum(1 for px in d.get_flattened_data() if px != (0, 0, 0)) if box else 0
    if box:
        d.point(lambda v: 255 if v else 0).save(diff)
    return n, box, ia.size, ib.size


def main() -> int:
    from playwright.sync_api import sync_playwright

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--baseline", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("/tmp/screens"))
    parser.add_argument(
        "--after",
        type=Path,
        default=c.ROOT,
        help="the checkout shot as `after` (default: this one; "
        "the baseline again measures how much two shots of the same code differ)",
    )
    parser.add_argument("--states", default=",".join(n for n, _ in STATES))
    parser.add_argument("--port", type=int, default=0, help="serve before and after on this port and the next")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    wanted = [s for s in STATES if s[0] in args.states.split(",")]
    base = args.baseline.resolve()
    servers = {
        "before": c.Server("before", base / "app.py", cwd=base, port=args.port),
        "after": c.Server(
            "after", args.after.resolve() / "app.py", cwd=args.after.resolve(), port=args.port and args.port + 1
        ),
    }
    rows = []
    try:
        for s in servers.values():
            s.start()
        with sync_playwright() as p:
            browser = c.launch(p)
            for name, path in wanted:
                for lang in ("zh", "en"):
                    shots = {}
                    for which, s in servers.items():
                        shots[which] = args.out / f"{which}-{name}-{lang}.png"
                        shoot(browser, s.url, path, lang, shots[which])
                    n, box, sa, sb = compare(shots["before"], shots["after"], args.out / f"diff-{name}-{lang}.png")
                    rows.append((name, lang, n, box, sa, sb))
                    print(
                        f"{name:18} {lang}: {'same size' if sa == sb else f'{sa} vs {sb}'}, "
                        f"{n} pixels differ{f' in {box}' if box else ''}",
                        flush=True,
                    )
            browser.close()
    finally:
        for s in servers.values():
            s.stop()
    same = sum(1 for r in rows if r[2] == 0)
    print(f"{same} of {len(rows)} page states identical pixel for pixel; PNGs in {args.out}")
    return 0 if same == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
