"""The briefing deck as data: data/slides.toml read, checked against the dataset, and resolved.

A presenter edits the TOML file, not code. Everything a slide refers to is checked when
the deck loads, and a problem is reported as ``file: slide N (id), field: what is wrong``,
so a typo never reaches a meeting as a blank map or a number without a source.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from geo.i18n import localized
from geo.model import indicators as ind

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
EXTENTS = ("all", "poor")
MAX_FIGURES = 3
# Longer captions no longer fit one screen beside three figures at 1280×720.
CAPTION_MAX = {"zh": 90, "en": 330}
# Speaker notes are read from the presenter's own screen or a notes page: longer ones no longer fit that page.
NOTES_MAX = {"zh": 600, "en": 1800}
SLIDE_FIELDS = ("id", "title_zh", "title_en", "caption_zh", "caption_en", "notes_zh", "notes_en", "map", "figures")
MAP_FIELDS = ("indicator", "year", "programmes", "extent")
FIGURE_FIELDS = ("indicator", "adcode", "year", "status")


class SlideError(ValueError):
    """A problem in the deck file; ``path`` names the file, ``reason`` says where and what."""

    def __init__(self, path: Path | str, reason: str, slide: int | None = None, slide_id: str = "", field: str = ""):
        self.path = str(path)
        self.slide = slide
        self.field = field
        where = []
        if slide is not None:
            where.append(f"slide {slide}" + (f" ({slide_id})" if slide_id else ""))
        if field:
            where.append(f"field {field}")
        self.reason = f"{', '.join(where)}: {reason}" if where else reason
        super().__init__(f"{self.path}: {self.reason}")


@dataclass(frozen=True)
class FigureRef:
    """A key figure: one row of values.csv, named by indicator, place and year."""

    indicator_id: str
    adcode: str
    year: int
    status: str | None = None  # None: the reported row if any, else the target, else the forecast


@dataclass(frozen=True)
class MapSpec:
    indicator_id: str | None
    year: int | None
    programmes: tuple[str, ...]
    extent: str | tuple[str, ...]  # "all", "poor" or adcodes


@dataclass(frozen=True)
class Slide:
    id: str
    title_zh: str
    title_en: str
    caption_zh: str
    caption_en: str
    map: MapSpec
    figures: tuple[FigureRef, ...]
    notes_zh: str = ""  # speaker notes: what to say and what not to get wrong; "" = none
    notes_en: str = ""

    def title(self, lang: str) -> str:
        return localized(self, "title", lang)

    def caption(self, lang: str) -> str:
        return localized(self, "caption", lang)

    def notes(self, lang: str) -> str:
        return localized(self, "notes", lang)


@dataclass(frozen=True)
class Deck:
    path: str
    slides: tuple[Slide, ...]

    def __len__(self) -> int:
        return len(self.slides)

    def ids(self) -> list[str]:
        return [s.id for s in self.slides]


def read_deck_file(path: Path) -> list[dict]:
    """The raw ``[[slides]]`` tables of a TOML file; SlideError for a missing or unreadable file."""
    path = Path(path)
    if not path.exists():
        raise SlideError(path, "file not found")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise SlideError(path, "not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise SlideError(path, f"not valid TOML ({exc})") from None
    unknown = sorted(set(raw) - {"slides"})
    if unknown:
        raise SlideError(path, f"unknown top-level key(s) {', '.join(unknown)}; the file holds [[slides]] blocks")
    slides = raw.get("slides")
    if not isinstance(slides, list) or not slides:
        raise SlideError(path, "no slides: add at least one [[slides]] block")
    return slides


def find_row(ds: ind.Dataset, ref: FigureRef) -> pd.Series | None:
    """The value row a figure refers to, with its source's title and publisher; None when absent."""
    v = ds.values[
        (ds.values["indicator_id"] == ref.indicator_id)
        & (ds.values["adcode"] == ref.adcode)
        & (ds.values["year"] == ref.year)
    ]
    if ref.status is not None:
        v = v[v["status"] == ref.status]
    if v.empty:
        return None
    rank = v["status"].map({s: i for i, s in enumerate(ind.STATUSES)})
    row = v.assign(_r=rank).sort_values("_r").drop(columns="_r").iloc[[0]]
    return row.merge(ds.sources[[*ind.SOURCE_FIELDS, "date"]], on="source_id", how="left").iloc[0]


