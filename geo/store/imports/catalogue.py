"""Names in a file -> ids in the current data: indicators, programmes, sources and places."""

from __future__ import annotations

import difflib
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.i18n import quoted
from geo.model import indicators as ind
from geo.model.boundaries import CountyMatchError, match_county
from geo.model.outlets import GRADES
from geo.store.imports import limits
from geo.store.imports.columns import header_key, hidden_characters, url_problem
from geo.store.imports.options import SourceSpec
from geo.store.imports.problems import ImportProblem

CITY_NAMES = {"保定", "保定市", "全市", "全市合计", "合计", "baoding", "baodingcity", "wholecity", "city"}


@dataclass(frozen=True)
class Catalogue:
    """The lookups an import needs from the current data, built once per file."""

    ds: ind.Dataset
    counties: gpd.GeoDataFrame
    indicator_keys: dict[str, str]
    source_keys: dict[str, str]
    programme_keys: dict[str, str]
    # (kind, text) -> suggestion: fuzzy matching costs ~1 ms, so each text once, and at most MAX_SUGGESTED
    suggestions: dict[tuple[str, str], str] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, ds: ind.Dataset, counties: gpd.GeoDataFrame) -> Catalogue:
        keys: dict[str, str] = {}
        for row in ds.indicators.itertuples(index=False):
            for text in (row.name_en, row.name_zh, row.indicator_id):
                keys[header_key(text)] = row.indicator_id
        sources: dict[str, str] = {}
        for row in ds.sources.itertuples(index=False):
            sources[header_key(row.title)] = row.source_id
            sources[row.source_id] = row.source_id
        programmes: dict[str, str] = {}
        for row in ds.programmes.itertuples(index=False):
            for text in (row.name_en, row.name_zh, row.programme_id):
                programmes[header_key(text)] = row.programme_id
        return cls(ds, counties, keys, sources, programmes)

    def _shown(self, keys: dict[str, str], table: str, id_col: str, name_col: str) -> dict[str, str]:
        names = getattr(self.ds, table).set_index(id_col)[name_col]
        return {k: f"{v} ({names.get(v, '')})" for k, v in keys.items()}

    def _suggest(self, kind: str, text: str, choices: Callable[[], dict[str, str]]) -> str:
        key = (kind, text)
        if key not in self.suggestions:
            if len(self.suggestions) >= limits.MAX_SUGGESTED:
                return ""
            self.suggestions[key] = suggest(text, choices())
        return self.suggestions[key]

    def suggest_indicator(self, text: str) -> str:
        return self._suggest(
            "indicator", text, lambda: self._shown(self.indicator_keys, "indicators", "indicator_id", "name_zh")
        )

    def suggest_programme(self, text: str) -> str:
        return self._suggest(
            "programme", text, lambda: self._shown(self.programme_keys, "programmes", "programme_id", "name_zh")
        )

    def suggest_source(self, text: str) -> str:
        return self._suggest("source", text, lambda: self._shown(self.source_keys, "sources", "source_id", "title"))

    def indicator(self, indicator_id: str) -> pd.Series:
        return self.ds.indicators.set_index("indicator_id").loc[indicator_id]


def suggest(text: str, choices: dict[str, str] | Iterable[str], n: int = 3) -> str:
    """'; closest: a, b' from ``choices`` (key -> what to show), or '' when nothing is close."""
    shown = choices if isinstance(choices, dict) else {header_key(c): c for c in choices}
    close = difflib.get_close_matches(header_key(text), list(shown), n=n * 3, cutoff=0.4)
    picks = list(dict.fromkeys(shown[k] for k in close))[:n]
    return f"; closest: {', '.join(picks)}" if picks else ""


