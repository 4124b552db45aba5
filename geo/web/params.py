"""View state that lives in the URL: checking what a link asks for against what exists."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass


@dataclass(frozen=True)
class Resolved:
    value: str
    rejected: str | None  # the raw value from the link that was not valid, if any


def resolve(raw: str | None, valid: Collection[str], default: str) -> Resolved:
    """The value a URL parameter asks for when valid, else the default and what was rejected."""
    if raw is None or raw == "":
        return Resolved(default, None)
    if raw in valid:
        return Resolved(raw, None)
    return Resolved(default, raw)


def clicked_county(result: dict | None, last_click: object) -> tuple[str | None, object]:
    """The adcode of a county clicked since ``last_click``, and the click to remember.

    st_folium keeps returning the last clicked feature on every rerun; the click
    position changes with each click, so it tells a new click from an old one.
    """
    if not result:
        return None, last_click
    click = result.get("last_object_clicked")
    drawing = result.get("last_active_drawing") or {}
    adcode = (drawing.get("properties") or {}).get("adcode")
    if click is None or click == last_click or not adcode:
        return None, last_click
    return str(adcode), click


def parse_county_list(raw: str | None, valid: Collection[str]) -> tuple[list[str], list[str]]:
    """``county=130624,130630`` -> (valid adcodes in order without repeats, rejected parts)."""
    if not raw:
        return [], []
    good: list[str] = []
    bad: list[str] = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if part in valid:
            if part not in good:
                good.append(part)
        else:
            bad.append(part)
    return good, bad


def fresh(value: object, last: object) -> bool:
    """Whether a widget's returned value is a new user action rather than the same state replayed."""
    return value != last


def share_link(page_url: str | None, params: dict[str, str]) -> str | None:
    """The link that reopens this view: the page's URL plus the view's parameters, in a stable order."""
    if not page_url:
        return None
    from urllib.parse import urlencode

    query = urlencode(sorted((k, v) for k, v in params.items() if v not in (None, "")), safe=",")
    return f"{page_url}?{query}" if query else page_url


def next_step(options: list[str], current: str) -> str | None:
    """The option after ``current`` when playing through years; None at the end (or if not found)."""
    if current not in options:
        return options[0] if options else None
    i = options.index(current)
    return options[i + 1] if i + 1 < len(options) else None
