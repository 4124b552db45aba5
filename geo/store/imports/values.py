"""Values tables (long or wide) -> rows of values.csv, converted to each indicator's unit."""

from __future__ import annotations

import pandas as pd

from geo.i18n import quoted
from geo.model import indicators as ind
from geo.store.imports.catalogue import Catalogue, Places, Sources, resolve_file_source
from geo.store.imports.cells import category_value, numeric_value, parse_status, parse_year
from geo.store.imports.columns import cell, header_key, layout_of
from geo.store.imports.files import RawTable
from geo.store.imports.options import ImportOptions, ProgressFn
from geo.store.imports.problems import FILE_COLUMN, ImportProblem, rows_to_check
from geo.store.tables import Change, Changeset


def import_values(
    table: RawTable, cat: Catalogue, options: ImportOptions, progress: ProgressFn | None = None
) -> tuple[Changeset, list[ImportProblem]]:
    layout, problems = layout_of(table, cat)
    file_source, new_source, source_problems = resolve_file_source(options.source, cat)
    problems += source_problems
    if problems:
        return {}, problems
    header = table.header
    places = Places(cat.counties, allow_city=True)
    sources = Sources(cat, file_source)
    # One Series per indicator, looked up once: DataFrame.loc per cell took half of a large import's time.
    indicators = dict(iter(cat.ds.indicators.set_index("indicator_id", drop=False).iterrows()))
    roles = layout.roles
    col = {role: header[i] for role, i in roles.items()}
    col.setdefault("year", "year")
    col.setdefault("source", "source")
    out: dict[tuple[str, str, str, str], dict[str, str]] = {}
    first_row: dict[tuple[str, str, str, str], int] = {}
    for row, cells in rows_to_check(table.rows, problems, progress, 500):
        row_problems: list[ImportProblem] = []

        def problem(column: str, reason: str, row: int = row, bucket: list = row_problems) -> None:
            bucket.append(ImportProblem(row, column, reason))

        place = places.resolve(cell(cells, roles["county"]), row, col["county"])
        if isinstance(place, ImportProblem):
            row_problems.append(place)
        year = options.year
        if "year" in roles:
            try:
                year = parse_year(cell(cells, roles["year"]))
            except ValueError as exc:
                problem(col["year"], str(exc))
        elif year is None:
            problem(col["year"], "no year: add a year column or give one year for the file")
        status = options.status
        if "status" in roles and cell(cells, roles["status"]):
            try:
                status = parse_status(cell(cells, roles["status"]))
            except ValueError as exc:
                problem(col["status"], str(exc))
        source = sources.resolve(cell(cells, roles.get("source")), row, col["source"])
        if isinstance(source, ImportProblem):
            row_problems.append(source)
        locator, note = cell(cells, roles.get("locator")), cell(cells, roles.get("note"))

        entries: list[tuple[str, str, str, str]] = []  # (column, indicator_id, text, unit hint)
        if layout.long:
            text = cell(cells, roles["indicator"])
            iid = cat.indicator_keys.get(header_key(text))
            if iid is None:
                problem(col["indicator"], f"unknown indicator {quoted(text)}{cat.suggest_indicator(text)}")
            else:
                unit_hint = cell(cells, roles.get("unit")) or layout.value_unit
                entries.append((col["value"], iid, cell(cells, roles["value"]), unit_hint))
        else:
            for i, (iid, unit_hint) in layout.indicators.items():
                if cell(cells, i):  # an empty cell is no figure, never zero
                    entries.append((header[i], iid, cell(cells, i), unit_hint))
        for column, iid, text, unit_hint in entries:
            indicator = indicators[iid]
            if not text:
                problem(column, "no value (leave the row out when there is no figure)")
                continue
            try:
                value = (
                    category_value(text, iid, cat.ds)
                    if indicator["kind"] == "category"
                    else numeric_value(text, indicator, unit_hint)
                )
            except ValueError as exc:
                problem(column, str(exc))
                continue
            if row_problems or isinstance(place, ImportProblem) or isinstance(source, ImportProblem) or year is None:
                continue
            key = (iid, place, str(year), status)
            if key in out:
                problem(column, f"the same indicator, place, year and status as row {first_row[key]}")
                continue
            first_row[key] = row
            out[key] = {
                "indicator_id": iid,
                "adcode": place,
                "year": str(year),
                "value": value,
                "status": status,
                "source_id": source,
                "locator": locator,
                "note": note,
            }
        problems += row_problems
    if progress:
        progress(1.0, f"{len(table.rows)}/{len(table.rows)}")
    if not out and not problems:
        problems.append(ImportProblem(1, FILE_COLUMN, "no figures in the file (every value cell is empty)"))
    if problems:
        return {}, sorted(problems)
    changeset: Changeset = {"values": Change(pd.DataFrame(list(out.values()), columns=ind.SCHEMAS["values.csv"]))}
    if new_source:
        changeset["sources"] = Change(pd.DataFrame([new_source]))
    # An indicator known only as a city total becomes a county indicator with its first county figure.
    county_ids = {k[0] for k in out if k[1] != ind.CITY_ADCODE}
    promote = cat.ds.indicators[
        cat.ds.indicators["indicator_id"].isin(county_ids) & (cat.ds.indicators["level"] == "city")
    ]
    if not promote.empty:
        rows = promote.assign(level="county", additive=promote["additive"].map({True: "true", False: "false"}))
        changeset["indicators"] = Change(rows)
    return changeset, []