class Places:
    """County/city names -> adcode, memoised (a 10,000-row file names the same 24 units)."""

    def __init__(self, counties: gpd.GeoDataFrame, allow_city: bool) -> None:
        self.counties = counties
        self.allow_city = allow_city
        self.cache: dict[str, str | ImportProblem] = {}
        self.unknown = 0

    def resolve(self, text: str, row: int, column: str) -> str | ImportProblem:
        if text not in self.cache:
            self.cache[text] = self._resolve(text)
        got = self.cache[text]
        return ImportProblem(row, column, got.reason) if isinstance(got, ImportProblem) else got

    def _resolve(self, text: str) -> str | ImportProblem:
        if self.allow_city and (header_key(text) in CITY_NAMES or text.strip() == ind.CITY_ADCODE):
            return ind.CITY_ADCODE
        try:
            return match_county(text, self.counties, suggest=self.unknown < limits.MAX_SUGGESTED)
        except CountyMatchError as exc:
            self.unknown += 1
            shown = ", ".join(f"{name} ({code})" for code, name in exc.candidates)
            reason = f"{exc.reason}: {quoted(text)}" + (f"; closest: {shown}" if shown else "")
            return ImportProblem(0, "", reason)


SOURCE_ID_PREFIX = "import_"
GRADE_HELP = (
    "A = a government document or notice, B = the report itself or a major outlet's own page, "
    "C = a reprint on another site, D = a page with no named outlet, author or date"
)
_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def new_source_row(spec: SourceSpec) -> dict[str, str]:
    digest = hashlib.sha1(f"{spec.title}|{spec.publisher}|{spec.date}".encode()).hexdigest()[:10]
    return {
        "source_id": f"{SOURCE_ID_PREFIX}{digest}",
        "title": spec.title.strip(),
        "publisher": spec.publisher.strip(),
        "date": spec.date.strip(),
        "url": spec.url.strip(),
        "grade": spec.grade.strip().upper(),
        "note": "",
    }


def resolve_file_source(
    spec: SourceSpec, cat: Catalogue
) -> tuple[str | None, dict[str, str] | None, list[ImportProblem]]:
    """The file-wide source id, a new source row to add, and problems with the source given."""
    if not spec.given:
        return None, None, []
    if spec.source_id and not (spec.title or spec.publisher or spec.date or spec.grade):
        sid = cat.source_keys.get(spec.source_id) or cat.source_keys.get(header_key(spec.source_id))
        if sid:
            return sid, None, []
        hint = cat.suggest_source(spec.source_id)
        return None, None, [ImportProblem(1, "source", f"unknown source {quoted(spec.source_id)}{hint}")]
    problems = [
        ImportProblem(1, "source", f"a new source needs its {what}")
        for what, text in (("title", spec.title), ("publisher", spec.publisher), ("date", spec.date))
        if not text.strip()
    ]
    for what, text in (("title", spec.title), ("publisher", spec.publisher)):
        if reason := hidden_characters(text.strip()):
            problems.append(ImportProblem(1, "source", f"the {what} {reason}"))
    if reason := url_problem(spec.url.strip()):
        problems.append(ImportProblem(1, "source", reason))
    if spec.grade.strip().upper() not in GRADES:
        what = f"{spec.grade.strip()!r} is not a grade" if spec.grade.strip() else "a new source needs its grade"
        problems.append(ImportProblem(1, "source", f"{what}: {GRADE_HELP}"))
    if spec.date.strip() and not _DATE.fullmatch(spec.date.strip()):
        problems.append(ImportProblem(1, "source", f"date {quoted(spec.date)} must be YYYY, YYYY-MM or YYYY-MM-DD"))
    if problems:
        return None, None, problems
    row = new_source_row(spec)
    existing = cat.ds.sources[
        (cat.ds.sources["title"] == row["title"]) & (cat.ds.sources["publisher"] == row["publisher"])
    ]
    if not existing.empty:
        return str(existing["source_id"].iloc[0]), None, []
    return row["source_id"], row, []


class Sources:
    def __init__(self, cat: Catalogue, file_source: str | None) -> None:
        self.cat = cat
        self.file_source = file_source

    def resolve(self, text: str, row: int, column: str) -> str | ImportProblem:
        if text:
            sid = self.cat.source_keys.get(text) or self.cat.source_keys.get(header_key(text))
            if sid:
                return sid
            hint = self.cat.suggest_source(text)
            return ImportProblem(
                row, column, f"unknown source {quoted(text)}: give a source_id or title from the sources list{hint}"
            )
        if self.file_source:
            return self.file_source
        return ImportProblem(row, column, "no source: add a source column or give one source for the file")
