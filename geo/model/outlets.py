"""The reviewed outlets a source may link to, the grade of each source, and the marks of weak values.

A source's URL becomes a link only when its host is one of a listed outlet's domains
(``data/outlets.csv``, changed by review only: imports never write it). Any other URL is
kept and shown as text with its host named. A URL on a reprint site's domain is named as a
reprint ("新华社，中华网转载" / "Xinhua, reprinted by china.com").

Grades (stored with each source): A = a government document or notice; B = the report itself,
or a major outlet's own page; C = a reprint on another site (or a figure that follows from
several sources only by deduction); D = a page with no named outlet, author or date.

A value is *weak* when its only sources are grade D, and *disputed* when another source gives
a different figure (``data/value_sources.csv``: further sources of a stored value, each with
the figure it gives).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pandas as pd

OUTLET_KINDS = ("government", "report", "press", "reprint")
GRADES = ("A", "B", "C", "D")
WEAK_GRADE = "D"
# The key of a stored value (values.csv), which a further source refers to.
VALUE_KEY = ["indicator_id", "adcode", "year", "status"]

_HOST = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_OUTLET_ID = re.compile(r"[a-z][a-z0-9_]*")


def host_of(url: str) -> str:
    """The lower-case host of an http(s) URL; '' for anything else (or no URL)."""
    url = str(url or "").strip()
    if not re.match(r"https?://", url, re.IGNORECASE):
        return ""
    try:
        return (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:  # e.g. a malformed IPv6 literal
        return ""


def domains_of(text: str) -> list[str]:
    """The hosts of an outlet's ``domains`` cell (separated by spaces)."""
    return [d.strip().lower() for d in str(text or "").split() if d.strip()]


def outlet_problem(outlets: pd.DataFrame) -> tuple[int, str] | None:
    """(line, reason) of the first problem in the outlet list, or None. Line 2 is the first row."""
    seen: dict[str, str] = {}
    ids: set[str] = set()
    for line, row in enumerate(outlets.to_dict("records"), start=2):
        oid = row["outlet_id"]
        if not _OUTLET_ID.fullmatch(oid):
            return line, f"outlet_id {oid!r} must be lower-case ASCII (a-z, 0-9, _)"
        if oid in ids:
            return line, f"outlet_id {oid!r} is listed twice"
        ids.add(oid)
        if not row["name_zh"].strip() or not row["name_en"].strip():
            return line, "an outlet needs name_zh and name_en"
        if row["kind"] not in OUTLET_KINDS:
            return line, f"kind must be one of {', '.join(OUTLET_KINDS)}"
        domains = domains_of(row["domains"])
        if not domains and row["kind"] != "report":
            return line, "domains: give the outlet's own host name(s), separated by spaces"
        for d in domains:
            if not _HOST.fullmatch(d):
                return line, f"domains: {d!r} is not a host name (no scheme, path or port)"
            if d in seen:
                return line, f"domains: {d!r} is already listed for {seen[d]}"
            seen[d] = oid
    return None


def outlet_by_host(outlets: pd.DataFrame) -> dict[str, dict[str, str]]:
    return {d: row for row in outlets.to_dict("records") for d in domains_of(row["domains"])}


def describe_sources(sources: pd.DataFrame, outlets: pd.DataFrame) -> pd.DataFrame:
    """The sources with what the app shows of their URLs:

    ``host`` (of the URL, '' without one), ``outlet_id`` (the listed outlet that host belongs
    to, '' if none), ``link`` (the URL when its host is listed, else ''), ``unreviewed`` (the
    host when it is not listed, else '') and ``via_zh``/``via_en`` (the reprint site's name
    when the listed outlet is a reprint site, else '').
    """
    by_host = outlet_by_host(outlets)
    hosts = sources["url"].map(host_of)
    found = hosts.map(lambda h: by_host.get(h) if h else None)
    listed = found.notna()
    reprint = found.map(lambda o: o is not None and o["kind"] == "reprint")
    return sources.assign(
        host=hosts,
        outlet_id=found.map(lambda o: o["outlet_id"] if o is not None else ""),
        link=sources["url"].where(listed, ""),
        unreviewed=hosts.where(~listed, ""),
        via_zh=found.map(lambda o: o["name_zh"] if o is not None else "").where(reprint, ""),
        via_en=found.map(lambda o: o["name_en"] if o is not None else "").where(reprint, ""),
    )


def unreviewed_hosts(sources: pd.DataFrame) -> pd.DataFrame:
    """Hosts of source URLs outside the outlet list, with the sources that use them (for review)."""
    u = sources[sources["unreviewed"] != ""]
    if u.empty:
        return pd.DataFrame(columns=["host", "sources", "titles"])
    grouped = u.groupby("unreviewed", sort=True)
    return pd.DataFrame(
        {
            "host": list(grouped.groups),
            "sources": [", ".join(g["source_id"]) for _, g in grouped],
            "titles": ["; ".join(g["title"]) for _, g in grouped],
        }
    )


def value_marks(values: pd.DataFrame, sources: pd.DataFrame, extra: pd.DataFrame, same: callable) -> pd.DataFrame:
    """Per stored value: ``grade`` (its source's), ``weak`` (its only sources are grade D) and
    ``disputed`` (a further source gives another figure), in the order of ``values``.

    ``extra`` holds further sources of values (VALUE_KEY, value, source_id); ``same(a, b, indicator_id)``
    says whether two figures of one indicator agree.
    """
    grade = values["source_id"].map(sources.set_index("source_id")["grade"]).fillna("")
    weak = grade == WEAK_GRADE
    disputed = pd.Series(False, index=values.index)
    if len(extra):
        g = extra["source_id"].map(sources.set_index("source_id")["grade"]).fillna("")
        key = values[VALUE_KEY].astype(str).agg("|".join, axis=1)
        extra_key = extra[VALUE_KEY].astype(str).agg("|".join, axis=1)
        stronger = set(extra_key[g != WEAK_GRADE])
        weak = weak & ~key.isin(stronger)
        main = dict(zip(key, zip(values["value"], values["indicator_id"])))
        differs = {k for k, v in zip(extra_key, extra["value"]) if k in main and not same(main[k][0], v, main[k][1])}
        disputed = key.isin(differs)
    return pd.DataFrame({"grade": grade, "weak": weak, "disputed": disputed}, index=values.index)
