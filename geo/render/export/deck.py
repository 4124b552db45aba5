"""Slides and the deck as PDF, made on the server with no browser and no internet.

A slide is its SlideView (geo.views.briefing): the map is drawn from the view's MapView by
geo.render.export.figure, key figures and caption beside it. Chinese text needs a CJK
font: Debian's fonts-noto-cjk (installed by ``make test`` and CI).
"""

from __future__ import annotations

import io
from collections.abc import Callable

import geopandas as gpd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import PathPatch
from matplotlib.path import Path

from geo.i18n import t
from geo.model import indicators as ind
from geo.model import qr
from geo.model.slides import Deck
from geo.model.themes import DEFAULT_THEME, Theme, get_theme
from geo.render.export.figure import DPI, draw_map, png_bytes
from geo.render.export.fonts import configure, fit_lines, measure, wrap
from geo.render.export.notes import notes_figure
from geo.views import links
from geo.views.briefing import SlideView, slide_view, sources_line
from geo.views.figures import figure_mark

SLIDE_PX = (1920, 1080)
QR_HEIGHT = 0.12  # of the slide's height: about 18 mm on a landscape A4 page, readable by a phone's camera
QR_MARGIN = 0.015
QR_QUIET = 2  # modules of light border drawn (the slide's margin gives the rest)


def slide_url(view: SlideView, qr_base: str | None, lang: str) -> str | None:
    """The slide's light view at the public address, or None (no address: no code)."""
    return links.public_light_url(qr_base, "briefing", links.slide_params(view.number, lang)) if qr_base else None


def qr_path(text: str, x0: float, y0: float, size: float) -> tuple[Path, Path]:
    """The light square and the dark modules of ``text``'s QR code as two paths in a box (figure fractions
    of height; ``x0`` in the same units, scaled by the caller), vector, so every module stays crisp."""
    rows = qr.matrix(text)
    n = len(rows) + 2 * QR_QUIET
    m = size / n
    verts, codes = [], []
    for r, row in enumerate(rows):
        c = 0
        while c < len(row):
            if not row[c]:
                c += 1
                continue
            start = c
            while c < len(row) and row[c]:
                c += 1
            left, right = x0 + (start + QR_QUIET) * m, x0 + (c + QR_QUIET) * m
            top = y0 + size - (r + QR_QUIET) * m
            verts += [(left, top), (right, top), (right, top - m), (left, top - m), (left, top)]
            codes += [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY]
    square = Path(
        [(x0, y0), (x0 + size, y0), (x0 + size, y0 + size), (x0, y0 + size), (x0, y0)],
        [Path.MOVETO, Path.LINETO, Path.LINETO, Path.LINETO, Path.CLOSEPOLY],
    )
    return square, Path(verts, codes)


def draw_qr(fig: Figure, url: str) -> None:
    """The code in the slide's bottom right corner, dark on white in both themes (what a camera reads)."""
    w_in, h_in = fig.get_size_inches()
    size_in = QR_HEIGHT * h_in
    ax = fig.add_axes((1 - QR_MARGIN - size_in / w_in, QR_MARGIN, size_in / w_in, QR_HEIGHT))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    square, modules = qr_path(url, 0.0, 0.0, 1.0)
    ax.add_patch(PathPatch(square, facecolor="#ffffff", edgecolor="none"))
    ax.add_patch(PathPatch(modules, facecolor="#000000", edgecolor="none", antialiased=False))
    ax.set_gid("qr")
    ax.set_label(url)


def slide_figure(
    view: SlideView,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    context: gpd.GeoDataFrame | None = None,
    dpi: int = DPI,
    qr_base: str | None = None,
) -> Figure:
    """A 16:9 slide (1920×1080 at 150 dpi): title, map, key figures with sources, caption, source line, and
    with ``qr_base`` (BAODING_PUBLIC_URL) a small QR code of the slide's light view in the bottom right corner."""
    configure()
    theme = get_theme(theme_name)
    w, h = SLIDE_PX
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor=theme.bg)
    fig.text(0.025, 0.955, view.title(lang), fontsize=25, fontweight="bold", color=theme.text, va="top")
    fig.text(
        0.975,
        0.955,
        f"{view.number} / {view.total}",
        fontsize=15,
        color=theme.accent,
        ha="right",
        va="top",
        fontweight="bold",
    )
    ax = fig.add_axes((0.025, 0.10, 0.56, 0.77))
    draw_map(ax, view.map, counties, theme, lang, context)
    url = slide_url(view, qr_base, lang)
    _right_panel(fig, view, theme, lang, bottom=QR_MARGIN + QR_HEIGHT + 0.01 if url else PANEL[3])
    source = sources_line(view, ds, lang) + " · " + t("export_boundaries", lang)
    qr_width = (QR_HEIGHT * h / w + QR_MARGIN + 0.01) if url else 0.0
    width_pt = (0.95 - qr_width) * w / dpi * 72
    fig.text(
        0.025,
        0.075,
        "\n".join(fit_lines(wrap(source, width_pt, 8), 3)),
        fontsize=8,
        color=theme.muted,
        va="top",
        linespacing=1.35,
    )
    if url:
        draw_qr(fig, url)
    return fig


