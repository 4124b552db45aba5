"""deploy/ as a real server gets it, and the store as the workers share it: rendered files, backups, locks.

The running deployment (nginx + 2 workers from these files) is tested in test_deploy_serve.py.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from test_store import _store_args, value_row, values_change

from geo import store as st
from geo.server import deployfiles
from geo.store import backup

ROOT = Path(__file__).resolve().parents[1]
NGINX = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
needs_nginx = pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="Debian nginx-light not installed")


def test_fill_leaves_nginx_variables_and_refuses_a_missing_value():
    assert deployfiles.fill("a ${X} $remote_addr ${y}", {"X": "1"}) == "a 1 $remote_addr ${y}"
    with pytest.raises(deployfiles.MissingValue, match="NOPE"):
        deployfiles.fill("${NOPE}", {})


def test_every_deploy_file_renders_without_a_placeholder_left(tmp_path):
    site = deployfiles.Site(
        ["127.0.0.1:8501", "10.0.0.2:8501"],
        conf_dir=tmp_path / "nginx",
        tls_cert="/etc/ssl/baoding.pem",
        tls_key="/etc/ssl/baoding.key",
    )
    deployfiles.render_site(site)
    values = deployfiles.unit_values([8501, 8502], "/opt/baoding/.venv/bin/python", Path("/opt/baoding"))
    units = deployfiles.render_units(values, tmp_path / "systemd")
    rendered = [*(tmp_path / "nginx").rglob("*.conf"), *(tmp_path / "nginx" / "errors").glob("*.html"), *units]
    assert len(rendered) >= 3 + 3 + 4
    for path in rendered:
        assert not deployfiles.PLACEHOLDER.search(path.read_text()), path
    site_text = (tmp_path / "nginx" / "baoding.conf").read_text()
    assert "server 10.0.0.2:8501 max_fails=1" in site_text and "random two least_conn;" in site_text
    assert "upstream baoding_w2 { server 10.0.0.2:8501;" in site_text and "w2 baoding_w2;" in site_text
    common = (tmp_path / "nginx" / "baoding-common.conf").read_text()
    assert "client_max_body_size 51m;" in common  # limits.MAX_UPLOAD_BYTES (50 MB) + multipart framing
    assert "Strict-Transport-Security" not in common  # HSTS only in the TLS server
    assert "Strict-Transport-Security" in (tmp_path / "nginx" / "baoding-tls.conf").read_text()
    assert "50 MB" in (tmp_path / "nginx" / "errors" / "413.html").read_text()
    worker = (tmp_path / "systemd" / "baoding@.service").read_text()
    for line in ("User=baoding", "Restart=on-failure", "MemoryMax=4G", "TasksMax=512", "LimitNOFILE=65536"):
        assert line in worker.splitlines(), line
    assert "Wants=baoding@8501.service baoding@8502.service" in (tmp_path / "systemd" / "baoding.target").read_text()


def test_the_supervisor_runs_the_worker_units_exec_start():
    cmd = deployfiles.worker_command(8612, "/usr/bin/python3")
    assert cmd[:4] == ["/usr/bin/python3", "-m", "streamlit", "run"]
    assert cmd[4] == str(ROOT / "app.py")
    assert cmd[cmd.index("--server.port") + 1] == "8612"


@needs_nginx
def test_deploy_config_writes_a_site_nginx_accepts(tmp_path):
    """The real server's files: nginx -t accepts the site inside Debian's own http block, TLS included."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "BAODING_TLS_CERT": str(cert), "BAODING_TLS_KEY": str(key)}
    out = tmp_path / "out"
    done = subprocess.run(
        [sys.executable, "-m", "geo", "deploy-config", str(out), "--workers", "8501,10.0.0.2:8501"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    site = out / "etc" / "nginx" / "sites-available" / "baoding.conf"
    assert (out / "etc" / "systemd" / "system" / "baoding@.service").exists()
    # The site refers to /etc/nginx/baoding/...: point it at the rendered copy for the check.
    conf_dir = out / "etc" / "nginx" / "baoding"
    text = site.read_text().replace("/etc/nginx/baoding", str(conf_dir)).replace("/var/log/nginx", str(tmp_path))
    site.write_text(text)
    for part in conf_dir.glob("*.conf"):
        part.write_text(part.read_text().replace("/etc/nginx/baoding", str(conf_dir)))
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    main = run_dir / "nginx.conf"
    main.write_text(
        f"pid {run_dir}/nginx.pid; error_log {run_dir}/error.log; events {{}}\n"
        f"http {{ include /etc/nginx/mime.types; include {site}; }}\n"
    )
    check = subprocess.run(
        [NGINX, "-t", "-p", str(run_dir), "-c", str(main), "-e", str(run_dir / "error.log")],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stderr


# ---------------------------------------------------------------------------------------------
# The store as several workers share it.


def _paused_writer(store: st.Store, release: Path, adcode: str, hook: str = "before_commit") -> subprocess.Popen:
    """Another process committing one value, paused inside its write transaction until ``release`` exists."""
    script = textwrap.dedent(
        f"""
        import time
        from pathlib import Path
        import pandas as pd
        from geo import store as st
        from geo.store import base
        s = {_store_args(store)}
        def pause():
            print("INSIDE", flush=True)
            while not Path({str(release)!r}).exists():
                time.sleep(0.05)
        base._hooks[{hook!r}] = pause
        row = dict(indicator_id="village_exits", adcode={adcode!r}, year="2016", value="7", status="reported",
                   source_id="report2016", locator="", note="")
        v = s.commit({{"values": st.Change(pd.DataFrame([row]))}}, st.Meta("worker"))
        print("COMMITTED", v.id, flush=True)
        """
    )
    proc = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "INSIDE"
    return proc


def test_workers_share_the_geopackage_reads_at_once_writes_one_at_a_time(tmp_path):
    """Three processes on one file: while one holds the write lock, a reader answers at once (the version
    before), a second writer waits; when the first commits, the second lands on top of it."""
    s = st.GeoPackageStore(tmp_path / "baoding.gpkg")
    s.ensure(ROOT / "data")
    release = tmp_path / "release"
    first = _paused_writer(s, release, "130624")
    try:
        t0 = time.monotonic()
        assert s.current_version() == 1 and len(s.dataset().values) > 0  # a read while the writer holds the lock
        assert time.monotonic() - t0 < 5
        second = subprocess.Popen(
            [
                sys.executable,
                "-c",
                f"from test_store import *\ns = st.GeoPackageStore({str(s.path)!r})\n"
                "v = s.commit(values_change(value_row(adcode='130630')), st.Meta('second'))\nprint('COMMITTED', v.id)",
            ],
            cwd=ROOT / "tests",
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        time.sleep(1.5)
        assert second.poll() is None  # waiting for the lock
        assert s.current_version() == 1
        release.touch()
        assert first.communicate(timeout=60)[0].split() == ["COMMITTED", "2"]
        assert second.communicate(timeout=60)[0].split() == ["COMMITTED", "3"]
    finally:
        release.touch()
        for p in (first,):
            if p.poll() is None:
                p.kill()
    exits = s.dataset().values.query("indicator_id == 'village_exits'")
    assert {"130624", "130630"} <= set(exits["adcode"])
    assert backup.check(s).whole


def _restore_target(store: st.Store, tmp_path: Path) -> st.Store:
    if isinstance(store, st.PostGISStore):
        # A new store of the same schema name: the original moves aside (dropped by the fixture's s.drop()).
        from contextlib import closing

        with closing(store._connect()) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{store.schema}_orig" CASCADE')
            con.execute(f'ALTER SCHEMA "{store.schema}" RENAME TO "{store.schema}_orig"')
        return st.PostGISStore(store.url, store.schema)
    return st.GeoPackageStore(tmp_path / "restored" / "baoding.gpkg")


def test_backup_during_an_import_then_restore_gives_every_committed_version(store, tmp_path):
    """An import holds the write lock mid-way (history written, tables not yet) while the backup runs: the
    backup has every version committed before it and nothing of the unfinished one; restored, it is whole
    and gives the same versions and values."""
    store.commit(values_change(value_row(adcode="130631")), st.Meta("before"))
    committed = {v.id: store.content(v.id) for v in store.versions()}
    release = tmp_path / "release"
    writer = _paused_writer(store, release, "130624", hook="history_written")
    try:
        report = backup.backup(store, tmp_path / "backup.bin")
    finally:
        release.touch()
        out = writer.communicate(timeout=60)[0]
    assert out.split() == ["COMMITTED", "3"]  # the import was not disturbed
    assert report.versions == [2, 1]
    saved_versions = [v for v in store.versions() if v.id in committed]
    target = _restore_target(store, tmp_path)
    try:
        restored = backup.restore(tmp_path / "backup.bin", target)
        assert restored.whole, restored.problems
        assert restored.versions == [2, 1]
        assert target.versions() == saved_versions
        for vid, content in committed.items():
            assert target.content(vid) == content
        assert target.content() == committed[2]
        with pytest.raises(st.StoreError, match="exists"):
            backup.restore(tmp_path / "backup.bin", target)  # never over an existing store
    finally:
        if isinstance(target, st.PostGISStore):
            target.drop()
            st.PostGISStore(store.url, f"{store.schema}_orig").drop()


def test_a_damaged_backup_is_refused(tmp_path):
    s = st.GeoPackageStore(tmp_path / "a.gpkg")
    s.ensure(ROOT / "data")
    backup.backup(s, tmp_path / "b.gpkg")
    data = bytearray((tmp_path / "b.gpkg").read_bytes())
    data[len(data) // 2 : len(data) // 2 + 4096] = b"\xff" * 4096
    (tmp_path / "c.gpkg").write_bytes(bytes(data))
    with pytest.raises((st.StoreError, sqlite3.DatabaseError)):
        backup.restore(tmp_path / "c.gpkg", st.GeoPackageStore(tmp_path / "new.gpkg"))
    assert not (tmp_path / "new.gpkg").exists()
    (tmp_path / "d.txt").write_text("not a backup")
    with pytest.raises(st.StoreError, match="not a backup"):
        backup.restore(tmp_path / "d.txt", st.GeoPackageStore(tmp_path / "new.gpkg"))


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
def test_systemd_accepts_the_units(tmp_path):
    """systemd-analyze verify on the rendered units, one worker instance included: no warning at all."""
    values = deployfiles.unit_values([8501, 8502], sys.executable)
    deployfiles.render_units(values, tmp_path)
    shutil.copy(tmp_path / "baoding@.service", tmp_path / "baoding@8501.service")
    shutil.copy(tmp_path / "baoding@.service", tmp_path / "baoding@8502.service")
    units = [str(tmp_path / n) for n in ("baoding@8501.service", "baoding-watchdog.service", "baoding.target")]
    done = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", *units],
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "SYSTEMD_LOG_LEVEL": "notice"},
    )
    problems = [line for line in (done.stdout + done.stderr).splitlines() if str(tmp_path) in line]
    assert done.returncode == 0 and problems == [], done.stdout + done.stderr
