"""Print-ready exports made on the server, with no browser and no internet.

Maps and slides are drawn with geopandas + matplotlib (object API: no pyplot, no global
state shared between sessions) in a projected metric CRS, so the scale bar is true. The
county colours are read from the layer the app draws (geo.views.briefing.layer_fills), and the
legend is the app's Legend, so paper and screen cannot disagree. Chinese text needs a CJK
font: Debian's fonts-noto-cjk (installed by ``make test`` and CI).
"""

from __future__ import annotations

import functools
import io
import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import geopandas as gpd
import matplotlib
from matplotlib import font_manager, patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.textpath import TextToPath
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from pyproj import Transformer
from shapely.geometry import box

from geo.i18n import paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.boundaries import METRIC_CRS  # UTM 50N: metres across Baoding, for a true scale bar
from geo.model.context import label_points, xiongan_outline
from geo.model.labels import anchor_points, place_labels, short_name
from geo.model.slides import Deck
from geo.model.themes import DEFAULT_THEME, Theme, get_theme
from geo.render.export.notes import notes_figure
from geo.render.leaflet.maps import BORDER, CONTEXT_FILL, CONTEXT_LINE, CONTEXT_TEXT, PLANNED_SWATCH, XIONGAN_SWATCH
from geo.views import overview as views
from geo.views.briefing import SlideView, layer_fills, slide_view, sources_line

FONT_PACKAGE = "fonts-noto-cjk"
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei", "WenQuanYi Zen Hei")
CJK_FILE_HINTS = ("NotoSansCJK", "NotoSansSC", "SourceHanSans", "wqy-microhei", "wqy-zenhei")
HATCH = "////"
HATCH_BG = "#f2f2f2"  # the app's hatch pattern: grey lines on near-white (geo.render.leaflet.maps.HatchPattern)
HATCH_LINE = "#9e9e9e"
SLIDE_PX = (1920, 1080)
MAP_PX = (1600, 1200)
DPI = 150
NICE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200)
PLANNED_LINE = "#111111"  # as geo.render.leaflet.maps draws targets and forecasts
XIONGAN_LINE = "#5e3c99"
LABEL_PT = 8.5
CLOSING = "，。；、：）》”！？,.;:)!?"


class FontMissing(RuntimeError):
    """No Chinese font: exports would print boxes instead of characters."""


def _font_names() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@functools.cache
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
    }


# ---------------------------------------------------------------------------
# Text layout


def _width(ch: str) -> float:
    """Approximate width in ems: CJK and full-width characters are one em, others about half."""
    return 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.55


def _tokens(paragraph: str) -> list[str]:
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


@functools.cache
def _measure(text: str, size_pt: float, bold: bool) -> float:
    prop = font_manager.FontProperties(family=[cjk_font(), "DejaVu Sans"], size=size_pt,
                                       weight="bold" if bold else "normal")  # fmt: skip
    width, _, _ = TextToPath().get_text_width_height_descent(text, prop, ismath=False)
    return width


