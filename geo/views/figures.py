"""The one key-figure type: a sourced number as the overview strip, a slide and the programmes page show it."""

from __future__ import annotations

from dataclasses import dataclass

from geo.model.slides import FigureRef


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str  # with its unit, formatted for the language
    source: str  # the full citation
    note: str = ""  # year, and status when not a reported figure
    short_source: str = ""  # what fits under the figure on a slide
    ref: FigureRef | None = None  # where a slide's figure comes from (the deck)
