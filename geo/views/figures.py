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
    grade: str = ""  # the grade (A–D) of its source
    mark: str = ""  # weak or disputed: "来源较弱"/"来源不一" ("" for the rest)
    mark_detail: str = ""  # the mark with both figures and their sources


def figure_mark(f: KeyFigure) -> str:
    """What follows a figure's source line in exports: its weak/disputed mark with both figures, or ''."""
    return f" · {f.mark_detail}" if f.mark_detail else ""
