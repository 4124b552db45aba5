"""Speaker notes on paper: a notes page after a slide in the deck PDF, and the text measure the
PPTX layout shares with it.

The measure counts ems (a CJK character is one em, other characters about half), so it needs
no font file and gives the same answer for the PDF's Noto Sans CJK and the PPTX's Microsoft
YaHei; callers leave a margin for the difference.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from geo.i18n import colon, t
from geo.model.themes import Theme, get_theme
from geo.render.export.fonts import CLOSING, break_tokens
from geo.views.briefing import SlideView
from geo.views.figures import figure_mark

LATIN_EM = 0.56  # average advance of Latin letters, digits and spaces in both fonts, in ems


def em_width(text: str) -> float:
    """Width of ``text`` in ems: full-width characters one em, the rest ``LATIN_EM``."""
    return sum(1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else LATIN_EM for ch in text)


def wrap_ems(text: str, width_em: float) -> list[str]:
    """Lines no wider than ``width_em`` ems; closing punctuation never starts a line."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for tok in break_tokens(paragraph):
            if line and em_width((line + tok).rstrip()) > width_em and tok[0] not in CLOSING:
                lines.append(line.rstrip())
                line = tok.lstrip()
            else:
                line += tok
        lines.append(line.rstrip())
    return lines


def notes_figure(view: SlideView, lang: str, theme_name: str, size_in: Sequence[float], dpi: int = 150) -> Figure:
    """A notes page for one slide, the size of the slide pages: its number and title, the speaker
    notes, and the full citation of each key figure. Assumes the export font is configured."""
    theme: Theme = get_theme(theme_name)
    w_in, h_in = size_in
    fig = Figure(figsize=(w_in, h_in), dpi=dpi, facecolor=theme.bg)
    left, right = 0.06, 0.94
    width_pt = (right - left) * w_in * 72
    heading = f"{t('speaker_notes', lang)} · {t('slide_counter', lang, n=view.number, total=view.total)}"
    fig.text(left, 0.93, heading, fontsize=13, color=theme.accent, fontweight="bold", va="top")
    fig.text(left, 0.885, view.title(lang), fontsize=20, color=theme.text, fontweight="bold", va="top")
    fig.add_artist(Line2D([left, right], [0.815, 0.815], color=theme.border, linewidth=0.8))
    notes = (view.slide.notes(lang) or t("notes_none", lang)).replace("\n", "\n\n")  # a blank line between paragraphs
    sources = [f"{f.label}{colon(lang)}{f.source}{figure_mark(f)}" for f in view.figures]
    source_head = t("source", lang)
    # Body type shrinks until notes and sources fit above the bottom margin (600 characters of
    # Chinese or 1,800 of English fit at the larger sizes).
    for size in (15.0, 14.0, 13.0, 12.0, 11.0):
        body = wrap_ems(notes, 0.97 * width_pt / size)
        small = size * 0.72
        cites = [line for s in sources for line in wrap_ems("· " + s, 0.97 * width_pt / small)]
        height_pt = len(body) * size * 1.5 + 18 + (len(cites) + 1) * small * 1.45
        if height_pt <= (0.78 - 0.06) * h_in * 72:
            break
    top = 0.78
    fig.text(left, top, "\n".join(body), fontsize=size, color=theme.text, va="top", linespacing=1.5)
    y = top - (len(body) * size * 1.5 + 18) / (h_in * 72)
    fig.text(left, y, "\n".join([source_head, *cites]), fontsize=small, color=theme.muted, va="top", linespacing=1.45)
    return fig
