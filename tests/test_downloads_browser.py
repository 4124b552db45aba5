"""Every CSV/XLSX the app offers, downloaded in a real browser, has no cell a spreadsheet would execute.

The app runs on a copy of data/ whose sources and notes carry formula text (as an import could
bring in), so a download that passes that text through as it is fails here.
"""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from browser_support import ARTIFACTS, CHROMIUM, offline_context, serve_app

from geo.render.tables import FORMULA_TRIGGERS

ROOT = Path(__file__).resolve().parents[1]
pytestmark = [pytest.mark.browser, pytest.mark.skipif(CHROMIUM is None, reason="Debian chromium not installed")]
HOSTILE = ['=HYPERLINK("http://evil.invalid","保定")', "+1", "@SUM(1)", "-2+3"]


def _rewrite(path: Path, column: str, value) -> None:
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    for i, row in enumerate(rows):
        row[column] = value(i, row[column])
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


@pytest.fixture(scope="module")
def hostile_app_url(tmp_path_factory):
    """The app on data whose every source publisher and value note begins with a formula."""
    tmp = tmp_path_factory.mktemp("hostile")
    data = Path(shutil.copytree(ROOT / "data", tmp / "data"))
    _rewrite(data / "sources.csv", "publisher", lambda i, v: HOSTILE[i % len(HOSTILE)] + v)
    _rewrite(data / "values.csv", "note", lambda i, v: HOSTILE[i % len(HOSTILE)])
    yield from serve_app({"BAODING_DATA_DIR": str(data), "BAODING_STORE": str(tmp / "store.gpkg")})


def cells(name: str, data: bytes) -> list[tuple[object, str]]:
    """(value, openpyxl data type) of every cell; CSV cells are all text ('s')."""
    if name.endswith(".csv"):
        return [(c, "s") for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for c in row]
    wb = openpyxl.load_workbook(io.BytesIO(data))  # formulas kept as formulas: data_type 'f'
    return [(c.value, c.data_type) for ws in wb.worksheets for row in ws.iter_rows() for c in row]


# (page path, "" the overview; popover to open or None; button label; file suffix)
DOWNLOADS = [
    ("", "下载", "本视图数据 CSV", ".csv"),
    ("", "下载", "本视图数据 XLSX", ".xlsx"),
    ("briefing?slide=2", "下载", "本页数据 CSV", ".csv"),
    ("briefing?slide=2", "下载", "本页数据 XLSX", ".xlsx"),
    ("sources", None, "下载 CSV", ".csv"),
    ("data", None, "下载填报模板（XLSX）", ".xlsx"),
]  # fmt: skip


@pytest.mark.parametrize("path, popover, label, suffix", DOWNLOADS)
def test_download_has_no_formula_cell(browser, hostile_app_url, path, popover, label, suffix):
    context, external = offline_context(browser, hostile_app_url, accept_downloads=True)
    page = context.new_page()
    try:
        page.goto(f"{hostile_app_url}/{path}")
        if popover:
            page.get_by_test_id("stPopover").get_by_role("button", name=popover).click(timeout=60_000)
        button = page.get_by_role("button", name=label)
        with page.expect_download(timeout=60_000) as info:
            button.click(timeout=60_000)
        download = info.value
        assert download.suggested_filename.endswith(suffix)
        data = Path(download.path()).read_bytes()
    except Exception:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"failed-download-{path.split('?')[0]}-{suffix[1:]}.png"))
        raise
    finally:
        context.close()
    found = cells(download.suggested_filename, data)
    assert [(v, t) for v, t in found if t == "f"] == []
    texts = [v for v, _ in found if isinstance(v, str)]
    assert [v for v in texts if v.startswith(FORMULA_TRIGGERS)] == []
    # The seeded formulas reached this file (made safe): else the test would prove nothing.
    assert any(v.startswith("'") and v[1:].startswith(FORMULA_TRIGGERS) for v in texts), texts[:20]
    assert external == []
