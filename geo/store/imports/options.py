"""What the person importing says about a file: its kind, year, status, source, datum and mode."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

YEARS = (1949, 2100)
KINDS = ("auto", "values", "sites", "boundaries")
BOUNDARY_MODES = ("extend", "replace")
# Accepted datum names -> geo.model.datum's; CGCS2000 (China's GNSS datum) agrees with WGS-84 to
# within a metre or so here, far below what a county map shows.
DATUM_NAMES = {"wgs84": "wgs84", "cgcs2000": "wgs84", "gcj02": "gcj02", "bd09": "bd09", "": "wgs84"}


ProgressFn = Callable[[float, str], None]


@dataclass(frozen=True)
class SourceSpec:
    """The file's source: an existing ``source_id``, or a new one (title, publisher, date, grade A–D;
    optionally a URL, linked only once its host is on the reviewed outlet list)."""

    source_id: str = ""
    title: str = ""
    publisher: str = ""
    date: str = ""
    url: str = ""
    grade: str = ""

    @property
    def given(self) -> bool:
        return bool(self.source_id or self.title or self.publisher or self.date or self.url or self.grade)


@dataclass(frozen=True)
class ImportOptions:
    kind: str = "auto"
    year: int | None = None
    status: str = "reported"
    source: SourceSpec = field(default_factory=SourceSpec)
    datum: str = ""  # sites and boundaries without their own CRS or datum column
    mode: str = "extend"  # boundaries: extend or replace the current units
