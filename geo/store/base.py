"""The Store interface: every write one transaction that records a version; history, diffs, rollback.

Backends (geo.store.gpkg, geo.store.postgis) implement the few SQL-specific parts.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from geo import settings
from geo.model import indicators, sites
from geo.store.tables import (
    INDICATOR_TABLES,
    ROLLBACK_NOTE,
    SEED_NOTE,
    TABLES,
    Change,
    Changeset,
    Content,
    Meta,
    Rows,
    TableDiff,
    Version,
    apply_change,
    check_counties,
    decode_rows,
    diff_rows,
    encode_frame,
    seed_content,
    seed_sha256,
)

# A test seam: crash-consistency tests stop or kill a writer at a named point.
_hooks: dict[str, Callable[[], None]] = {}


def _hook(name: str) -> None:
    if name in _hooks:
        _hooks[name]()


class Store(ABC):
    """The app's tables with their history. Backends implement the few SQL-specific parts."""

    #: shown in messages and used as a cache key (never contains a password)
    label: str
    placeholder = "?"

    # --- backend parts -------------------------------------------------------

    @abstractmethod
    def _connect(self) -> Any: ...

    @abstractmethod
    def _create(self) -> None:
        """Create the store, or the tables it lacks (idempotent: run on every start)."""

    @contextmanager
    @abstractmethod
    def _write(self) -> Iterator[Any]:
        """A connection in a transaction that holds the store's write lock."""

    @contextmanager
    @abstractmethod
    def _read(self) -> Iterator[Any]:
        """A connection reading one consistent snapshot."""

    @abstractmethod
    def _read_counties(self, con: Any) -> gpd.GeoDataFrame: ...

    @abstractmethod
    def _write_counties(self, con: Any, frame: gpd.GeoDataFrame) -> None: ...

    @abstractmethod
    def _insert_many(self, con: Any, table: str, columns: list[str], rows: list[tuple]) -> None: ...

    @abstractmethod
    def _close_rows(self, con: Any, table: str, keys: list[str], version: int) -> None: ...

    # --- helpers ---------------------------------------------------------------

    def _sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def _all(self, con: Any, text: str, params: tuple = ()) -> list[tuple]:
        cur = con.execute(self._sql(text), params)
        return list(cur.fetchall())

    def _read_table(self, con: Any, table: str) -> pd.DataFrame:
        spec = TABLES[table]
        if spec.geometry:
            return self._read_counties(con)
        cols = ", ".join(f'"{c}"' for c in spec.columns)
        rows = self._all(con, f'SELECT {cols} FROM "{table}" ORDER BY fid')
        return pd.DataFrame.from_records(rows, columns=list(spec.columns))

    def _current(self, con: Any) -> Content:
        return {name: encode_frame(name, self._read_table(con, name)) for name in TABLES}

    def _content_at(self, con: Any, version: int) -> Content:
        rows = self._all(
            con,
            "SELECT tbl, key, row FROM history WHERE added_in <= ? AND (removed_in IS NULL OR removed_in > ?) "
            "ORDER BY fid",
            (version, version),
        )
        content: Content = {name: {} for name in TABLES}
        for tbl, key, row in rows:
            content.setdefault(tbl, {})[key] = row
        return content

    def _meta(self, con: Any, name: str) -> str | None:
        rows = self._all(con, "SELECT value FROM store_meta WHERE name = ?", (name,))
        return rows[0][0] if rows else None

    def _set_meta(self, con: Any, name: str, value: str) -> None:
        con.execute(self._sql("DELETE FROM store_meta WHERE name = ?"), (name,))
        con.execute(self._sql("INSERT INTO store_meta (name, value) VALUES (?, ?)"), (name, value))

    def _materialise(self, con: Any, table: str, rows: Rows) -> None:
        frame = decode_rows(table, rows.values())
        if TABLES[table].geometry:
            self._write_counties(con, frame)
            return
        con.execute(f'DELETE FROM "{table}"')
        cols = list(TABLES[table].columns)
        self._insert_many(con, table, cols, list(frame[cols].itertuples(index=False, name=None)))

    def validate(self, content: Content) -> indicators.Dataset:
        """Cross-check whole content (all tables) as the app will read it; DataError if it does not hold."""
        counties = decode_rows("counties", content["counties"].values())
        check_counties(counties, self.label)
        frames = {TABLES[n].seed_file: decode_rows(n, content[n].values()) for n in INDICATOR_TABLES}
        ds = indicators.validate_tables(frames, set(counties["adcode"]), self.label)
        site_rows = decode_rows("sites", content["sites"].values())
        if len(site_rows):
            sites.validate_sites(
                site_rows.assign(line=range(2, len(site_rows) + 2)),
                Path(self.label) / "sites.csv",
                counties,
                set(ds.programmes["programme_id"]),
                set(ds.sources["source_id"]),
            )
        return ds

    def _commit(
        self,
        make_new: Callable[[Any, Content], Content],
        meta: Meta,
        after: Callable[[Any], None] | None = None,
    ) -> Version | None:
        """Run one write: new content from the current one, checked, recorded as a version.

        Returns None (and records no version) when nothing changes.
        """
        with self._write() as con:
            current = self._current(con)
            new = make_new(con, current)
            diffs = {n: diff_rows(current[n], new[n]) for n in TABLES if new[n] != current[n]}
            diffs = {n: d for n, d in diffs.items() if not d.empty}
            version = None
            if diffs:
                self.validate(new)
                vid = int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0]) + 1
                counts = [sum(len(getattr(d, a)) for d in diffs.values()) for a in ("added", "changed", "removed")]
                at = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
                version = Version(vid, meta.who, at, meta.file_name, meta.file_sha256, *counts, meta.note)
                con.execute(
                    self._sql(
                        "INSERT INTO versions (id, who, at, file_name, file_sha256, added, changed, removed, note) "
                        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    ),
                    (vid, meta.who, at, meta.file_name, meta.file_sha256, *counts, meta.note),
                )
                for name in diffs:
                    old_keys = [k for k in current[name] if k not in new[name] or new[name][k] != current[name][k]]
                    self._close_rows(con, name, old_keys, vid)
                    fresh = [(name, k, r, vid) for k, r in new[name].items() if current[name].get(k) != r]
                    self._insert_many(con, "history", ["tbl", "key", "row", "added_in"], fresh)
                    _hook("history_written")
                    self._materialise(con, name, new[name])
            if after is not None:
                after(con)
            _hook("before_commit")
        return version

    # --- the interface -------------------------------------------------------

    def ensure(self, seed_dir: Path | None = None) -> Version | None:
        """Create the store if needed and bring in the seed files (first run, or after they changed)."""
        self._create()
        return self.sync_seed(settings.data_dir() if seed_dir is None else seed_dir)

    def sync_seed(self, seed_dir: Path) -> Version | None:
        """Apply what changed in ``seed_dir`` since the last seed as a version of its own."""
        sha = seed_sha256(seed_dir)
        with self._read() as con:
            if self._meta(con, "seed_sha256") == sha:
                return None
        seed = seed_content(seed_dir)

        def make_new(con: Any, current: Content) -> Content:
            if self._meta(con, "seed_sha256") == sha:  # another process synced meanwhile
                return current
            old_seed: Content = {name: {} for name in TABLES}
            for tbl, key, row in self._all(con, "SELECT tbl, key, row FROM seed_rows ORDER BY fid"):
                old_seed.setdefault(tbl, {})[key] = row
            new = {}
            for name in TABLES:
                rows = dict(current[name])
                rows.update({k: r for k, r in seed[name].items() if old_seed[name].get(k) != r})
                for key in set(old_seed[name]) - set(seed[name]):
                    rows.pop(key, None)
                new[name] = rows
            return new

        def after(con: Any) -> None:
            con.execute("DELETE FROM seed_rows")
            self._insert_many(
                con, "seed_rows", ["tbl", "key", "row"], [(n, k, r) for n in TABLES for k, r in seed[n].items()]
            )
            self._set_meta(con, "seed_sha256", sha)

        meta = Meta("seed", f"{seed_dir.name}/", sha, SEED_NOTE)
        return self._commit(make_new, meta, after)

    def current_version(self) -> int:
        with self._read() as con:
            return int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0])

    def versions(self) -> list[Version]:
        """Every version, newest first."""
        with self._read() as con:
            rows = self._all(
                con,
                "SELECT id, who, at, file_name, file_sha256, added, changed, removed, note FROM versions "
                "ORDER BY id DESC",
            )
        return [Version(*row) for row in rows]

    def snapshot(self) -> tuple[int, dict[str, pd.DataFrame], gpd.GeoDataFrame]:
        """The current version id, the indicator tables (keyed by file name) and the counties, read at once."""
        with self._read() as con:
            version = int(self._all(con, "SELECT COALESCE(MAX(id), 0) FROM versions")[0][0])
            tables = {TABLES[n].seed_file: self._read_table(con, n) for n in TABLES if not TABLES[n].geometry}
            counties = self._read_counties(con)
        return version, tables, counties

    def sites(self) -> gpd.GeoDataFrame:
        """The sites as WGS-84 points, checked and placed by geo.model.sites."""
        _, tables, counties = self.snapshot()
        ds = indicators.validate_tables(tables, set(counties["adcode"]), self.label)
        rows = tables["sites.csv"]
        return sites.validate_sites(
            rows.assign(line=range(2, len(rows) + 2)),
            Path(self.label) / "sites.csv",
            counties,
            set(ds.programmes["programme_id"]),
            set(ds.sources["source_id"]),
        )

    def dataset(self) -> indicators.Dataset:
        _, tables, counties = self.snapshot()
        return indicators.validate_tables(tables, set(counties["adcode"]), self.label)

    def counties(self) -> gpd.GeoDataFrame:
        return self.snapshot()[2]

    def content(self, version: int | None = None) -> Content:
        """Stored rows of every table, now or as they were at ``version``."""
        with self._read() as con:
            return self._current(con) if version is None else self._content_at(con, version)

    def diff(self, a: int, b: int) -> dict[str, TableDiff]:
        """What changed from version ``a`` to version ``b``, per table (tables without changes left out)."""
        with self._read() as con:
            old, new = self._content_at(con, a), self._content_at(con, b)
        diffs = {n: diff_rows(old.get(n, {}), new.get(n, {})) for n in TABLES}
        return {n: d for n, d in diffs.items() if not d.empty}

    def preview(self, changeset: Changeset) -> dict[str, TableDiff]:
        """What ``changeset`` would add, change and leave unchanged, without writing."""
        current = self.content()
        out = {}
        for name, change in changeset.items():
            merged, touched = apply_change(name, current[name], change)
            out[name] = diff_rows(
                current[name],
                merged,
                [k for k in merged if k in touched] + sorted(k for k in touched if k not in merged),
            )
        return out

    def commit(self, changeset: Changeset, meta: Meta) -> Version | None:
        """Apply ``changeset`` on top of whatever is current when the write lock is held."""

        def make_new(con: Any, current: Content) -> Content:
            new = dict(current)
            for name, change in changeset.items():
                new[name], _ = apply_change(name, current[name], change)
            return new

        return self._commit(make_new, meta)

    def rollback(self, version: int, who: str) -> Version | None:
        """A new version whose content is that of ``version``."""
        with self._read() as con:
            if not self._all(con, "SELECT id FROM versions WHERE id = ?", (version,)):
                raise KeyError(f"no version {version}")

        def make_new(con: Any, current: Content) -> Content:
            old = self._content_at(con, version)
            return {
                n: apply_change(n, current[n], Change(decode_rows(n, old[n].values()), replace=True))[0] for n in TABLES
            }

        return self._commit(make_new, Meta(who, note=ROLLBACK_NOTE.format(n=version)))
