"""Fonts and text layout for exports: a CJK font found on this machine, matplotlib's settings,
and lines wrapped to a measured width.

Every text an export draws is data (county, category and source names, figures): it is drawn
literally, never read as maths markup, so ``US$5 to US$10`` or a ``$x$`` in a name cannot
garble a slide or stop the export (``text.parse_math`` off).
"""

from __future__ import annotations

import functools
import unicodedata

import matplotlib
from matplotlib import font_manager
from matplotlib.textpath import TextToPath

FONT_PACKAGE = "fonts-noto-cjk"
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
CJK_FILE_HINTS = ("NotoSansCJK", "NotoSansSC", "SourceHanSans", "wqy-microhei", "wqy-zenhei")
CLOSING = "，。；、：）》”！？,.;:)!?"


class FontMissing(RuntimeError):
    """No Chinese font: exports would print boxes instead of characters."""


def _font_names() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@functools.lru_cache(maxsize=1)
def cjk_font() -> str:
    """The family name of an installed CJK font; registers system fonts the cache has not seen."""
    names = _font_names()
    for family in CJK_FAMILIES:
        if family in names:
            return family
    # Fonts installed after matplotlib built its cache: add the files directly.
    for path in font_manager.findSystemFonts():
        if any(hint.lower() in path.lower() for hint in CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError):
                continue
    names = _font_names()
    for family in CJK_FAMILIES:
        if family in names:
            return family
    raise FontMissing(
        "No Chinese font for exports; install the Debian package "
        f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or another of: {', '.join(CJK_FAMILIES)}"
    )


def font_problem() -> str | None:
    """Why PNG and PDF exports cannot be made here (no CJK font), or None when they can."""
    try:
        cjk_font()
    except FontMissing as exc:
        return str(exc)
    return None


def configure() -> None:
    """Matplotlib settings for exports, applied to the process once and never swapped back:
    ``rc_context`` would change global state under another session's export thread."""
    matplotlib.rcParams.update(_rc())


def _rc() -> dict:
    return {
        "font.family": "sans-serif",
        "font.sans-serif": [cjk_font(), "DejaVu Sans"],
        "axes.unicode_minus": False,
        "hatch.linewidth": 1.1,
        "pdf.fonttype": 3,  # subset outlines with a ToUnicode map: small files whose text can be extracted
        "svg.fonttype": "none",
        "text.parse_math": False,  # data text is drawn as it is: "$" is a dollar sign, not maths
        "text.usetex": False,
    }


def font_properties(size: float) -> font_manager.FontProperties:
    return font_manager.FontProperties(family=_rc()["font.sans-serif"], size=size)


def _width(ch: str) -> float:
    """Approximate width in ems: CJK and full-width characters are one em, others about half."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def break_tokens(paragraph: str) -> list[str]:
    """Units a line may break between: single CJK characters, Latin words with their space."""
    tokens: list[str] = []
    word = ""
    for ch in paragraph:
        if _width(ch) == 1.0:
            if word:
                tokens.append(word)
                word = ""
            tokens.append(ch)
        elif ch == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += ch
    if word:
        tokens.append(word)
    return tokens


# Bounded: a deck measures a few thousand distinct (text, size) pairs, and texts come from the data.
@functools.lru_cache(maxsize=8192)
def measure(text: str, size_pt: float, bold: bool) -> float:
    prop = font_manager.FontProperties(
        family=[cjk_font(), "DejaVu Sans"], size=size_pt, weight="bold" if bold else "normal"
    )
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width


def wrap(text: str, width_pt: float, size_pt: float, *, bold: bool = False) -> list[str]:
    """Lines no wider than ``width_pt`` points at ``size_pt``, measured with the export font.

    Breaks between CJK characters and at spaces in Latin text; closing punctuation never
    starts a line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for tok in break_tokens(paragraph):
            candidate = line + tok
            if line and measure(candidate.rstrip(), size_pt, bold) > width_pt and tok[0] not in CLOSING:
                lines.append(line.rstrip())
                line = tok.lstrip()
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines


def fit_lines(lines: list[str], n: int) -> list[str]:
    """At most ``n`` lines; an ellipsis says when text was cut (the full text is in the data export)."""
    return lines if len(lines) <= n else [*lines[: n - 1], lines[n - 1].rstrip("，。；、 ") + "…"]