def wrap(text: str, width_pt: float, size_pt: float, bold: bool = False) -> list[str]:
    """Lines no wider than ``width_pt`` points at ``size_pt``, measured with the export font.

    Breaks between CJK characters and at spaces in Latin text; closing punctuation never
    starts a line.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for tok in _tokens(paragraph):
            candidate = line + tok
            if line and _measure(candidate.rstrip(), size_pt, bold) > width_pt and tok[0] not in CLOSING:
                lines.append(line.rstrip())
                line = tok.lstrip()
            else:
                line = candidate
        lines.append(line.rstrip())
    return lines


def _fit_lines(lines: list[str], n: int) -> list[str]:
    """At most ``n`` lines; an ellipsis says when text was cut (the full text is in the data export)."""
    return lines if len(lines) <= n else [*lines[: n - 1], lines[n - 1].rstrip("，。；、 ") + "…"]


# ---------------------------------------------------------------------------
# The map


@dataclass(frozen=True)
class MapContent:
    """What a map shows, independent of where it is drawn."""

    counties: gpd.GeoDataFrame  # WGS-84
    fills: dict[str, str | None]  # adcode -> colour; None = no data (hatched)
    mode: str  # "county", "city" (one city-wide total) or "context"
    legend: cl.Legend | None
    sites: gpd.GeoDataFrame | None = None  # points with ``color`` and ``precision``
    site_legend: cl.Legend | None = None
    extent: Sequence[str] | None = None  # adcodes to frame; None = all
    planned: frozenset[str] = frozenset()  # dashed outline: target or forecast
    context: gpd.GeoDataFrame | None = None  # grey neighbours with names (geo.model.context)
    labels: bool = True  # county names


def _nice_km(span_m: float) -> int:
    target = span_m / 5 / 1000
    return max([k for k in NICE_KM if k <= max(target, 1)] or [1])


def _north_angle(lon: float, lat: float) -> float:
    """Angle (degrees, clockwise from the map's up) of true north at a point: UTM grid convergence."""
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    x0, y0 = tr.transform(lon, lat)
    x1, y1 = tr.transform(lon, lat + 0.05)
    return math.degrees(math.atan2(x1 - x0, y1 - y0))


def _counted(label: str, count: int | None, lang: str) -> str:
    return label if count is None else f"{label}{paren(count, lang)}"


def _legend_handles(legend: cl.Legend, theme: Theme, lang: str) -> tuple[list, list[str]]:
    handles, labels = [], []
    for e in legend.entries:
        if e.color == "hatch":
            handles.append(Patch(facecolor=HATCH_BG, edgecolor=HATCH_LINE, hatch=HATCH, linewidth=0.8))
        elif e.color == PLANNED_SWATCH:
            handles.append(Patch(facecolor="white", edgecolor=PLANNED_LINE, linestyle="--", linewidth=1.6))
        elif e.color == XIONGAN_SWATCH:
            handles.append(Patch(facecolor="white", edgecolor=XIONGAN_LINE, linestyle=":", linewidth=2))
        else:
            handles.append(Patch(facecolor=e.color, edgecolor=BORDER, linewidth=0.6))
        labels.append(_counted(e.label, e.count, lang))
    if legend.note:
        handles.append(Patch(facecolor="none", edgecolor="none"))
        labels.append(legend.note)
    return handles, labels


def _site_handles(legend: cl.Legend, lang: str) -> tuple[list, list[str]]:
    handles = [
        Line2D([], [], marker="o", linestyle="none", markersize=10, markerfacecolor="white",
               markeredgecolor=e.color, markeredgewidth=2.6)
        for e in legend.entries
    ]  # fmt: skip
    labels = [_counted(e.label, e.count, lang) for e in legend.entries]
    if legend.note:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(legend.note)
    return handles, labels


def draw_map(ax, content: MapContent, theme: Theme, lang: str, font_scale: float = 1.0) -> None:
    """Counties, no-data hatch, places, legend, scale bar and north arrow on ``ax``."""
    counties = content.counties.to_crs(METRIC_CRS)
    ax.set_facecolor(theme.map_bg)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(theme.border)
    city = counties.geometry.union_all()
    show_context = content.context is not None and not content.context.empty and theme.name == "light"
    if show_context:
        content.context.to_crs(METRIC_CRS).plot(
            ax=ax, facecolor=CONTEXT_FILL, edgecolor=CONTEXT_LINE, linewidth=0.6, zorder=0.5
        )
    gpd.GeoSeries([city], crs=METRIC_CRS).plot(ax=ax, facecolor="none", edgecolor=theme.halo, linewidth=3.2, zorder=1)
    if content.mode == "city":
        gpd.GeoSeries([city], crs=METRIC_CRS).plot(ax=ax, color=cl.CITY_FILL, linewidth=0, zorder=2)
    else:
        fill = counties["adcode"].map(content.fills)
        known = counties[fill.notna()]
        if not known.empty:
            known.plot(ax=ax, color=fill[fill.notna()].tolist(), linewidth=0, zorder=2)
        missing = counties[fill.isna()]
        if not missing.empty:
            missing.plot(ax=ax, facecolor=HATCH_BG, edgecolor=HATCH_LINE, hatch=HATCH, linewidth=0, zorder=2)
    counties.boundary.plot(ax=ax, color=BORDER, linewidth=0.7, zorder=3)
    planned = counties[counties["adcode"].isin(content.planned)]
    if not planned.empty:
        planned.boundary.plot(ax=ax, color=PLANNED_LINE, linewidth=1.8, linestyle=(0, (4, 2.5)), zorder=4)
    if show_context:
        xa = xiongan_outline(content.counties)
        if not xa.is_empty:
            gpd.GeoSeries([xa], crs=content.counties.crs).to_crs(METRIC_CRS).boundary.plot(
                ax=ax, color=XIONGAN_LINE, linewidth=1.8, linestyle=(0, (1, 2.5)), zorder=4
            )
    if content.sites is not None and not content.sites.empty:
        pts = content.sites.to_crs(METRIC_CRS)
        filled = pts["precision"].isin(("exact", "township"))
        ax.scatter(
            pts.geometry.x, pts.geometry.y, s=190 * font_scale, zorder=5, linewidths=2.8,
            facecolors=[c if f else "white" for c, f in zip(pts["color"], filled)], edgecolors=pts["color"].tolist(),
        )  # fmt: skip

    frame = counties[counties["adcode"].isin(content.extent)] if content.extent else counties
    minx, miny, maxx, maxy = frame.total_bounds
    pad = 0.06 * max(maxx - minx, maxy - miny)
    x0, x1, y0, y1 = _fit_box(ax, minx - pad, maxx + pad, miny - pad, maxy + pad)
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")
    shown = frame.geometry.union_all()

    def overlap(corner: str, w: float, h: float) -> float:
        xs = (x0, x0 + w * (x1 - x0)) if "left" in corner else (x1 - w * (x1 - x0), x1)
        ys = (y0, y0 + h * (y1 - y0)) if "lower" in corner else (y1 - h * (y1 - y0), y1)
        return shown.intersection(box(xs[0], ys[0], xs[1], ys[1])).area

    if content.labels:
        _draw_labels(ax, content, lang, (x0, x1, y0, y1), show_context, theme)
    corners = ["upper right", "upper left", "lower left", "lower right"]
    # The legend goes where it hides least of the framed counties; scale bar and arrow take the next corners.
    ranked = sorted(corners, key=lambda c: overlap(c, 0.34, 0.34))
    size = 9.5 * font_scale
    if content.legend is not None or content.site_legend is not None:
        handles, labels = [], []
        title = ""
        if content.legend is not None:
            handles, labels = _legend_handles(content.legend, theme, lang)
            title = content.legend.title
        if content.site_legend is not None:
            h, lab = _site_handles(content.site_legend, lang)
            if handles:
                handles.append(Patch(facecolor="none", edgecolor="none"))
                labels.append(content.site_legend.title)
            else:
                title = content.site_legend.title
            handles += h
            labels += lab
        leg = ax.legend(
            handles, labels, title=title, loc=ranked[0], fontsize=size, title_fontsize=size * 1.08,
            frameon=True, framealpha=0.94, facecolor=theme.legend_bg, edgecolor=theme.border,
            labelcolor=theme.legend_text, borderpad=0.7, handlelength=1.6, handleheight=1.1,
        )  # fmt: skip
        leg.get_title().set_color(theme.legend_text)
        leg.set_zorder(10)
    km = _nice_km(x1 - x0)
    bar = AnchoredSizeBar(
        ax.transData, km * 1000, f"{km} {t('km', lang)}", ranked[1], pad=0.5, borderpad=0.8, sep=4,
        frameon=True, size_vertical=(y1 - y0) / 160, color=theme.legend_text,
        fontproperties=font_manager.FontProperties(family=_rc()["font.sans-serif"], size=size),
    )  # fmt: skip
    bar.patch.set_facecolor(theme.legend_bg)
    bar.patch.set_alpha(0.9)
    bar.patch.set_edgecolor(theme.border)
    bar.set_zorder(10)
    ax.add_artist(bar)
    lon, lat = gpd.GeoSeries([shown.centroid], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0].coords[0]
    angle = math.radians(_north_angle(lon, lat))
    corner = ranked[2]
    ax_x = 0.06 if "left" in corner else 0.94
    ax_y = 0.90 if "upper" in corner else 0.17
    length = 34 * font_scale
    ax.annotate(
        t("north", lang), xy=(ax_x, ax_y), xycoords="axes fraction",
        xytext=(-length * math.sin(angle), -length * math.cos(angle)), textcoords="offset points",
        ha="center", va="top", fontsize=size * 1.15, fontweight="bold", color=theme.legend_text, zorder=11,
        arrowprops={"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": theme.legend_text, "lw": 2},
    )  # fmt: skip


def _fit_box(ax, x0: float, x1: float, y0: float, y1: float) -> tuple[float, float, float, float]:
    """Widen the shorter side of the extent so one metre is as long across as up, filling the axes."""
    bbox = ax.get_position(original=True)
    fig_w, fig_h = ax.figure.get_size_inches()
    box_ratio = (bbox.height * fig_h) / (bbox.width * fig_w)
    w, h = x1 - x0, y1 - y0
    if h / w < box_ratio:
        grow = (w * box_ratio - h) / 2
        return x0, x1, y0 - grow, y1 + grow
    grow = (h / box_ratio - w) / 2
    return x0 - grow, x1 + grow, y0, y1


def _web_zoom(ax, x_span_m: float, lat: float) -> float:
    """The Leaflet zoom at which the screen map has this export's scale, adjusted for the larger
    print type, so the same labels show as on screen at that scale (geo.model.labels' min_zoom)."""
    width_px = ax.get_window_extent().width
    metres_per_px = x_span_m / max(width_px, 1)
    zoom = math.log2(156543.03 * math.cos(math.radians(lat)) / metres_per_px)
    label_px = LABEL_PT * ax.figure.dpi / 72
    return zoom - math.log2(label_px / 13)


def _draw_labels(ax, content: MapContent, lang: str, limits: tuple[float, ...], show_context: bool, theme: Theme):
    x0, x1, y0, y1 = limits
    names = content.counties.set_index("adcode")["name_en" if lang == "en" else "name_zh"]
    texts = {a: short_name(str(n), lang) for a, n in names.items()}
    labels = place_labels(anchor_points(content.counties), texts)
    lat = float(content.counties.geometry.union_all().centroid.y)
    zoom = _web_zoom(ax, x1 - x0, lat)
    halo = [patheffects.withStroke(linewidth=2.6, foreground="white")]
    # A county with a place marker at its centre gets its name just below the marker.
    marked = set(content.sites["adcode"]) if content.sites is not None and not content.sites.empty else set()
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    for lb in labels:
        if lb.min_zoom > zoom + 1e-6:
            continue
        x, y = tr.transform(lb.lon, lb.lat)
        if x0 <= x <= x1 and y0 <= y <= y1:
            below = lb.adcode in marked
            ax.annotate(
                lb.text, xy=(x, y), xytext=(0, -11 if below else 0), textcoords="offset points", ha="center",
                va="top" if below else "center", fontsize=LABEL_PT, fontweight="bold", color="#1a1a1a",
                path_effects=halo, zorder=6, annotation_clip=True,
            )  # fmt: skip
    if show_context:
        pts = label_points(content.context).to_crs(METRIC_CRS)
        col = "name_en" if lang == "en" else "name_zh"
        for p, name in zip(pts.geometry, pts[col]):
            if x0 <= p.x <= x1 and y0 <= p.y <= y1:
                ax.text(p.x, p.y, str(name), ha="center", va="center", fontsize=LABEL_PT * 0.9, color=CONTEXT_TEXT,
                        zorder=0.8, clip_on=True)  # fmt: skip


def _png(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def map_figure(content: MapContent, title: str, source: str, lang: str, theme_name: str = DEFAULT_THEME,
               size: tuple[int, int] = MAP_PX, dpi: int = DPI) -> Figure:  # fmt: skip
    """One map with title and source line, ``size`` pixels at ``dpi``."""
    theme = get_theme(theme_name)
    configure()
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, facecolor=theme.bg)
    fig.text(0.03, 0.965, title, fontsize=17, fontweight="bold", color=theme.text, va="top")
    ax = fig.add_axes((0.03, 0.09, 0.94, 0.80))
    draw_map(ax, content, theme, lang)
    lines = _fit_lines(wrap(source, 0.94 * size[0] / dpi * 72, 7.5), 3)
    fig.text(0.03, 0.065, "\n".join(lines), fontsize=7.5, color=theme.muted, va="top", linespacing=1.35)
    return fig


def map_png(content: MapContent, title: str, source: str, lang: str, theme_name: str = DEFAULT_THEME,
            size: tuple[int, int] = MAP_PX) -> bytes:  # fmt: skip
    return _png(map_figure(content, title, source, lang, theme_name, size))


def overview_content(
    view: views.OverviewView, counties: gpd.GeoDataFrame, context: gpd.GeoDataFrame | None = None
) -> MapContent:
    mode, fills, planned = layer_fills(view.layer)
    return MapContent(counties, fills, mode, view.legend, planned=frozenset(planned), context=context)


def overview_png(
    ds: ind.Dataset, counties: gpd.GeoDataFrame, indicator_id: str, year: int | None, scheme: str, lang: str,
    theme_name: str = DEFAULT_THEME, context: gpd.GeoDataFrame | None = None,
) -> bytes:  # fmt: skip
    """The overview's map as a PNG (1600×1200): same classes, colours and legend as on screen.

    ``context``: the grey neighbours the overview draws (geo.model.context.cached_context), if any.
    """
    view = views.overview(ds, counties, indicator_id, year, scheme, lang, context=context)
    title = f"{view.indicator.name(lang)} · {view.year or t('latest_year', lang)}"
    rows = ind.county_values(ds, indicator_id, view.year)
    source = _sources_of(ds, rows["source_id"].tolist() if not rows.empty else [], lang, indicator_id, view.year)
    return map_png(overview_content(view, counties, context), title, source, lang, theme_name)


def _sources_of(ds: ind.Dataset, ids: Iterable[str], lang: str, indicator_id: str, year: int | None) -> str:
    city = ind.city_value(ds, indicator_id, year)
    ids = [*ids, *([city["source_id"]] if city is not None else [])]
    src = ds.sources.set_index("source_id")
    parts = [f"{src.loc[i, 'publisher']}《{src.loc[i, 'title']}》" for i in dict.fromkeys(ids)]
    tail = t("export_boundaries", lang)
    sep = "；" if lang == "zh" else "; "
    return f"{t('source', lang)}{'：' if lang == 'zh' else ': '}{sep.join(parts) or '—'} · {tail}"


# ---------------------------------------------------------------------------
# Slides


def slide_content(view: SlideView, counties: gpd.GeoDataFrame, context: gpd.GeoDataFrame | None = None) -> MapContent:
    return MapContent(
        counties, view.fills, view.mode, view.legend, view.sites, view.site_legend, view.extent,
        frozenset(view.planned), context,
    )  # fmt: skip


def slide_figure(view: SlideView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str,
                 theme_name: str = DEFAULT_THEME, context: gpd.GeoDataFrame | None = None,
                 dpi: int = DPI) -> Figure:  # fmt: skip
    """A 16:9 slide (1920×1080 at 150 dpi): title, map, key figures with sources, caption, source line."""
    configure()
    theme = get_theme(theme_name)
    w, h = SLIDE_PX
    fig = Figure(figsize=(w / dpi, h / dpi), dpi=dpi, facecolor=theme.bg)
    fig.text(0.025, 0.955, view.title(lang), fontsize=25, fontweight="bold", color=theme.text, va="top")
    fig.text(0.975, 0.955, f"{view.number} / {view.total}", fontsize=15, color=theme.accent, ha="right", va="top",
             fontweight="bold")  # fmt: skip
    ax = fig.add_axes((0.025, 0.10, 0.56, 0.77))
    draw_map(ax, slide_content(view, counties, context), theme, lang)
    _right_panel(fig, view, theme, lang)
    source = sources_line(view, ds, lang) + " · " + t("export_boundaries", lang)
    width_pt = 0.95 * w / dpi * 72
    fig.text(0.025, 0.075, "\n".join(_fit_lines(wrap(source, width_pt, 8), 3)), fontsize=8, color=theme.muted,
             va="top", linespacing=1.35)  # fmt: skip
    return fig


PANEL = (0.615, 0.975, 0.875, 0.10)  # left, right, top, bottom in figure fractions


def _right_panel(fig: Figure, view: SlideView, theme: Theme, lang: str) -> None:
    """Key figures (label, value, year, source) then the caption, scaled down until they fit."""
    fig_w, fig_h = (v * 72 for v in fig.get_size_inches())
    left, right, top, bottom = PANEL
    width = (right - left) * fig_w
    for scale in (1.0, 0.93, 0.86, 0.8, 0.74):
        items = []  # (x fraction, y points from top, text, size, colour, bold, align)
        y = 0.0
        for f in view.figures:
            label = wrap(f.label, width, 13 * scale)[:2]
            items.append((left, y, "\n".join(label), 13 * scale, theme.muted, False, "left"))
            y += 13 * scale * 1.3 * len(label) + 3
            # The value shrinks until it leaves room for its year at the right.
            note_w = _measure(f.note, 12 * scale, False) + 12 if f.note else 0
            value_pt = 30 * scale
            while value_pt > 14 and _measure(f.value, value_pt, True) > width - note_w:
                value_pt *= 0.94
            items.append((left, y + (30 * scale - value_pt) * 0.6, f.value, value_pt, theme.text, True, "left"))
            if f.note:
                items.append((right, y + 8 * scale, f.note, 12 * scale, theme.muted, False, "right"))
            y += 30 * scale * 1.36
            colon_ = "：" if lang == "zh" else ": "
            src = _fit_lines(wrap(f"{t('source', lang)}{colon_}{f.short_source or f.source}", width, 9.5 * scale), 2)
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
        fig.text(x, top - y_pt / fig_h, text, fontsize=size, color=color, va="top", ha=align,
                 fontweight="bold" if bold else "normal", linespacing=1.3 if size < 14 else 1.45)  # fmt: skip
    yr = top - rule / fig_h
    fig.add_artist(Line2D([left, right], [yr, yr], color=theme.border, linewidth=0.8))


def slide_png(view: SlideView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str,
              theme_name: str = DEFAULT_THEME, context: gpd.GeoDataFrame | None = None) -> bytes:  # fmt: skip
    return _png(slide_figure(view, ds, counties, lang, theme_name, context))


def deck_pdf(
    deck: Deck, ds: ind.Dataset, counties: gpd.GeoDataFrame, sites: gpd.GeoDataFrame, lang: str,
    theme_name: str = DEFAULT_THEME, progress: Callable[[int, int], None] | None = None,
    png: Callable[[int, str, bytes], None] | None = None, context: gpd.GeoDataFrame | None = None,
    notes: bool = False,
) -> bytes:  # fmt: skip
    """The whole deck as one PDF, a page per slide; ``progress(done, total)`` after each page,
    ``png(number, slide_id, bytes)`` to also receive each slide as PNG; ``notes``: a speaker-notes
    page after each slide."""
    buf = io.BytesIO()
    metadata = {"Title": t("app_title", lang), "Subject": t("page_briefing", lang), "CreationDate": None}
    configure()
    with PdfPages(buf, metadata=metadata) as pdf:
        for i in range(len(deck)):
            view = slide_view(deck, i, ds, counties, sites, lang, context)
            fig = slide_figure(view, ds, counties, lang, theme_name, context)
            FigureCanvasAgg(fig)
            pdf.savefig(fig)
            if notes:
                pdf.savefig(notes_figure(view, lang, theme_name, fig.get_size_inches()))
            if png is not None:
                png(i + 1, view.slide.id, _png(fig))
            if progress is not None:
                progress(i + 1, len(deck))
    return buf.getvalue()