class _Index:
    """Look-ups the checks need, built once per deck rather than once per figure."""

    def __init__(self, ds: ind.Dataset):
        v = ds.values
        self.indicators = set(ds.indicators["indicator_id"])
        self.programmes = ds.programmes["programme_id"].tolist()
        self.statuses: dict[tuple[str, str, int], set[str]] = {}
        self.years: dict[str, set[int]] = {}
        self.place_years: dict[tuple[str, str], set[int]] = {}
        for i, a, y, st in zip(v["indicator_id"], v["adcode"], v["year"], v["status"]):
            y = int(y)
            self.statuses.setdefault((i, a, y), set()).add(st)
            self.years.setdefault(i, set()).add(y)
            self.place_years.setdefault((i, a), set()).add(y)

    def has(self, ref: FigureRef) -> bool:
        found = self.statuses.get((ref.indicator_id, ref.adcode, ref.year), set())
        return bool(found) and (ref.status is None or ref.status in found)


class _Checker:
    """Validation of one slide; every failure names file, slide number, id and field."""

    def __init__(self, path: Path, number: int, raw: object):
        self.path, self.number, self.raw = path, number, raw
        self.id = raw.get("id", "") if isinstance(raw, dict) and isinstance(raw.get("id"), str) else ""

    def fail(self, field: str, reason: str) -> SlideError:
        return SlideError(self.path, reason, self.number, self.id, field)

    def unknown_keys(self, table: dict, allowed: tuple[str, ...], field: str) -> None:
        extra = sorted(set(table) - set(allowed))
        if extra:
            raise self.fail(f"{field}{extra[0]}", f"unknown field; valid: {', '.join(allowed)}")

    def text(self, table: dict, key: str, field: str = "", max_len: int | None = None) -> str:
        value = table.get(key)
        if value is None:
            raise self.fail(field + key, "missing")
        if not isinstance(value, str) or not value.strip():
            raise self.fail(field + key, "must be a non-empty text")
        if max_len is not None and len(value) > max_len:
            raise self.fail(field + key, f"{len(value)} characters, at most {max_len} fit one screen")
        return value.strip()

    def year(self, value: object, field: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or not 1900 <= value <= 2100:
            raise self.fail(field, f"must be a year such as 2016, not {value!r}")
        return value


def _check_map(c: _Checker, raw: object, ix: _Index, adcodes: Collection[str]) -> MapSpec:
    if not isinstance(raw, dict):
        raise c.fail("map", 'missing or not a table, e.g. map = { indicator = "poor_county_type" }')
    c.unknown_keys(raw, MAP_FIELDS, "map.")
    indicator_id = raw.get("indicator")
    if indicator_id is not None and indicator_id not in ix.indicators:
        raise c.fail("map.indicator", f"unknown indicator {indicator_id!r} (see data/indicators.csv)")
    programmes = raw.get("programmes", [])
    if isinstance(programmes, str) or not isinstance(programmes, list):
        raise c.fail("map.programmes", 'must be a list of programme ids, e.g. ["pv"]')
    valid_prog = ix.programmes
    for i, p in enumerate(programmes):
        if p not in valid_prog:
            raise c.fail(f"map.programmes[{i + 1}]", f"unknown programme {p!r}; valid: {', '.join(valid_prog)}")
    if indicator_id is None and not programmes:
        raise c.fail("map", "needs an indicator or a list of programmes")
    year = None
    if "year" in raw:
        if indicator_id is None:
            raise c.fail("map.year", "a year needs an indicator")
        year = c.year(raw["year"], "map.year")
        have = sorted(ix.years.get(indicator_id, set()))
        if year not in have:
            raise c.fail("map.year", f"{indicator_id} has no value for {year}; years with values: {have}")
    extent = raw.get("extent", "all")
    if isinstance(extent, list):
        if not extent:
            raise c.fail("map.extent", 'an empty list; give adcodes, "all" or "poor"')
        for i, a in enumerate(extent):
            if a not in adcodes:
                raise c.fail(f"map.extent[{i + 1}]", f"unknown adcode {a!r} (the 24 county-level units of Baoding)")
        extent = tuple(extent)
    elif extent not in EXTENTS:
        raise c.fail("map.extent", f"{extent!r} is not one of {', '.join(EXTENTS)} or a list of adcodes")
    return MapSpec(indicator_id, year, tuple(programmes), extent)


def _check_figure(c: _Checker, raw: object, i: int, ix: _Index, adcodes: Collection[str]) -> FigureRef:
    field = f"figures[{i}]"
    if not isinstance(raw, dict):
        raise c.fail(field, "must be a table { indicator = ..., adcode = ..., year = ... }")
    c.unknown_keys(raw, FIGURE_FIELDS, f"{field}.")
    indicator_id = raw.get("indicator")
    if indicator_id is None:
        raise c.fail(f"{field}.indicator", "missing")
    if indicator_id not in ix.indicators:
        raise c.fail(f"{field}.indicator", f"unknown indicator {indicator_id!r} (see data/indicators.csv)")
    adcode = raw.get("adcode")
    if adcode is None:
        raise c.fail(f"{field}.adcode", f"missing; {ind.CITY_ADCODE} is the whole city")
    if not isinstance(adcode, str) or (adcode != ind.CITY_ADCODE and adcode not in adcodes):
        raise c.fail(f"{field}.adcode", f"unknown adcode {adcode!r}; {ind.CITY_ADCODE} or a Baoding county")
    if "year" not in raw:
        raise c.fail(f"{field}.year", "missing")
    year = c.year(raw["year"], f"{field}.year")
    status = raw.get("status")
    if status is not None and status not in ind.STATUSES:
        raise c.fail(f"{field}.status", f"{status!r} is not one of {', '.join(ind.STATUSES)}")
    ref = FigureRef(indicator_id, adcode, year, status)
    if not ix.has(ref):
        have = sorted(ix.place_years.get((indicator_id, adcode), set()))
        hint = f"years with values there: {have}" if have else "no value for that place in any year"
        what = f"{indicator_id} at {adcode} in {year}" + (f" ({status})" if status else "")
        raise c.fail(f"{field}.year", f"no value for {what}; {hint}")
    return ref


def _check_notes(c: _Checker, raw: dict) -> dict[str, str]:
    """Notes in both languages or in neither: a presenter must not find them only in the other language."""
    given = [lang for lang in ("zh", "en") if f"notes_{lang}" in raw]
    if not given:
        return {"zh": "", "en": ""}
    for lang in ("zh", "en"):
        if lang not in given:
            raise c.fail(f"notes_{lang}", "missing; give speaker notes in both languages or in neither")
    return {lang: c.text(raw, f"notes_{lang}", max_len=NOTES_MAX[lang]) for lang in ("zh", "en")}


def validate_deck(raw_slides: list, path: Path | str, ds: ind.Dataset, adcodes: Collection[str]) -> Deck:
    """Check every slide against the dataset and the county codes; the first problem raises SlideError."""
    path = Path(path)
    ix = _Index(ds)
    slides: list[Slide] = []
    seen: dict[str, int] = {}
    for number, raw in enumerate(raw_slides, start=1):
        c = _Checker(path, number, raw)
        if not isinstance(raw, dict):
            raise c.fail("", "must be a [[slides]] table")
        c.unknown_keys(raw, SLIDE_FIELDS, "")
        slide_id = c.text(raw, "id")
        if not ID_PATTERN.match(slide_id):
            raise c.fail("id", f"{slide_id!r}: use letters, digits, - and _ only")
        if slide_id in seen:
            raise c.fail("id", f"duplicate id {slide_id!r}, also slide {seen[slide_id]}")
        seen[slide_id] = number
        titles = {lang: c.text(raw, f"title_{lang}") for lang in ("zh", "en")}
        captions = {lang: c.text(raw, f"caption_{lang}", max_len=CAPTION_MAX[lang]) for lang in ("zh", "en")}
        notes = _check_notes(c, raw)
        spec = _check_map(c, raw.get("map"), ix, adcodes)
        figures = raw.get("figures")
        if not isinstance(figures, list) or not 1 <= len(figures) <= MAX_FIGURES:
            n = len(figures) if isinstance(figures, list) else "no"
            raise c.fail("figures", f"{n} figures; a slide has 1 to {MAX_FIGURES}")
        refs = tuple(_check_figure(c, f, i, ix, adcodes) for i, f in enumerate(figures, start=1))
        slides.append(
            Slide(
                slide_id,
                titles["zh"],
                titles["en"],
                captions["zh"],
                captions["en"],
                spec,
                refs,
                notes["zh"],
                notes["en"],
            )
        )
    return Deck(str(path), tuple(slides))


def load_deck(path: Path | str, ds: ind.Dataset, adcodes: Collection[str]) -> Deck:
    """Read and check the deck file at ``path`` against ``ds`` and the county ``adcodes``."""
    return validate_deck(read_deck_file(Path(path)), path, ds, adcodes)
