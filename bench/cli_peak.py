"""Peak memory of ``python -m geo import --dry-run`` on two hostile files (issues 25.4, 26.4), for a worktree.

    python bench/cli_peak.py WORKTREE [WORKTREE ...]

Files (made once in a temporary folder):
- ``zip_1m_points``: a zipped Shapefile of 1,000,000 points (about 5 MB zipped; 20 times the row limit);
- ``view_10m_rows``: a GeoPackage whose layer is a view of 10,000,000 rows computed by a recursive CTE.

Each import runs with its worktree's code, a store in a temporary folder and an address-space cap of
CAP_GB on the command (so code without limits dies at the cap instead of taking the machine's memory),
for at most CAP_S seconds. The process tree's resident memory is sampled every 50 ms from /proc: the
command's own peak, its children's (the checking child) and the tree's total. Prints one line per run.
"""

from __future__ import annotations

import io
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
CAP_GB = 6
CAP_S = 150


def make(folder: Path) -> dict[str, Path]:
    import geopandas as gpd

    n = 1_000_000
    points = gpd.GeoDataFrame(
        {"name_zh": ["点"] * n, "programme": ["pv"] * n},
        geometry=gpd.points_from_xy([115.0] * n, [38.9] * n),
        crs="EPSG:4326",
    )
    shp = folder / "shp"
    shp.mkdir()
    points.to_file(shp / "p.shp")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for part in shp.iterdir():
            z.write(part, part.name)
    (folder / "zip_1m_points.zip").write_bytes(out.getvalue())

    from geo.model.boundaries import read_counties

    counties = read_counties(Path(__file__).resolve().parents[1] / "data" / "counties.geojson")
    gpkg = folder / "view_10m_rows.gpkg"
    counties[counties["adcode"] == "130624"].to_file(gpkg, driver="GPKG", layer="b")
    conn = sqlite3.connect(gpkg)
    conn.executescript(
        "CREATE VIEW w AS WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 10000000) "
        "SELECT x AS fid, (SELECT geom FROM b) AS geom, '130624' AS adcode FROM c;"
        "DELETE FROM gpkg_contents;"
        "INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES ('w', 'features', 'w', 4326);"
        "INSERT INTO gpkg_geometry_columns VALUES ('w', 'geom', 'GEOMETRY', 4326, 0, 0);"
    )
    conn.commit()
    conn.close()
    return {"zip_1m_points": folder / "zip_1m_points.zip", "view_10m_rows": gpkg}


def _rss_kb(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(entry.name))
    return found


def _cap() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (CAP_GB * 2**30, CAP_GB * 2**30))


def run(worktree: Path, path: Path, folder: Path) -> str:
    env = {**os.environ, "BAODING_STORE": str(folder / f"store-{worktree.name}.gpkg"), "PYTHONPATH": str(worktree)}
    cmd = [sys.executable, "-m", "geo", "import", str(path), "--dry-run"]
    start = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=worktree, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=_cap
    )
    own = kids = total = 0
    while proc.poll() is None and time.monotonic() - start < CAP_S:
        a = _rss_kb(proc.pid)
        b = sum(_rss_kb(c) for c in _children(proc.pid))
        own, kids, total = max(own, a), max(kids, b), max(total, a + b)
        time.sleep(0.05)
    if proc.poll() is None:
        proc.kill()
    out, err = proc.communicate()
    said = (out.strip().splitlines() or err.strip().splitlines() or ["?"])[0][:150]
    took = time.monotonic() - start
    return (
        f"{worktree.name:16} {path.stem:14} {took:6.1f} s  peak RSS: command {own / 1024:6.0f} MB,"
        f" child {kids / 1024:6.0f} MB, tree {total / 1024:6.0f} MB  exit {proc.returncode}  {said}"
    )


if __name__ == "__main__":
    print(f"load average {os.getloadavg()}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        files = make(Path(tmp))
        print(f"zip_1m_points.zip {files['zip_1m_points'].stat().st_size / 1e6:.1f} MB", flush=True)
        trees = [Path(t).resolve() for t in sys.argv[1:]]
        for tree in trees:  # each worktree's store, created before anything is measured
            env = {**os.environ, "BAODING_STORE": str(Path(tmp) / f"store-{tree.name}.gpkg"), "PYTHONPATH": str(tree)}
            subprocess.run(
                [sys.executable, "-m", "geo", "versions"], cwd=tree, env=env, capture_output=True, check=True
            )
        for path in files.values():
            for tree in trees:
                print(run(tree, path, Path(tmp)), flush=True)
    print(f"load average {os.getloadavg()}", flush=True)
