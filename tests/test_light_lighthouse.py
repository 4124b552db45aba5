"""Lighthouse's accessibility score of the light view (issue 20 asks ≥ 0.95): the overview in both themes, a
county and a slide, each run once on Lighthouse's mobile profile, accessibility category only.

Lighthouse comes from the npm registry, pinned in tools/lighthouse/package.json; .ci/run installs it
(``npm ci``). Skipped only where neither node nor that install is present.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from browser_support import CHROMIUM

ROOT = Path(__file__).resolve().parents[1]
LIGHTHOUSE = ROOT / "tools" / "lighthouse" / "node_modules" / ".bin" / "lighthouse"
MIN_SCORE = 0.95
PAGES = {
    "overview": "/light/overview?indicator=registered_poor_population&poor=1&county=130624",
    "overview-dark": "/light/overview?theme=dark&lang=en",
    "county": "/light/county?county=130624",
    "slide": "/light/briefing?slide=3&theme=dark",
}
CHROME_FLAGS = "--headless=new --no-sandbox --disable-gpu --host-resolver-rules='MAP * ~NOTFOUND, EXCLUDE 127.0.0.1'"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed"),
    pytest.mark.skipif(
        shutil.which("node") is None or not LIGHTHOUSE.exists(),
        reason="Lighthouse not installed (npm ci --prefix tools/lighthouse)",
    ),
]


def lighthouse(url: str) -> dict:
    """One Lighthouse run of ``url``, accessibility only: its JSON report."""
    done = subprocess.run(
        [
            str(LIGHTHOUSE),
            url,
            "--only-categories=accessibility",
            "--output=json",
            "--output-path=stdout",
            "--quiet",
            f"--chrome-flags={CHROME_FLAGS}",
            "--max-wait-for-load=60000",
        ],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "CHROME_PATH": CHROMIUM},
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def failed(report: dict) -> list[str]:
    """The accessibility audits that did not pass, with the elements they name."""
    out = []
    for ref in report["categories"]["accessibility"]["auditRefs"]:
        audit = report["audits"][ref["id"]]
        if audit.get("score") is not None and audit["score"] < 1 and ref.get("weight", 0) > 0:
            items = (audit.get("details") or {}).get("items", [])
            where = [str((i.get("node") or {}).get("snippet", ""))[:120] for i in items[:3]]
            out.append(f"{ref['id']} (weight {ref['weight']}): {audit['title']} {where}")
    return out


@pytest.mark.parametrize("name", PAGES)
def test_lighthouse_accessibility(app_url, name):
    report = lighthouse(app_url + PAGES[name])
    assert report["finalDisplayedUrl"].startswith(app_url + "/light/"), report["finalDisplayedUrl"]
    score = report["categories"]["accessibility"]["score"]
    assert score >= MIN_SCORE, f"{name}: {score}\n" + "\n".join(failed(report))
