"""The data store, against both backends: seed, versions, diff, rollback, atomicity, concurrency."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pandas as pd
import pytest

from geo import store as st
from geo.model import boundaries, indicators
from geo.model.indicators import DataError
from geo.store import base

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def value_row(indicator="village_exits", adcode="130624", year="2016", value="5", source="report2016", **extra):
    return {
        "indicator_id": indicator,
        "adcode": adcode,
        "year": year,
        "value": value,
        "status": "reported",
        "source_id": source,
        "locator": "",
        "note": "",
        **extra,
    }


def values_change(*rows: dict) -> st.Changeset:
    return {"values": st.Change(pd.DataFrame(list(rows)))}


def test_seed_matches_the_files_in_data(store):
    assert store.current_version() == 1
    (v1,) = store.versions()
    assert v1.who == "seed" and v1.added > 200 and v1.changed == v1.removed == 0
    assert len(v1.file_sha256) == 64
    ds = store.dataset()
    files = indicators.load_dataset(DATA)
    pd.testing.assert_frame_equal(ds.values.reset_index(drop=True), files.values.reset_index(drop=True))
    pd.testing.assert_frame_equal(ds.sources.reset_index(drop=True), files.sources.reset_index(drop=True))
    counties = store.counties()
    expected = boundaries.read_counties(DATA / "counties.geojson")
    assert counties.crs.to_epsg() == 4326
    assert counties["adcode"].tolist() == expected["adcode"].tolist()
    assert counties.geometry.geom_equals_exact(expected.geometry, tolerance=0).all()
    if (DATA / "sites.csv").exists():
        assert len(store.sites()) == len(pd.read_csv(DATA / "sites.csv"))


def test_ensure_again_adds_no_version(store):
    assert store.ensure(DATA) is None
    assert store.current_version() == 1


def test_commit_diff_and_rollback(store):
    v2 = store.commit(values_change(value_row()), st.Meta("alice", "a.csv", "ab" * 32))
    assert (v2.id, v2.who, v2.added, v2.changed, v2.removed) == (2, "alice", 1, 0, 0)
    v3 = store.commit(values_change(value_row(value="7")), st.Meta("bob", "b.csv"))
    assert (v3.added, v3.changed) == (0, 1)
    got = store.dataset().values
    row = got[(got["indicator_id"] == "village_exits") & (got["adcode"] == "130624") & (got["year"] == 2016)]
    assert row["number"].tolist() == [7.0] and row["source_id"].tolist() == ["report2016"]

    d = store.diff(1, 3)
    assert list(d) == ["values"] and len(d["values"].added) == 1
    d23 = store.diff(2, 3)["values"]
    ((old, new),) = d23.changed
    assert json.loads(old)["value"] == "5" and json.loads(new)["value"] == "7"
    frame = st.diff_frame("values", d23)
    assert frame["change"].tolist() == ["changed"] and frame["was"].iloc[0] == "value: 5"

    v4 = store.rollback(2, "carol")
    assert v4.id == 4 and v4.note == "rollback to version 2" and v4.changed == 1
    assert store.content() == store.content(2)
    store.rollback(1, "carol")
    assert store.content() == store.content(1)
    assert [v.id for v in store.versions()] == [5, 4, 3, 2, 1]
    with pytest.raises(KeyError):
        store.rollback(99, "carol")


def test_nothing_changed_records_no_version(store):
    seed_row = store.dataset().values.iloc[0]
    same = {c: str(seed_row[c]) for c in indicators.SCHEMAS["values.csv"]}
    assert store.commit(values_change(same), st.Meta("alice")) is None
    assert store.current_version() == 1


def test_invalid_change_writes_nothing(store):
    before = store.content()
    with pytest.raises(DataError, match="unknown source_id"):
        store.commit(values_change(value_row(source="no_such_source")), st.Meta("alice"))
    with pytest.raises(DataError, match="adcode is not a Baoding unit"):
        store.commit(values_change(value_row(adcode="110101")), st.Meta("alice"))
    assert store.current_version() == 1 and store.content() == before


def test_preview_counts_added_changed_unchanged(store):
    seed_row = store.dataset().values.iloc[0]
    same = {c: str(seed_row[c]) for c in indicators.SCHEMAS["values.csv"]}
    changed = {**same, "note": "new note"}
    other = {c: str(store.dataset().values.iloc[1][c]) for c in indicators.SCHEMAS["values.csv"]}
    p = store.preview(values_change(value_row(), changed, other))["values"]
    assert (len(p.added), len(p.changed), p.unchanged) == (1, 1, 1)
    assert store.current_version() == 1  # a preview writes nothing


def test_deleting_and_replacing_rows(store):
    key = ("village_exits", "130624", "2016", "reported")
    store.commit(values_change(value_row()), st.Meta("a"))
    v = store.commit({"values": st.Change(delete=(key,))}, st.Meta("a"))
    assert v.removed == 1
    counties = store.counties()
    renamed = counties.assign(name_en=counties["name_en"].where(counties["adcode"] != "130624", "Fuping (renamed)"))
    v = store.commit({"counties": st.Change(renamed, replace=True)}, st.Meta("a", note="boundaries"))
    assert (v.changed, v.added, v.removed) == (1, 0, 0)
    assert "Fuping (renamed)" in store.counties()["name_en"].tolist()


def test_seed_changes_are_applied_without_touching_imports(store, tmp_path):
    store.commit(values_change(value_row()), st.Meta("alice"))
    seed = tmp_path / "seed"
    shutil.copytree(DATA, seed)
    values = pd.read_csv(seed / "values.csv", dtype=str, keep_default_na=False)
    first = values.iloc[0].to_dict()
    values.loc[0, "note"] = "corrected in review"
    values = values.drop(index=1)
    values.to_csv(seed / "values.csv", index=False)
    v = store.ensure(seed)
    assert v is not None and v.who == "seed" and (v.changed, v.removed) == (1, 1)
    got = store.dataset().values
    assert "corrected in review" in got["note"].tolist()
    assert ((got["indicator_id"] == "village_exits") & (got["adcode"] == "130624")).any()  # alice's import stays
    assert first["indicator_id"] in got["indicator_id"].tolist()


def test_concurrent_commits_are_serialised_and_both_land(store):
    """The first writer holds the lock for a while; the second waits, then merges on top."""
    inside = threading.Event()

    def slow_first_writer():
        if threading.current_thread().name == "first":
            inside.set()
            time.sleep(0.8)

    base._hooks["before_commit"] = slow_first_writer
    results: dict[str, st.Version | None] = {}

    def run(name: str, row: dict) -> None:
        results[name] = store.commit(values_change(row), st.Meta(name))

    try:
        first = threading.Thread(target=run, args=("first", value_row(adcode="130624")), name="first")
        second = threading.Thread(target=run, args=("second", value_row(adcode="130630")), name="second")
        first.start()
        assert inside.wait(10)
        second.start()
        first.join(30)
        second.join(30)
    finally:
        base._hooks.clear()
    assert sorted(v.id for v in results.values()) == [2, 3]
    got = store.dataset().values
    exits = got[got["indicator_id"] == "village_exits"]
    assert {"130624", "130630"} <= set(exits["adcode"])


def _store_args(store: st.Store) -> str:
    if isinstance(store, st.PostGISStore):
        return f"st.PostGISStore({store.url!r}, {store.schema!r})"
    return f"st.GeoPackageStore({str(store.path)!r})"


def test_killed_import_leaves_the_previous_version_intact(store):
    """kill -9 in the middle of a large import: nothing of it is visible, and the store still works."""
    before = store.content()
    script = textwrap.dedent(
        f"""
        import sys, time
        import pandas as pd
        from geo import store as st
        from geo.store import base
        s = {_store_args(store)}
        def pause():
            print("MID", flush=True)
            time.sleep(120)
        base._hooks["history_written"] = pause
        rows = [dict(indicator_id="village_exits", adcode="130624", year=str(1000 + i), value=str(i),
                     status="reported", source_id="report2016", locator="", note="") for i in range(2000)]
        s.commit({{"values": st.Change(pd.DataFrame(rows))}}, st.Meta("killed"))
        print("COMMITTED", flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        line = proc.stdout.readline()
        assert line.strip() == "MID", line
        proc.kill()  # SIGKILL: no cleanup, no rollback by the client
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert store.current_version() == 1
    assert store.content() == before
    v = store.commit(values_change(value_row()), st.Meta("after"))  # the lock was released with the process
    assert v.id == 2


def test_geopackage_opens_in_gdal_like_qgis(tmp_path):
    import pyogrio

    s = st.GeoPackageStore(tmp_path / "fresh" / "var" / "baoding.gpkg")  # no var/ folder yet: created
    s.ensure(DATA)
    layers = dict(pyogrio.list_layers(s.path))
    assert layers["counties"] == "MultiPolygon"
    for name in ("values", "sources", "indicators", "versions", "history"):
        assert name in layers and layers[name] is None  # attribute tables
    counties = pyogrio.read_dataframe(s.path, layer="counties")
    assert len(counties) == 24 and counties.crs.to_epsg() == 4326 and counties.is_valid.all()
    values = pyogrio.read_dataframe(s.path, layer="values")
    assert len(values) == len(s.dataset().values)
    assert pyogrio.read_info(s.path, layer="counties")["features"] == 24


def test_geopackage_is_version_1_2_and_ogrinfo_opens_it_without_a_warning(tmp_path):
    import sqlite3

    from geo.store import gpkg

    s = st.GeoPackageStore(tmp_path / "baoding.gpkg")
    s.ensure(DATA)
    with sqlite3.connect(s.path) as con:
        application_id = con.execute("PRAGMA application_id").fetchone()[0]
        user_version = con.execute("PRAGMA user_version").fetchone()[0]
    assert (application_id, user_version) == (0x47504B47, 10200) == (gpkg.GPKG_APPLICATION_ID, gpkg.GPKG_USER_VERSION)
    ogrinfo = shutil.which("ogrinfo")
    if ogrinfo is None:
        pytest.skip("ogrinfo not installed (Debian gdal-bin; make system-deps installs it)")
    run = subprocess.run([ogrinfo, "-so", str(s.path), "counties"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "Warning" not in run.stderr + run.stdout and "Feature Count: 24" in run.stdout


def test_an_older_geopackage_gets_missing_tables(tmp_path):
    import sqlite3

    s = st.GeoPackageStore(tmp_path / "baoding.gpkg")
    s.ensure(DATA)
    with sqlite3.connect(s.path) as con:
        con.execute("DROP TABLE sites")
        con.execute("DELETE FROM gpkg_contents WHERE table_name = 'sites'")
    st.GeoPackageStore(s.path).ensure(DATA)
    assert "sites" in st.GeoPackageStore(s.path).content()


def test_open_store_follows_settings(monkeypatch, tmp_path):
    monkeypatch.setenv("BAODING_STORE", str(tmp_path / "x.gpkg"))
    assert isinstance(st.open_store(), st.GeoPackageStore)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:secret@db.example:5433/maps")
    s = st.open_store()
    assert isinstance(s, st.PostGISStore) and "secret" not in s.label and "db.example:5433/maps" in s.label


def test_unreachable_postgis_is_a_store_error():
    s = st.PostGISStore("postgresql://nobody:x@127.0.0.1:9/none", "baoding")
    with pytest.raises(st.StoreError, match="cannot connect"):
        s.current_version()


def test_stale_temp_files_of_a_killed_creation_are_removed(tmp_path):
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(done.stdout)
    stale = tmp_path / f".baoding.{dead_pid}.0123abcd.tmp.gpkg"
    live = tmp_path / f".baoding.{os.getpid()}.4567ef.tmp.gpkg"  # a creation still under way
    for path in (stale, Path(f"{stale}-wal"), live):
        path.write_bytes(b"half a store")
    st.GeoPackageStore(tmp_path / "baoding.gpkg").ensure(DATA)
    assert not stale.exists() and not Path(f"{stale}-wal").exists() and live.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, "baoding.gpkg"])


@pytest.mark.parametrize("command", [["versions"], ["rollback", "1"]])
def test_cli_says_one_line_for_a_broken_seed_file(tmp_path, monkeypatch, command):
    from geo.__main__ import main

    data = tmp_path / "data"
    shutil.copytree(DATA, data)
    (data / "counties.geojson").write_text("{not json", encoding="utf-8")
    monkeypatch.setenv("BAODING_DATA_DIR", str(data))
    monkeypatch.setenv("BAODING_STORE", str(tmp_path / "var" / "baoding.gpkg"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(SystemExit) as stopped:
        main(command)
    message = str(stopped.value.code)
    assert message.startswith("store: ") and "invalid JSON at line 1" in message and "\n" not in message
