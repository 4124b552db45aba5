"""Indicator catalogue, values, joins with the county boundaries, and coverage.

Pure functions over pandas/geopandas objects. Reading the CSVs validates them, so a
broken file stops the app with a message naming the file, never a traceback.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.i18n import field_for, localized

CITY_ADCODE = "130600"
STATUSES = ("reported", "target", "forecast")
KINDS = ("numeric", "category")
LEVELS = ("city", "county")

SCHEMAS: dict[str, tuple[str, ...]] = {
    "programmes.csv": ("programme_id", "name_zh", "name_en", "group_id", "group_zh", "group_en", "order"),
    "indicators.csv": (
        "indicator_id", "name_zh", "name_en", "unit", "unit_en", "programme",
        "level", "kind", "additive", "description_zh", "description_en",
    ),
    "categories.csv": ("indicator_id", "code", "label_zh", "label_en", "order"),
    "values.csv": ("indicator_id", "adcode", "year", "value", "status", "source_id", "locator", "note"),
    "sources.csv": ("source_id", "title", "publisher", "date", "url", "note"),
}  # fmt: skip


class DataError(ValueError):
    """A data file is missing or malformed; ``path`` names it, ``reason`` says why."""

    def __init__(self, path: Path | str, reason: str):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{Path(path).name}: {reason}")


@dataclass(frozen=True)
class Dataset:
    """The indicator tables, validated and cross-checked."""

    programmes: pd.DataFrame
    indicators: pd.DataFrame
    categories: pd.DataFrame
    values: pd.DataFrame
    sources: pd.DataFrame

    def __post_init__(self) -> None:
        # The catalogue by id, built once: pages look entries up a hundred times per run
        # (every option label of the indicator picker), and a DataFrame filter each time
        # cost ~0.2 s per run. The tables are read-only once validated.
        entries = {r["indicator_id"]: Indicator(**r) for r in self.indicators.to_dict("records")}
        object.__setattr__(self, "_by_id", entries)
        object.__setattr__(self, "_memo", {})  # see _per_dataset


def _per_dataset(fn):
    """Remember ``fn(ds, *args)`` on the Dataset itself; callers get a copy they may change.

    A Dataset is one version of the data and is never changed once validated, so the
    answers cannot go stale; a new version is a new Dataset with an empty memo.
    """

    @functools.wraps(fn)
    def wrapper(ds: Dataset, *args):
        key = (fn.__name__, *args)
        if key not in ds._memo:
            ds._memo[key] = fn(ds, *args)
        found = ds._memo[key]
        return found.copy() if found is not None else None

    return wrapper


@dataclass(frozen=True)
class Indicator:
    indicator_id: str
    name_zh: str
    name_en: str
    unit: str
    unit_en: str
    programme: str
    level: str
    kind: str
    additive: bool
    description_zh: str
    description_en: str

    def name(self, lang: str) -> str:
        return localized(self, "name", lang)

    def unit_for(self, lang: str) -> str:
        return self.unit_en if lang == "en" else self.unit

    def description(self, lang: str) -> str:
        return localized(self, "description", lang)


@dataclass(frozen=True)
class Coverage:
    """How much of a city total the counties with figures account for."""

    n_counties: int
    n_units: int
    county_sum: float | None
    city_total: float | None

    @property
    def share(self) -> float | None:
        if self.county_sum is None or not self.city_total:
            return None
        return self.county_sum / self.city_total


def read_csv(path: Path, columns: tuple[str, ...], optional: tuple[str, ...] = ()) -> pd.DataFrame:
    """Read a UTF-8 CSV as strings: ``columns`` must be there, ``optional`` ones are kept when present."""
    if not path.exists():
        raise DataError(path, "file not found")
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except UnicodeDecodeError:
        raise DataError(path, "not UTF-8 text") from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise DataError(path, f"not a readable CSV ({exc})") from None
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise DataError(path, f"missing column(s): {', '.join(missing)}")
    return df[[*columns, *(c for c in optional if c in df.columns)]]


def _check_unique(df: pd.DataFrame, cols: list[str], path: Path) -> None:
    dup = df[df.duplicated(cols, keep=False)]
    if not dup.empty:
        first = dup.iloc[0]
        key = ", ".join(f"{c}={first[c]}" for c in cols)
        raise DataError(path, f"duplicate rows for {key}")


def _bad(df: pd.DataFrame, mask: pd.Series, path: Path, what: str) -> None:
    if mask.any():
        row = int(mask.to_numpy().nonzero()[0][0]) + 2  # header is line 1
        raise DataError(path, f"line {row}: {what}")


def read_tables(data_dir: Path) -> dict[str, pd.DataFrame]:
    """The raw indicator tables of ``data_dir`` (strings, columns checked), keyed by file name."""
    return {name: read_csv(data_dir / name, columns) for name, columns in SCHEMAS.items()}


def load_dataset(data_dir: Path, unit_codes: set[str] | None = None) -> Dataset:
    """Read and cross-check the indicator tables in ``data_dir``.

    ``unit_codes`` are the adcodes of the county-level units; values for any other
    code than those and the city code are rejected.
    """
    return validate_tables(read_tables(data_dir), unit_codes, data_dir)


def validate_tables(
    tables: dict[str, pd.DataFrame], unit_codes: set[str] | None = None, where: Path | str = ""
) -> Dataset:
    """Cross-check raw tables (keyed by file name, as read_tables gives them) into a Dataset.

    The data store runs the same checks on what it holds; ``where`` prefixes the
    file names in error messages (a folder, or the store's location).
    """
    paths = {name: Path(where) / name for name in SCHEMAS}
    t = {name: tables[name][list(SCHEMAS[name])] for name in SCHEMAS}
    prog, ind, cat, val, src = (
        t["programmes.csv"], t["indicators.csv"], t["categories.csv"],
        t["values.csv"], t["sources.csv"],
    )  # fmt: skip

    _check_unique(prog, ["programme_id"], paths["programmes.csv"])
    _check_unique(ind, ["indicator_id"], paths["indicators.csv"])
    _check_unique(src, ["source_id"], paths["sources.csv"])
    _check_unique(cat, ["indicator_id", "code"], paths["categories.csv"])

    p = paths["indicators.csv"]
    _bad(ind, ~ind["programme"].isin(prog["programme_id"]), p, "unknown programme")
    _bad(ind, ~ind["kind"].isin(KINDS), p, f"kind must be one of {', '.join(KINDS)}")
    _bad(ind, ~ind["level"].isin(LEVELS), p, f"level must be one of {', '.join(LEVELS)}")
    _bad(ind, ~ind["additive"].str.lower().isin(["true", "false"]), p, "additive must be true/false")
    ind = ind.assign(additive=ind["additive"].str.lower() == "true")

    p = paths["values.csv"]
    _bad(val, ~val["indicator_id"].isin(ind["indicator_id"]), p, "unknown indicator_id")
    _bad(val, ~val["source_id"].isin(src["source_id"]), p, "unknown source_id")
    _bad(val, ~val["status"].isin(STATUSES), p, f"status must be one of {', '.join(STATUSES)}")
    _bad(val, ~val["adcode"].str.fullmatch(r"\d{6}"), p, "adcode must be 6 digits")
    if unit_codes is not None:
        _bad(val, ~val["adcode"].isin(unit_codes | {CITY_ADCODE}), p, "adcode is not a Baoding unit")
    _bad(val, ~val["year"].str.fullmatch(r"\d{4}"), p, "year must be a 4-digit year")
    _check_unique(val, ["indicator_id", "adcode", "year", "status"], p)

    kinds = val["indicator_id"].map(ind.set_index("indicator_id")["kind"])
    numeric = pd.to_numeric(val["value"].where(kinds == "numeric"), errors="coerce")
    _bad(val, (kinds == "numeric") & numeric.isna(), p, "value is not a number")
    codes = set(zip(cat["indicator_id"], cat["code"]))
    is_cat = kinds == "category"
    known = pd.Series([(i, v) in codes for i, v in zip(val["indicator_id"], val["value"])], index=val.index)
    _bad(val, is_cat & ~known, p, "category code not listed in categories.csv")
    val = val.assign(year=val["year"].astype(int), number=numeric)

    cat = cat.assign(order=pd.to_numeric(cat["order"], errors="coerce").fillna(0).astype(int))
    prog = prog.assign(order=pd.to_numeric(prog["order"], errors="coerce").fillna(0).astype(int))
    return Dataset(prog.sort_values("order"), ind, cat.sort_values(["indicator_id", "order"]), val, src)


def indicator_ids(ds: Dataset) -> list[str]:
    """Indicator ids ordered by programme, county-level ones first within each."""
    order = ds.programmes.set_index("programme_id")["order"]
    ind = ds.indicators.assign(
        _p=ds.indicators["programme"].map(order), _l=(ds.indicators["level"] != "county").astype(int)
    )
    return ind.sort_values(["_p", "_l"], kind="stable")["indicator_id"].tolist()


def get_indicator(ds: Dataset, indicator_id: str) -> Indicator:
    """The catalogue entry; an unknown id raises KeyError listing the valid ones."""
    entry = ds._by_id.get(indicator_id)
    if entry is None:
        valid = ", ".join(sorted(ds._by_id))
        raise KeyError(f"unknown indicator {indicator_id!r}; valid: {valid}")
    return entry


def years(ds: Dataset, indicator_id: str, level: str | None = None) -> list[int]:
    """Years with values, ascending; ``level='county'`` keeps years with county rows."""
    v = ds.values[ds.values["indicator_id"] == indicator_id]
    if level == "county":
        v = v[v["adcode"] != CITY_ADCODE]
    elif level == "city":
        v = v[v["adcode"] == CITY_ADCODE]
    return sorted(set(v["year"].tolist()))


def default_year(ds: Dataset, indicator_id: str) -> int | None:
    """The year to show first: the latest year with county rows when it covers every county that has
    any row; ``None`` (each county's latest figure) when counties are known for different years;
    the latest city year for city-only indicators."""
    v = ds.values[(ds.values["indicator_id"] == indicator_id) & (ds.values["adcode"] != CITY_ADCODE)]
    if v.empty:
        ys = years(ds, indicator_id)
        return ys[-1] if ys else None
    latest = int(v["year"].max())
    return latest if set(v.loc[v["year"] == latest, "adcode"]) == set(v["adcode"]) else None


def _pick_status(v: pd.DataFrame) -> pd.DataFrame:
    # One row per place: its latest year; within a year a reported figure wins over a target or forecast.
    rank = v["status"].map({s: i for i, s in enumerate(STATUSES)})
    ordered = v.assign(_r=rank).sort_values(["year", "_r"], ascending=[False, True], kind="stable")
    return ordered.drop_duplicates("adcode").drop(columns="_r")


@_per_dataset
def county_values(ds: Dataset, indicator_id: str, year: int | None) -> pd.DataFrame:
    """County rows of one indicator and year (``None``: each county's latest), with source titles."""
    v = ds.values[(ds.values["indicator_id"] == indicator_id) & (ds.values["adcode"] != CITY_ADCODE)]
    if year is not None:
        v = v[v["year"] == year]
    v = _pick_status(v)
    return v.merge(ds.sources[["source_id", "title", "publisher"]], on="source_id", how="left")


@_per_dataset
def city_value(ds: Dataset, indicator_id: str, year: int | None) -> pd.Series | None:
    """The city-wide row of one indicator and year (reported before target/forecast)."""
    v = ds.values[(ds.values["indicator_id"] == indicator_id) & (ds.values["adcode"] == CITY_ADCODE)]
    if year is not None:
        v = v[v["year"] == year]
    if v.empty:
        return None
    v = _pick_status(v).merge(ds.sources[["source_id", "title", "publisher"]], on="source_id", how="left")
    return v.iloc[0]


def coverage(ds: Dataset, indicator_id: str, year: int | None, n_units: int) -> Coverage:
    """Counties with figures, their sum and the city total for the same year."""
    ind = get_indicator(ds, indicator_id)
    cv = county_values(ds, indicator_id, year)
    city = city_value(ds, indicator_id, year)
    # Figures of different years do not add up to anything: no share without one year.
    numeric = ind.kind == "numeric" and ind.additive and year is not None
    county_sum = float(cv["number"].sum()) if numeric and not cv.empty else None
    total = float(city["number"]) if numeric and city is not None and not math.isnan(city["number"]) else None
    return Coverage(len(cv), n_units, county_sum, total)


def ranking(ds: Dataset, indicator_id: str, year: int | None, names: pd.Series) -> pd.DataFrame:
    """Counties with a numeric figure, largest first, with their names and sources."""
    cv = county_values(ds, indicator_id, year)
    cv = cv.dropna(subset=["number"]).sort_values("number", ascending=False)
    cv = cv.assign(name=cv["adcode"].map(names), rank=range(1, len(cv) + 1))
    return cv.reset_index(drop=True)


def category_labels(ds: Dataset, indicator_id: str, lang: str) -> dict[str, str]:
    """Code -> label in the legend order."""
    c = ds.categories[ds.categories["indicator_id"] == indicator_id]
    col = field_for("label", lang)
    return dict(zip(c["code"], c[col]))


def source_label(row: pd.Series | dict) -> str:
    """'publisher《title》· locator' for one value row."""
    title = str(row.get("title") or "")
    publisher = str(row.get("publisher") or "")
    locator = str(row.get("locator") or "")
    text = f"{publisher}《{title}》" if publisher else f"《{title}》"
    return f"{text} · {locator}" if locator else text


def values_table(ds: Dataset, names_zh: dict[str, str], names_en: dict[str, str], lang: str) -> pd.DataFrame:
    """Every value with its indicator, place and source, for the sources page and exports."""
    ind = ds.indicators.set_index("indicator_id")
    v = ds.values.merge(ds.sources, on="source_id", how="left", suffixes=("", "_source"))
    names = names_en if lang == "en" else names_zh
    place = v["adcode"].map(names)
    city = "Baoding (city)" if lang == "en" else "保定市（全市）"
    label_col = field_for("label", lang)
    labels = dict(zip(zip(ds.categories["indicator_id"], ds.categories["code"]), ds.categories[label_col]))
    shown = [labels.get((i, x), x) for i, x in zip(v["indicator_id"], v["value"])]
    return pd.DataFrame(
        {
            "indicator_id": v["indicator_id"],
            "indicator": v["indicator_id"].map(ind[field_for("name", lang)]),
            "programme": v["indicator_id"].map(ind["programme"]),
            "adcode": v["adcode"],
            "place": place.where(v["adcode"] != CITY_ADCODE, city),
            "year": v["year"],
            "value": shown,
            "unit": v["indicator_id"].map(ind["unit_en" if lang == "en" else "unit"]),
            "status": v["status"],
            "source": v["title"],
            "publisher": v["publisher"],
            "locator": v["locator"],
            "url": v["url"],
            "note": v["note"],
        }
    )
