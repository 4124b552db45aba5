"""Back up the store while the app runs, restore it into a new store, and check that a store is whole.

- GeoPackage: SQLite's online backup API copies the file page by page from one read snapshot (WAL mode:
  an import writing meanwhile neither waits nor gets into the copy half-done); the copy is checked
  (``PRAGMA integrity_check``) before it replaces the backup file.
- PostGIS: ``pg_dump --format=custom`` of the store's schema (one snapshot), restored with ``pg_restore``
  into a database that has PostGIS and no such schema yet. The password goes through the environment,
  never the command line.

A restore never overwrites: the target store must not exist yet.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import uuid
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from geo.store.base import Store
from geo.store.gpkg import GeoPackageStore
from geo.store.postgis import PostGISStore
from geo.store.tables import BUSY_TIMEOUT_S, StoreError

SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"


@dataclass(frozen=True)
class Report:
    """What a backup holds, or what a check found: versions newest first, problems (empty: whole)."""

    path: str
    versions: list[int]
    problems: list[str]

    @property
    def whole(self) -> bool:
        return not self.problems


def _sqlite_integrity(path: Path) -> list[str]:
    with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as con:
        rows = [r[0] for r in con.execute("PRAGMA integrity_check")]
        rows += [f"foreign key: {r}" for r in con.execute("PRAGMA foreign_key_check")]
    return [] if rows == ["ok"] else rows


def check(store: Store) -> Report:
    """Is the store whole? The file's integrity (GeoPackage), versions numbered 1..n without a gap, and the
    tables the app reads equal to the content the history gives for the newest version."""
    problems: list[str] = []
    if isinstance(store, GeoPackageStore):
        problems += _sqlite_integrity(store.path)
    ids = sorted(v.id for v in store.versions())
    if ids != list(range(1, len(ids) + 1)):
        problems.append(f"versions are not numbered 1..{len(ids)}: {ids}")
    if ids and store.content() != store.content(ids[-1]):
        problems.append(f"the current tables differ from the history at version {ids[-1]}")
    return Report(store.label, sorted(ids, reverse=True), problems)


def _pg_env(store: PostGISStore) -> dict[str, str]:
    import psycopg.conninfo

    info = psycopg.conninfo.conninfo_to_dict(store.url)
    names = {
        "host": "PGHOST",
        "port": "PGPORT",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "dbname": "PGDATABASE",
        "sslmode": "PGSSLMODE",
    }
    return {**os.environ, **{env: str(info[k]) for k, env in names.items() if info.get(k) not in (None, "")}}


def _run(cmd: list[str], env: dict[str, str], what: str) -> None:
    if shutil.which(cmd[0]) is None:
        raise StoreError(what, f"{cmd[0]} is not installed (Debian: apt-get install postgresql-client)")
    done = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise StoreError(what, f"{cmd[0]} failed: {done.stderr.strip()[-800:]}")


def backup(store: Store, dest: Path) -> Report:
    """Copy the store into ``dest`` while it is in use; returns what the copy holds."""
    dest = Path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{uuid.uuid4().hex}.tmp")
    try:
        if isinstance(store, GeoPackageStore):
            with closing(store._connect()) as src, closing(sqlite3.connect(tmp)) as dst:
                src.execute(f"PRAGMA busy_timeout = {int(BUSY_TIMEOUT_S * 1000)}")
                src.backup(dst)  # all pages in one step: one consistent snapshot
            problems = _sqlite_integrity(tmp)
            if problems:
                raise StoreError(str(dest), f"the copy is not whole: {problems[:5]}")
            tmp.replace(dest)
            return check(GeoPackageStore(dest))
        if isinstance(store, PostGISStore):
            cmd = [
                "pg_dump",
                "--format=custom",
                f"--schema={store.schema}",
                "--no-owner",
                "--no-privileges",
                f"--file={tmp}",
            ]
            _run(cmd, _pg_env(store), store.label)
            tmp.replace(dest)
            return Report(str(dest), sorted((v.id for v in store.versions()), reverse=True), [])
        raise StoreError(store.label, "backups are made of GeoPackage and PostGIS stores")
    finally:
        tmp.unlink(missing_ok=True)


def backup_kind(path: Path) -> str:
    """'gpkg' or 'pgdump' from the file's first bytes."""
    with open(path, "rb") as f:
        head = f.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "gpkg"
    if head.startswith(PGDUMP_MAGIC):
        return "pgdump"
    raise StoreError(str(path), "not a backup of this app (neither a GeoPackage nor a pg_dump file)")


def restore(src: Path, target: Store) -> Report:
    """Restore the backup ``src`` into ``target``, which must not exist yet; returns the check of the result."""
    src = Path(src)
    kind = backup_kind(src)
    if isinstance(target, GeoPackageStore):
        if kind != "gpkg":
            raise StoreError(str(src), "a PostGIS backup restores into PostGIS (set DATABASE_URL)")
        if target.path.exists():
            raise StoreError(target.label, "the store already exists; restore into a new path (BAODING_STORE)")
        problems = _sqlite_integrity(src)
        if problems:
            raise StoreError(str(src), f"the backup is not whole: {problems[:5]}")
        target.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.path.with_name(f".{target.path.stem}.{os.getpid()}.{uuid.uuid4().hex}.tmp.gpkg")
        try:
            with closing(sqlite3.connect(f"{src.resolve().as_uri()}?mode=ro", uri=True)) as s:
                with closing(sqlite3.connect(tmp)) as d:
                    s.backup(d)
                    d.execute("PRAGMA journal_mode=WAL")
            os.link(tmp, target.path)  # fails if the store appeared meanwhile: nothing overwritten
        except FileExistsError:
            raise StoreError(target.label, "the store appeared while restoring; nothing overwritten") from None
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        return check(target)
    if isinstance(target, PostGISStore):
        if kind != "pgdump":
            raise StoreError(str(src), "a GeoPackage backup restores into a GeoPackage (unset DATABASE_URL)")
        with closing(target._connect()) as con:
            if con.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (target.schema,)).fetchone():
                raise StoreError(target.label, f"schema {target.schema} exists; restore into a new database or schema")
        listing = subprocess.run(["pg_restore", "--list", str(src)], capture_output=True, text=True)
        if f"SCHEMA - {target.schema} " not in listing.stdout:
            raise StoreError(str(src), f"the backup is not of schema {target.schema} (set BAODING_PG_SCHEMA to its)")
        cmd = [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--schema={target.schema}",
            "--dbname",
            _pg_env(target).get("PGDATABASE", ""),
            str(src),
        ]
        with closing(target._connect()) as con:
            con.execute(f'CREATE SCHEMA "{target.schema}"')
        try:
            _run(cmd, _pg_env(target), target.label)
        except StoreError:
            target.drop()  # the schema this restore created, so a second try starts clean
            raise
        return check(target)
    raise StoreError(target.label, "restores go into a GeoPackage or PostGIS store")
