"""Indicator catalogue, values, joins with the county boundaries, and coverage.

Pure functions over pandas/geopandas objects. Reading the CSVs validates them, so a
broken file stops the app with a message naming the file, never a traceback.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from geo.i18n import field_for, format_value, localized, t
from geo.model import outlets as out

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
    "sources.csv": ("source_id", "title", "publisher", "date", "url", "grade", "note"),
    "outlets.csv": ("outlet_id", "name_zh", "name_en", "domains", "kind", "note"),
    # Further sources of a stored value (its key), each with the figure it gives: agreeing or disputing.
    "value_sources.csv": ("indicator_id", "adcode", "year", "status", "value", "source_id", "locator", "note"),
}  # fmt: skip
# Seed files that may be absent (an empty table).
OPTIONAL_FILES = ("value_sources.csv",)
# The source columns a value row carries wherever its source is shown (geo.model.outlets adds the derived ones).
SOURCE_FIELDS = ["source_id", "title", "publisher", "grade", "via_zh", "via_en", "link", "unreviewed"]


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
    values: pd.DataFrame  # with ``weak`` and ``disputed`` (geo.model.outlets.value_marks)
    sources: pd.DataFrame  # with the derived link columns of geo.model.outlets.describe_sources
    outlets: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(SCHEMAS["outlets.csv"])))
    value_sources: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(SCHEMAS["value_sources.csv"]))
    )

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
    return {
        name: read_csv(data_dir / name, columns)
        if name not in OPTIONAL_FILES or (data_dir / name).exists()
        else pd.DataFrame(columns=list(columns))
        for name, columns in SCHEMAS.items()
    }


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
    empty = {name: pd.DataFrame(columns=list(SCHEMAS[name])) for name in OPTIONAL_FILES}
    t = {name: tables.get(name, empty.get(name))[list(SCHEMAS[name])] for name in SCHEMAS}
    prog, ind, cat, val, src, outl, extra = (
        t["programmes.csv"],
        t["indicators.csv"],
        t["categories.csv"],
        t["values.csv"],
        t["sources.csv"],
        t["outlets.csv"],
        t["value_sources.csv"],
    )
    if problem := out.outlet_problem(outl):
        raise DataError(paths["outlets.csv"], f"line {problem[0]}: {problem[1]}")

    _check_unique(prog, ["programme_id"], paths["programmes.csv"])
    _check_unique(ind, ["indicator_id"], paths["indicators.csv"])
    _check_unique(src, ["source_id"], paths["sources.csv"])
    # An empty grade is a source stored before grades existed (an older import); the seed files grade every one.
    grades = ", ".join(out.GRADES)
    _bad(src, ~src["grade"].isin([*out.GRADES, ""]), paths["sources.csv"], f"grade must be one of {grades}")
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

    extra = _check_value_sources(
        extra, val, src, kinds_by_id := ind.set_index("indicator_id")["kind"], paths["value_sources.csv"]
    )
    same = lambda a, b, i: _same_figure(a, b, kinds_by_id.get(i))  # noqa: E731
    val = val.join(out.value_marks(val, src, extra, same)[["weak", "disputed"]])
    src = out.describe_sources(src, outl)

    cat = cat.assign(order=pd.to_numeric(cat["order"], errors="coerce").fillna(0).astype(int))
    prog = prog.assign(order=pd.to_numeric(prog["order"], errors="coerce").fillna(0).astype(int))
    return Dataset(prog.sort_values("order"), ind, cat.sort_values(["indicator_id", "order"]), val, src, outl, extra)


def _same_figure(a: str, b: str, kind: str | None) -> bool:
    if kind == "numeric":
        x, y = pd.to_numeric(pd.Series([a, b]), errors="coerce")
        return bool(abs(x - y) <= 1e-9 * max(1.0, abs(x), abs(y)))
    return str(a) == str(b)


def _check_value_sources(
    extra: pd.DataFrame, val: pd.DataFrame, src: pd.DataFrame, kinds: pd.Series, path: Path
) -> pd.DataFrame:
    """Further sources of stored values: each names a known source other than the value's own and gives
    a figure of the indicator's kind. A row whose value is no longer stored (e.g. its county was
    removed) describes nothing and is left out."""
    if extra.empty:
        return extra.assign(year=pd.Series([], dtype=int))
    _bad(extra, ~extra["source_id"].isin(src["source_id"]), path, "unknown source_id")
    _bad(extra, ~extra["year"].str.fullmatch(r"\d{4}"), path, "year must be a 4-digit year")
    _check_unique(extra, [*out.VALUE_KEY, "source_id"], path)
    kind = extra["indicator_id"].map(kinds)
    number = pd.to_numeric(extra["value"].where(kind == "numeric"), errors="coerce")
    _bad(extra, (kind == "numeric") & number.isna(), path, "value is not a number")
    key = lambda f: f[out.VALUE_KEY].astype(str).agg("|".join, axis=1)  # noqa: E731
    stored = dict(zip(key(val), val["source_id"]))
    extra_key = key(extra)
    _bad(extra, extra_key.map(stored) == extra["source_id"], path, "the value's own source_id, listed again")
    return extra[extra_key.isin(stored)].assign(year=lambda f: f["year"].astype(int))


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
    return v.merge(ds.sources[SOURCE_FIELDS], on="source_id", how="left")


@_per_dataset
def city_value(ds: Dataset, indicator_id: str, year: int | None) -> pd.Series | None:
    """The city-wide row of one indicator and year (reported before target/forecast)."""
    v = ds.values[(ds.values["indicator_id"] == indicator_id) & (ds.values["adcode"] == CITY_ADCODE)]
    if year is not None:
        v = v[v["year"] == year]
    if v.empty:
        return None
    v = _pick_status(v).merge(ds.sources[SOURCE_FIELDS], on="source_id", how="left")
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


def source_label(row: pd.Series | dict, lang: str) -> str:
    """'publisher《title》· locator · grade' for one value row; a reprint names the site that carries it
    ('新华社，中华网转载《…》' / 'Xinhua, reprinted by china.com《…》')."""
    title = str(row.get("title") or "")
    publisher = str(row.get("publisher") or "")
    locator = str(row.get("locator") or "")
    via = str(row.get("via_en" if lang == "en" else "via_zh") or "")
    if via:
        publisher = t("reprinted_by", lang, publisher=publisher, site=via)
    text = f"{publisher}《{title}》" if publisher else f"《{title}》"
    text = f"{text} · {locator}" if locator else text
    grade = grade_text(row.get("grade"), lang)
    return f"{text} · {grade}" if grade else text


def grade_text(grade: object, lang: str) -> str:
    """'来源等级 B' / 'grade B'; '' for a source stored before grades existed."""
    grade = str(grade or "")
    return t("grade_label", lang, grade=grade) if grade in out.GRADES else ""


def _value_key(row: pd.Series | dict) -> tuple[str, str, int, str]:
    return (str(row["indicator_id"]), str(row["adcode"]), int(row["year"]), str(row["status"]))


def further_sources(ds: Dataset, row: pd.Series | dict) -> pd.DataFrame:
    """The further sources of one stored value (data/value_sources.csv), with their source fields."""
    e = ds.value_sources
    if e.empty:
        return e.assign(**{c: [] for c in SOURCE_FIELDS if c != "source_id"})
    key = _value_key(row)
    mine = e[(e["indicator_id"] == key[0]) & (e["adcode"] == key[1]) & (e["year"] == key[2]) & (e["status"] == key[3])]
    return mine.merge(ds.sources[SOURCE_FIELDS], on="source_id", how="left")


def _shown_value(ds: Dataset, indicator_id: str, value: str, lang: str) -> str:
    entry = get_indicator(ds, indicator_id)
    if entry.kind == "category":
        return category_labels(ds, indicator_id, lang).get(value, value)
    return format_value(float(value), entry.unit_for(lang), lang)


def mark_text(ds: Dataset, row: pd.Series | dict, lang: str, detail: bool = True) -> str:
    """The mark of a weak or disputed value, '' for the rest. ``detail``: a disputed value names every
    figure with its source ("来源不一：54.4%（…）；48%（…）"); without it, only the short mark."""
    if "weak" in row and "disputed" in row and not (bool(row["weak"]) or bool(row["disputed"])):
        return ""  # the row carries its flags: nothing to look up
    key = _value_key(row)
    flags = ds.values[
        (ds.values["indicator_id"] == key[0])
        & (ds.values["adcode"] == key[1])
        & (ds.values["year"] == key[2])
        & (ds.values["status"] == key[3])
    ]
    if flags.empty:
        return ""
    stored = flags.iloc[0]
    if bool(stored["disputed"]):
        if not detail:
            return t("mark_disputed", lang)
        own = ds.sources[ds.sources["source_id"] == stored["source_id"]]
        own_row = {**(own.iloc[0].to_dict() if len(own) else {}), "locator": stored["locator"]}
        figures = [(stored["value"], own_row)]
        figures += [(r["value"], r) for r in further_sources(ds, stored).to_dict("records")]
        parts = [
            t("figure_from", lang, value=_shown_value(ds, key[0], v, lang), source=source_label(src, lang))
            for v, src in figures
        ]
        return t("mark_disputed_detail", lang, figures=t("figures_sep", lang).join(parts))
    if bool(stored["weak"]):
        return t("mark_weak_detail", lang) if detail else t("mark_weak", lang)
    return ""


def values_table(ds: Dataset, names_zh: dict[str, str], names_en: dict[str, str], lang: str) -> pd.DataFrame:
    """Every value with its indicator, place and source (grade, reprint, link only to a listed outlet,
    and the mark of a weak or disputed value), for the sources page and exports."""
    ind = ds.indicators.set_index("indicator_id")
    v = ds.values.merge(ds.sources, on="source_id", how="left", suffixes=("", "_source"))
    names = names_en if lang == "en" else names_zh
    place = v["adcode"].map(names)
    city = "Baoding (city)" if lang == "en" else "保定市（全市）"
    label_col = field_for("label", lang)
    labels = dict(zip(zip(ds.categories["indicator_id"], ds.categories["code"]), ds.categories[label_col]))
    shown = [labels.get((i, x), x) for i, x in zip(v["indicator_id"], v["value"])]
    via = v["via_en" if lang == "en" else "via_zh"]
    publisher = [t("reprinted_by", lang, publisher=p, site=s) if s else p for p, s in zip(v["publisher"], via)]
    marks = [mark_text(ds, r, lang) if r["weak"] or r["disputed"] else "" for r in v.to_dict("records")]
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
            "publisher": publisher,
            "grade": v["grade"],
            "locator": v["locator"],
            "url": v["link"],
            "unreviewed_host": v["unreviewed"],
            "mark": marks,
            "note": v["note"],
        }
    )
