"""Hostile files against the importer (issue 11, item 4): time and peak memory of each, measured once.

    python bench/hostile_imports.py [NAME ...]

Each file is made in a temporary folder and checked by ``prepare_import`` in a child process with
an address-space cap (3 GB) and a time cap (90 s), so a file that takes the server down takes only
the child. Prints one line per file: seconds, peak RSS (MB), and the first problem reported.
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CAP_BYTES = 3 * 2**30
CAP_S = 90


def _xlsx(shared_xml: bytes, sheet_xml: bytes) -> bytes:
    """A minimal workbook written by hand: openpyxl would refuse to make the hostile ones."""
    ct = (
        b'<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships'
        b'+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override '
        b'PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
        b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
    )
    rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
        b'2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    wb = (
        b'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
        b'2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet '
        b'name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )
    wb_rels = (
        b'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
        b'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2"'
        b' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" '
        b'Target="sharedStrings.xml"/></Relationships>'
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", ct)
        z.writestr("_rels/.rels", rels)
        z.writestr("xl/workbook.xml", wb)
        z.writestr("xl/_rels/workbook.xml.rels", wb_rels)
        z.writestr("xl/sharedStrings.xml", shared_xml)
        z.writestr("xl/worksheets/sheet1.xml", sheet_xml)
    return out.getvalue()


SHEET_HEAD = b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
SHEET_TAIL = b"</sheetData></worksheet>"
SST_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def make(name: str) -> tuple[str, bytes]:
    head = "county,indicator,year,value,source\n"
    if name == "wan_repeated":  # quadratic multiplier peeling: 3.6 MB of 万, 30 cells under the CSV field limit
        rows = "".join(f"阜平,village_exits,{2000 + i},1{'万' * 40_000},report2016\n" for i in range(30))
        return "w.csv", (head + rows).encode()
    if name == "yi_overflow":  # 1 followed by 130,000 亿: decimal.Overflow
        return "y.csv", (head + "阜平,village_exits,2016,1" + "亿" * 130_000 + ",report2016\n").encode()
    if name == "shared_strings":  # 8 million shared strings in a few hundred KB
        sst = SST_HEAD + b"<si><t>a</t></si>" * 8_000_000 + b"</sst>"
        sheet = SHEET_HEAD + b'<row r="1"><c r="A1" t="s"><v>0</v></c></row>' + SHEET_TAIL
        return "s.xlsx", _xlsx(sst, sheet)
    if name == "wide_row_xlsx":  # 5 million cells in one row
        sheet = SHEET_HEAD + b'<row r="1">' + b'<c t="s"><v>0</v></c>' * 5_000_000 + b"</row>" + SHEET_TAIL
        return "r.xlsx", _xlsx(SST_HEAD + b"<si><t>ab</t></si></sst>", sheet)
    if name == "wide_row_csv":  # 5 million cells in one row of a CSV
        return "r.csv", ("ab," * 5_000_000 + "\n" + "1\n").encode()
    if name == "unknown_counties":  # 50,000 distinct county names that match nothing
        rows = "".join(f"县{i:05d}x,village_exits,2016,1,report2016\n" for i in range(50_000))
        return "u.csv", (head + rows).encode()
    if name == "million_vertices":  # one polygon of 1,000,000 vertices around Fuping
        import numpy as np

        t = np.linspace(0, 2 * np.pi, 1_000_000, endpoint=False)
        ring = np.round(np.c_[114.2 + 0.1 * np.cos(t), 38.85 + 0.1 * np.sin(t)], 6).tolist()
        ring.append(ring[0])
        doc = {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "properties": {"adcode": "130624"},
                    "geometry": {"type": "Polygon", "coordinates": [ring]},
                }
            ],
        }
        return "v.geojson", json.dumps(doc).encode()
    if name in ("largest_csv", "largest_xlsx"):  # at the limits: 50,000 valid rows of 5 cells
        import csv as csv_module

        ids = [
            r["indicator_id"]
            for r in csv_module.DictReader((ROOT / "data" / "indicators.csv").open())
            if r["kind"] == "numeric"
        ][:60]
        features = json.loads((ROOT / "data" / "counties.geojson").read_text())["features"]
        codes = [f["properties"]["adcode"] for f in features]
        rows = [(c, i, str(1950 + y), str(y), "report2016") for y in range(150) for c in codes for i in ids]
        rows = rows[:50_000]
        if name == "largest_csv":
            return "l.csv", (head + "".join(",".join(r) + "\n" for r in rows)).encode()
        import openpyxl

        wb = openpyxl.Workbook(write_only=True)
        ws = wb.create_sheet()
        ws.append(head.strip().split(","))
        for r in rows:
            ws.append(list(r))
        out = io.BytesIO()
        wb.save(out)
        return "l.xlsx", out.getvalue()
    raise KeyError(name)


NAMES = (
    "wan_repeated",
    "yi_overflow",
    "shared_strings",
    "wide_row_xlsx",
    "wide_row_csv",
    "unknown_counties",
    "million_vertices",
    "largest_csv",
    "largest_xlsx",
)

CHILD = """
import resource, sys, time
from pathlib import Path
from geo.model.boundaries import read_counties
from geo.model.indicators import load_dataset
from geo.store import imports
data_dir = Path(sys.argv[2])
ds, counties = load_dataset(data_dir), read_counties(data_dir / "counties.geojson")
data = Path(sys.argv[1]).read_bytes()
start = time.monotonic()
try:
    r = imports.prepare_import(data, Path(sys.argv[1]).name, ds, counties)
    said = f"{len(r.problems)} problem(s): " + (str(r.problems[0])[:150] if r.problems else "ok")
except BaseException as exc:
    said = f"{type(exc).__name__}: {str(exc)[:100]}"
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{time.monotonic() - start:6.2f} s  peak {peak:6.0f} MB  {said}")
"""


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_BYTES, CAP_BYTES))


def measure(name: str, folder: Path) -> str:
    file_name, data = make(name)
    path = folder / file_name
    path.write_bytes(data)
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(ROOT / "data")],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_cap,
    )
    try:
        out, err = proc.communicate(timeout=CAP_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        out, err = "", f"killed after {CAP_S} s"
    tail = out.strip() or (err.strip().splitlines() or ["?"])[-1][:150]
    return f"{name:18} {len(data) / 1e6:6.2f} MB file  {tail}"


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as tmp:
        for name in sys.argv[1:] or NAMES:
            print(measure(name, Path(tmp)), flush=True)