PANEL = (0.615, 0.975, 0.875, 0.10)  # left, right, top, bottom in figure fractions


def _right_panel(fig: Figure, view: SlideView, theme: Theme, lang: str, bottom: float = PANEL[3]) -> None:
    """Key figures (label, value, year, source) then the caption, scaled down until they fit above ``bottom``."""
    fig_w, fig_h = (v * 72 for v in fig.get_size_inches())
    left, right, top, _ = PANEL
    width = (right - left) * fig_w
    for scale in (1.0, 0.93, 0.86, 0.8, 0.74):
        items = []  # (x fraction, y points from top, text, size, colour, bold, align)
        y = 0.0
        for f in view.figures:
            label = wrap(f.label, width, 13 * scale)[:2]
            items.append((left, y, "\n".join(label), 13 * scale, theme.muted, False, "left"))
            y += 13 * scale * 1.3 * len(label) + 3
            # The value shrinks until it leaves room for its year at the right.
            note_w = measure(f.note, 12 * scale, False) + 12 if f.note else 0
            value_pt = 30 * scale
            while value_pt > 14 and measure(f.value, value_pt, True) > width - note_w:
                value_pt *= 0.94
            items.append((left, y + (30 * scale - value_pt) * 0.6, f.value, value_pt, theme.text, True, "left"))
            if f.note:
                items.append((right, y + 8 * scale, f.note, 12 * scale, theme.muted, False, "right"))
            y += 30 * scale * 1.36
            colon_ = "：" if lang == "zh" else ": "
            cite = f"{t('source', lang)}{colon_}{f.short_source or f.source}{figure_mark(f)}"
            src = fit_lines(wrap(cite, width, 9.5 * scale), 3 if f.mark_detail else 2)
            items.append((left, y, "\n".join(src), 9.5 * scale, theme.muted, False, "left"))
            y += 9.5 * scale * 1.3 * len(src) + 16 * scale
        rule = y
        y += 10 * scale
        caption = wrap(view.caption(lang), width, 14.5 * scale)
        items.append((left, y, "\n".join(caption), 14.5 * scale, theme.text, False, "left"))
        y += 14.5 * scale * 1.45 * len(caption)
        if y <= (top - bottom) * fig_h:
            break
    for x, y_pt, text, size, color, bold, align in items:
        fig.text(
            x,
            top - y_pt / fig_h,
            text,
            fontsize=size,
            color=color,
            va="top",
            ha=align,
            fontweight="bold" if bold else "normal",
            linespacing=1.3 if size < 14 else 1.45,
        )
    yr = top - rule / fig_h
    fig.add_artist(Line2D([left, right], [yr, yr], color=theme.border, linewidth=0.8))


def slide_png(
    view: SlideView,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    context: gpd.GeoDataFrame | None = None,
    qr_base: str | None = None,
) -> bytes:
    return png_bytes(slide_figure(view, ds, counties, lang, theme_name, context, qr_base=qr_base))


def deck_pdf(
    deck: Deck,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    progress: Callable[[int, int], None] | None = None,
    png: Callable[[int, str, bytes], None] | None = None,
    context: gpd.GeoDataFrame | None = None,
    notes: bool = False,
    qr_base: str | None = None,
) -> bytes:
    """The whole deck as one PDF, a page per slide; ``progress(done, total)`` after each page,
    ``png(number, slide_id, bytes)`` to also receive each slide as PNG; ``notes``: a speaker-notes
    page after each slide; ``qr_base``: the public address, for a QR code of each slide's light view."""
    buf = io.BytesIO()
    metadata = {"Title": t("app_title", lang), "Subject": t("page_briefing", lang), "CreationDate": None}
    configure()
    with PdfPages(buf, metadata=metadata) as pdf:
        for i in range(len(deck)):
            view = slide_view(deck, i, ds, counties, sites, lang, context)
            fig = slide_figure(view, ds, counties, lang, theme_name, context, qr_base=qr_base)
            FigureCanvasAgg(fig)
            pdf.savefig(fig)
            if notes:
                pdf.savefig(notes_figure(view, lang, theme_name, fig.get_size_inches()))
            if png is not None:
                png(i + 1, view.slide.id, png_bytes(fig))
            if progress is not None:
                progress(i + 1, len(deck))
    return buf.getvalue()
