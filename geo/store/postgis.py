"""PostGIS backend: a schema of a PostgreSQL database, for several app servers sharing one store."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from contextlib import closing, contextmanager
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from geo.store.base import Store
from geo.store.tables import (
    SRID,
    TABLES,
    WGS84,
    StoreError,
    to_multipolygons,
)


class PostGISStore(Store):
    placeholder = "%s"

    def __init__(self, url: str, schema: str = "baoding") -> None:
        import psycopg.conninfo

        if not schema.isidentifier():
            raise StoreError("DATABASE_URL", f"schema name {schema!r} must be a plain identifier")
        self.url = url
        self.schema = schema
        try:
            info = psycopg.conninfo.conninfo_to_dict(url)
        except psycopg.ProgrammingError as exc:
            raise StoreError("DATABASE_URL", f"not a PostgreSQL connection URL ({exc})") from None
        where = f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
        self.label = f"postgis://{where}#{schema}"
        # One advisory-lock id per schema, so stores in other schemas of the database do not wait on each other.
        self.lock_id = zlib.crc32(f"baoding-store:{schema}".encode())

    def _connect(self) -> Any:
        import psycopg

        try:
            con = psycopg.connect(self.url, autocommit=True, connect_timeout=5)
        except psycopg.OperationalError as exc:
            raise StoreError(self.label, f"cannot connect ({str(exc).strip().splitlines()[0]})") from None
        con.execute(f'SET search_path TO "{self.schema}", public')
        return con

    def _create(self) -> None:
        with self._write() as con:
            if not con.execute("SELECT 1 FROM pg_extension WHERE extname = 'postgis'").fetchone():
                raise StoreError(self.label, "the database has no PostGIS: run CREATE EXTENSION postgis")
            con.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
            con.execute(
                "CREATE TABLE IF NOT EXISTS versions (id integer PRIMARY KEY, who text NOT NULL, at text NOT NULL, "
                "file_name text, file_sha256 text, added integer, changed integer, removed integer, note text)"
            )
            con.execute(
                "CREATE TABLE IF NOT EXISTS history (fid bigserial PRIMARY KEY, tbl text NOT NULL, key text NOT NULL, "
                "row text NOT NULL, added_in integer NOT NULL, removed_in integer)"
            )
            con.execute("CREATE INDEX IF NOT EXISTS history_current ON history (tbl, key, removed_in)")
            con.execute("CREATE INDEX IF NOT EXISTS history_added ON history (added_in)")
            con.execute(
                "CREATE TABLE IF NOT EXISTS seed_rows (fid bigserial PRIMARY KEY, tbl text NOT NULL, "
                "key text NOT NULL, row text NOT NULL)"
            )
            for name, spec in TABLES.items():
                if spec.geometry:
                    con.execute(
                        "CREATE TABLE IF NOT EXISTS counties (fid bigserial PRIMARY KEY, adcode text UNIQUE NOT NULL, "
                        f"name_zh text, name_en text, geom geometry(MultiPolygon, {SRID}))"
                    )
                    con.execute("CREATE INDEX IF NOT EXISTS counties_geom ON counties USING gist (geom)")
                else:
                    cols = ", ".join(f'"{c}" text' for c in spec.columns)
                    con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (fid bigserial PRIMARY KEY, {cols})')
                    # A store made before a column was added (a source's grade): the column, empty in every row.
                    for c in spec.columns:
                        con.execute(f'ALTER TABLE "{name}" ADD COLUMN IF NOT EXISTS "{c}" text NOT NULL DEFAULT \'\'')
            con.execute("CREATE TABLE IF NOT EXISTS store_meta (name text PRIMARY KEY, value text)")

    @contextmanager
    def _write(self) -> Iterator[Any]:
        with closing(self._connect()) as con, con.transaction():
            con.execute("SELECT pg_advisory_xact_lock(%s)", (self.lock_id,))
            yield con

    @contextmanager
    def _read(self) -> Iterator[Any]:
        with closing(self._connect()) as con, con.transaction():
            con.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            yield con

    def _read_counties(self, con: Any) -> gpd.GeoDataFrame:
        rows = con.execute("SELECT adcode, name_zh, name_en, ST_AsBinary(geom) FROM counties ORDER BY fid").fetchall()
        frame = pd.DataFrame.from_records([r[:3] for r in rows], columns=list(TABLES["counties"].columns))
        geoms = shapely.from_wkb([bytes(r[3]) for r in rows]) if rows else []
        return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geoms, index=frame.index, crs=WGS84), crs=WGS84)

    def _write_counties(self, con: Any, frame: gpd.GeoDataFrame) -> None:
        geoms = to_multipolygons(frame.geometry.to_numpy())
        con.execute("DELETE FROM counties")
        with con.cursor() as cur:
            cur.executemany(
                f"INSERT INTO counties (adcode, name_zh, name_en, geom) VALUES (%s, %s, %s, "
                f"ST_SetSRID(ST_GeomFromWKB(%s), {SRID}))",
                [
                    (a, z, e, shapely.to_wkb(g))
                    for a, z, e, g in zip(frame["adcode"], frame["name_zh"], frame["name_en"], geoms)
                ],
            )

    def _insert_many(self, con: Any, table: str, columns: list[str], rows: list[tuple]) -> None:
        cols = ", ".join(f'"{c}"' for c in columns)
        with con.cursor() as cur, cur.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
            for row in rows:
                copy.write_row(row)

    def _close_rows(self, con: Any, table: str, keys: list[str], version: int) -> None:
        con.execute(
            "UPDATE history SET removed_in = %s WHERE tbl = %s AND key = ANY(%s) AND removed_in IS NULL",
            (version, table, keys),
        )

    def drop(self) -> None:
        """Remove the store's schema (tests)."""
        with closing(self._connect()) as con:
            con.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')
