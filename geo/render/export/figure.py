"""The map as a figure: a MapView (geo.views.mapview) drawn with geopandas + matplotlib.

Object API only (no pyplot, no global state shared between sessions), in a projected metric
CRS so the scale bar is true. Fills, legend, outlines, places and labels come from the view
the screen draws, and the colours both renderers share from geo.model.palette, so paper and
screen cannot disagree.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

import geopandas as gpd
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.transforms import Bbox
from mpl_toolkits.axes_grid1.anchored_artists import AnchoredSizeBar
from pyproj import Transformer
from shapely.geometry import box

from geo.i18n import field_for, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.boundaries import METRIC_CRS  # UTM 50N: metres across Baoding, for a true scale bar
from geo.model.context import label_points, xiongan_outline
from geo.model.labels import Label, anchor_points, place_labels, short_name
from geo.model.palette import (
    CONTEXT_FILL,
    CONTEXT_LINE,
    CONTEXT_TEXT,
    FILLED_PRECISIONS,
    HATCH_POOR,
    HATCH_POOR_SWATCH,
    PLANNED_SWATCH,
    XIONGAN_LINE,
    XIONGAN_SWATCH,
    MapColours,
    map_colours,
)
from geo.model.themes import DEFAULT_THEME, Theme, get_theme
from geo.render.export.fonts import configure, fit_lines, font_properties, wrap
from geo.views.mapview import SIDES, MapView, themed
from geo.views.overview import OverviewView

HATCH = "////"
MAP_PX = (1600, 1200)
DPI = 150
NICE_KM = (1, 2, 5, 10, 20, 25, 50, 100, 200)
LABEL_PT = 8.5
CALLOUT_PT = 12.5  # a county's figure written on the map: readable on a projected slide
LEADER_PT = 22  # how far a callout that stands off its county sits from the county's point
Limits = tuple[float, float, float, float]  # x0, x1, y0, y1 of the map's extent, metres (METRIC_CRS)
T = TypeVar("T")

LEGEND_CORNERS = ("upper right", "upper left", "lower left", "lower right")  # in order of preference
LEGEND_SHARE = 0.34  # of the map's width and height: the room a legend is taken to fill in its corner
# The north arrow's spots (axes fractions) along the top and bottom edges, corners first: beside the
# scale bar when the corners are taken.
ARROW_SPOTS = tuple((x, y) for x in (0.05, 0.95, 0.13, 0.87, 0.21, 0.79) for y in (0.93, 0.17))
ARROW_PT = 34  # the arrow's length
LEGEND_PT = 9.5  # legend, scale bar and arrow type (times the font scale)
SITE_AREA = 190  # a place marker's area, points²


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


def _hatch_colours(tint: str | None, colours: MapColours) -> tuple[str, str]:
    """(ground, stripes) of a county without data: the plain hatch, or stripes on the view's tint."""
    return (colours.hatch_bg, colours.hatch_line) if tint is None else (tint, colours.hatch_tint_line)


def _legend_handles(legend: cl.Legend, colours: MapColours, lang: str) -> tuple[list, list[str]]:
    handles, labels = [], []
    for e in legend.entries:
        if e.swatch in ("hatch", HATCH_POOR_SWATCH):
            tint = None if e.swatch == "hatch" else colours.data.get(HATCH_POOR, HATCH_POOR)
            ground, stripe = _hatch_colours(tint, colours)
            handles.append(Patch(facecolor=ground, edgecolor=stripe, hatch=HATCH, linewidth=0.8))
        elif e.swatch == PLANNED_SWATCH:
            handles.append(
                Patch(facecolor=colours.site_hollow, edgecolor=colours.planned_line, linestyle="--", linewidth=1.6)
            )
        elif e.swatch == XIONGAN_SWATCH:
            handles.append(Patch(facecolor=colours.site_hollow, edgecolor=XIONGAN_LINE, linestyle=":", linewidth=2))
        else:
            handles.append(Patch(facecolor=e.color, edgecolor=colours.swatch_edge, linewidth=0.6))
        labels.append(_counted(e.label, e.count, lang))
    if legend.note:
        handles.append(Patch(facecolor="none", edgecolor="none"))
        labels.append(legend.note)
    return handles, labels


def _site_face(color: str, precision: str, colours: MapColours) -> str:
    """Inside a place's marker: its colour when located, the theme's hollow colour when known only to its county."""
    return color if precision in FILLED_PRECISIONS else colours.site_hollow


def _site_handles(legend: cl.Legend, sites, colours: MapColours, lang: str) -> tuple[list, list[str]]:
    """The places' legend: each swatch the marker itself (filled when any place of its colour is located)."""
    located = {s.color for s in sites if s.precision in FILLED_PRECISIONS}
    handles = [
        Line2D(
            [],
            [],
            marker="o",
            linestyle="none",
            markersize=10,
            markerfacecolor=_site_face(e.color, "exact" if e.color in located else "county", colours),
            markeredgecolor=e.color,
            markeredgewidth=2.6,
            path_effects=[patheffects.withStroke(linewidth=4.2, foreground=colours.site_edge)],
        )
        for e in legend.entries
    ]
    labels = [_counted(e.label, e.count, lang) for e in legend.entries]
    if legend.note:
        handles.append(Line2D([], [], linestyle="none"))
        labels.append(legend.note)
    return handles, labels


def rank(candidates: Sequence[T], clutter: Callable[[T], float]) -> list[T]:
    """The candidates from the one that hides least to the one that hides most: ``clutter`` scores each
    (lower is better). Candidates come in order of preference, so equal scores keep that order."""
    return sorted(candidates, key=clutter)


def place(candidates: Sequence[T], clutter: Callable[[T], float]) -> T:
    """The candidate that hides least (the first of equals): where the legend, the scale bar and the
    north arrow go (the bar and the arrow are drawn at every candidate spot, and the losers removed)."""
    return rank(candidates, clutter)[0]


def _keep(artists: Sequence[T], clutter: Callable[[T], float]) -> T:
    """``place`` among drawn artists: the best one stays, the others are removed."""
    best = place(artists, clutter)
    for artist in artists:
        if artist is not best:
            artist.remove()
    return best


class BoxClutter:
    """What a box on the map would hide (display pixels in, lower is better): the share of it over
    land, plus one for each box already taken (names, callouts, the legend, the scale bar) it overlaps."""

    def __init__(self, data_transform, land, taken: list[Bbox]):
        self.data_transform = data_transform  # ax.transData: live, it follows the axes as they are laid out
        self.land = land
        self.taken = taken  # the caller appends what it places, so later choices avoid it

    def __call__(self, px: Bbox) -> float:
        inverse = self.data_transform.inverted()
        (bx0, by0), (bx1, by1) = inverse.transform([(px.x0, px.y0), (px.x1, px.y1)])
        area = box(bx0, by0, bx1, by1)
        return self.land.intersection(area).area / max(area.area, 1.0) + sum(px.overlaps(b) for b in self.taken)


def corner_clutter(ax, limits: Limits, shown, called: Sequence[Bbox], share: float = LEGEND_SHARE):
    """A legend corner's score: the framed counties (``shown``, metres) it would hide, and a whole
    corner's worth for each callout (display boxes) it would cover."""
    x0, x1, y0, y1 = limits
    w, h = share * (x1 - x0), share * (y1 - y0)

    def clutter(corner: str) -> float:
        xs = (x0, x0 + w) if "left" in corner else (x1 - w, x1)
        ys = (y0, y0 + h) if "lower" in corner else (y1 - h, y1)
        corner_px = Bbox(ax.transData.transform([(xs[0], ys[0]), (xs[1], ys[1])]))
        hidden = sum(corner_px.overlaps(c) for c in called)  # a callout weighs a whole corner
        return shown.intersection(box(xs[0], ys[0], xs[1], ys[1])).area + hidden * share * share * (x1 - x0) * (y1 - y0)

    return clutter


def draw_map(
    ax,
    view: MapView,
    counties: gpd.GeoDataFrame,
    theme: Theme,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
    font_scale: float = 1.0,
    labels: bool = True,
) -> None:
    """Counties, no-data hatch, outlines, places, legend, scale bar and north arrow on ``ax``.

    ``counties`` and ``context`` (grey surroundings, light theme only) are WGS-84; ``labels``:
    the view's placed labels, or the county names when the view has none.
    """
    colours = map_colours(theme.name)
    view = themed(view, colours)
    metric = counties.to_crs(METRIC_CRS)
    land = metric.geometry.union_all()
    context = context if context is not None and not context.empty and theme.name == "light" else None
    _frame_axes(ax, theme)
    _draw_fills(ax, view, metric, land, context, theme, colours)
    _draw_outlines(ax, view, metric, colours)
    if context is not None:
        _draw_xiongan(ax, counties)
    _draw_sites(ax, view, colours, font_scale)
    limits, shown = _fit_extent(ax, view, metric)
    callouts = _draw_callouts(ax, view, theme, limits)
    # Text sizes are measured to keep names, callouts, legend and arrow apart: an Agg canvas measures them
    # (savefig to PDF or PNG later draws on its own canvas).
    if not isinstance(ax.figure.canvas, FigureCanvasAgg):
        FigureCanvasAgg(ax.figure)
    renderer = ax.figure.canvas.get_renderer()
    called = [a.get_window_extent(renderer) for a in callouts]
    placed = _draw_labels(ax, view, counties, lang, limits, context, renderer, called, labels, colours)
    # The legend goes where it hides least of the framed counties and none of the callouts; the scale
    # bar and north arrow where they cover the fewest counties, names and callouts (on a map framed to
    # a few counties the neighbours' names fill the corners the legend left).
    corners = rank(LEGEND_CORNERS, corner_clutter(ax, limits, shown, called))
    size = LEGEND_PT * font_scale
    taken = [*called, *(a.get_window_extent(renderer) for a in placed)]
    legend = _draw_legend(ax, view, theme, colours, lang, corners[0], size)
    if legend is not None:
        taken.append(legend.get_window_extent(renderer))
    clutter = BoxClutter(ax.transData, land, taken)
    bar = _draw_scale_bar(ax, theme, lang, limits, corners[1:], size, clutter, renderer)
    taken.append(bar.get_window_extent(renderer))
    _draw_north_arrow(ax, theme, lang, shown, size, ARROW_PT * font_scale, clutter, renderer)


def _frame_axes(ax, theme: Theme) -> None:
    ax.set_facecolor(theme.map_bg)
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color(theme.border)


def _draw_fills(ax, view: MapView, metric: gpd.GeoDataFrame, land, context, theme: Theme, colours) -> None:
    """The grey surroundings, the city's halo, then the counties' fills (the city as one unit in city
    mode), hatched where there is no figure."""
    if context is not None:
        context.to_crs(METRIC_CRS).plot(
            ax=ax, facecolor=CONTEXT_FILL, edgecolor=CONTEXT_LINE, linewidth=0.6, zorder=0.5
        )
    gpd.GeoSeries([land], crs=METRIC_CRS).plot(ax=ax, facecolor="none", edgecolor=theme.halo, linewidth=3.2, zorder=1)
    if view.mode == "city":
        city_fill = view.city.fill if view.city is not None and view.city.fill else cl.CITY_FILL
        gpd.GeoSeries([land], crs=METRIC_CRS).plot(ax=ax, color=city_fill, linewidth=0, zorder=2)
        return
    fill = metric["adcode"].map(view.fills)
    known = metric[fill.notna()]
    if not known.empty:
        known.plot(ax=ax, color=fill[fill.notna()].tolist(), linewidth=0, zorder=2)
    missing = metric[fill.isna()]
    if not missing.empty:
        tints = [view.counties[a].tint if a in view.counties else None for a in missing["adcode"]]
        hatched = [_hatch_colours(tint, colours) for tint in tints]
        grounds, stripes = [g for g, _ in hatched], [s for _, s in hatched]
        missing.plot(ax=ax, facecolor=grounds, edgecolor=stripes, hatch=HATCH, linewidth=0, zorder=2)


def _draw_outlines(ax, view: MapView, metric: gpd.GeoDataFrame, colours: MapColours) -> None:
    """County borders, the dashed outline of planned figures, and the view's group outlines."""
    metric.boundary.plot(ax=ax, color=colours.border, linewidth=0.7, zorder=3)
    planned = metric[metric["adcode"].isin(view.planned)]
    if not planned.empty:
        planned.boundary.plot(ax=ax, color=colours.planned_line, linewidth=1.8, linestyle=(0, (4, 2.5)), zorder=4)
    for outline in view.outlines:
        group = metric[metric["adcode"].isin(outline.adcodes)]
        if not group.empty:
            gpd.GeoSeries([group.geometry.union_all()], crs=METRIC_CRS).boundary.plot(
                ax=ax, color=outline.color, linewidth=2.2, zorder=4
            )


def _draw_xiongan(ax, counties: gpd.GeoDataFrame) -> None:
    """Xiong'an's dotted outline (the grey surroundings show it)."""
    xa = xiongan_outline(counties)
    if not xa.is_empty:
        gpd.GeoSeries([xa], crs=counties.crs).to_crs(METRIC_CRS).boundary.plot(
            ax=ax, color=XIONGAN_LINE, linewidth=1.8, linestyle=(0, (1, 2.5)), zorder=4
        )


def _draw_sites(ax, view: MapView, colours: MapColours, font_scale: float) -> None:
    """The places: filled when located, hollow when known only to their county."""
    if not view.sites:
        return
    lons, lats = [s.lon for s in view.sites], [s.lat for s in view.sites]
    pts = gpd.GeoSeries(gpd.points_from_xy(lons, lats), crs="EPSG:4326").to_crs(METRIC_CRS)
    ax.scatter(
        pts.x,
        pts.y,
        s=SITE_AREA * font_scale,
        zorder=5,
        linewidths=2.8,
        facecolors=[_site_face(s.color, s.precision, colours) for s in view.sites],
        edgecolors=[s.color for s in view.sites],
        path_effects=[patheffects.withStroke(linewidth=4.4, foreground=colours.site_edge)],
    )


def _fit_extent(ax, view: MapView, metric: gpd.GeoDataFrame):
    """Frame the view's extent (all counties when it names none), padded, filling the axes; returns the
    limits and the framed counties' shape."""
    frame = metric[metric["adcode"].isin(view.extent)] if view.extent else metric
    minx, miny, maxx, maxy = frame.total_bounds
    pad = 0.06 * max(maxx - minx, maxy - miny)
    limits = _fit_box(ax, minx - pad, maxx + pad, miny - pad, maxy + pad)
    x0, x1, y0, y1 = limits
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_aspect("equal", adjustable="box")
    ax.set_xlabel("")
    ax.set_ylabel("")
    return limits, frame.geometry.union_all()


def _draw_legend(ax, view: MapView, theme: Theme, colours: MapColours, lang: str, corner: str, size: float):
    """The fill legend and the places' legend as one box in ``corner``; None when the view has neither."""
    if view.legend is None and view.site_legend is None:
        return None
    handles, labels = [], []
    title = ""
    if view.legend is not None:
        handles, labels = _legend_handles(view.legend, colours, lang)
        title = view.legend.title
    if view.site_legend is not None:
        h, lab = _site_handles(view.site_legend, view.sites, colours, lang)
        if handles:
            handles.append(Patch(facecolor="none", edgecolor="none"))
            labels.append(view.site_legend.title)
        else:
            title = view.site_legend.title
        handles += h
        labels += lab
    leg = ax.legend(
        handles,
        labels,
        title=title,
        loc=corner,
        fontsize=size,
        title_fontsize=size * 1.08,
        frameon=True,
        framealpha=0.94,
        facecolor=theme.legend_bg,
        edgecolor=theme.border,
        labelcolor=theme.legend_text,
        borderpad=0.7,
        handlelength=1.6,
        handleheight=1.1,
    )
    leg.get_title().set_color(theme.legend_text)
    leg.set_zorder(10)
    return leg


def _draw_scale_bar(
    ax, theme: Theme, lang: str, limits: Limits, corners: Sequence[str], size: float, clutter: BoxClutter, renderer
) -> AnchoredSizeBar:
    """A scale bar of a round length in whichever of ``corners`` it hides least."""
    x0, x1, y0, y1 = limits
    km = _nice_km(x1 - x0)

    def scale_bar(corner: str) -> AnchoredSizeBar:
        bar = AnchoredSizeBar(
            ax.transData,
            km * 1000,
            f"{km} {t('km', lang)}",
            corner,
            pad=0.5,
            borderpad=0.8,
            sep=4,
            frameon=True,
            size_vertical=(y1 - y0) / 160,
            color=theme.legend_text,
            fontproperties=font_properties(size),
        )
        bar.patch.set_facecolor(theme.legend_bg)
        bar.patch.set_alpha(0.9)
        bar.patch.set_edgecolor(theme.border)
        bar.set_zorder(10)
        ax.add_artist(bar)
        return bar

    bars = [scale_bar(c) for c in corners]
    return _keep(bars, lambda bar: clutter(bar.get_window_extent(renderer)))


def _draw_north_arrow(
    ax, theme: Theme, lang: str, shown, size: float, length: float, clutter: BoxClutter, renderer
) -> None:
    """An arrow to true north (at the framed counties' middle), at the edge spot it hides least."""
    lon, lat = gpd.GeoSeries([shown.centroid], crs=METRIC_CRS).to_crs("EPSG:4326").iloc[0].coords[0]
    angle = math.radians(_north_angle(lon, lat))
    tail = (-length * math.sin(angle), -length * math.cos(angle))
    arrow_props = {"arrowstyle": "-|>,head_width=0.45,head_length=0.9", "color": theme.legend_text, "lw": 2}

    def north_arrow(spot: tuple[float, float]):
        return ax.annotate(
            t("north", lang),
            xy=spot,
            xycoords="axes fraction",
            xytext=tail,
            textcoords="offset points",
            ha="center",
            va="top",
            fontsize=size * 1.15,
            fontweight="bold",
            color=theme.legend_text,
            zorder=11,
            arrowprops=arrow_props,
        )

    arrows = [north_arrow(spot) for spot in ARROW_SPOTS]
    _keep(arrows, lambda arrow: clutter(arrow.get_tightbbox(renderer)))


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


def _draw_callouts(ax, view: MapView, theme: Theme, limits: tuple[float, ...]) -> list:
    """Each callout of the view (name and value in a box) at its county's point, below the point when
    a place marker sits there, as on the screen."""
    x0, x1, y0, y1 = limits
    marked = {s.adcode for s in view.sites}
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    drawn = []
    for c in view.callouts:
        x, y = tr.transform(c.lon, c.lat)
        if not (x0 <= x <= x1 and y0 <= y <= y1):
            continue
        style = {
            "fontsize": CALLOUT_PT,
            "fontweight": "bold",
            "color": theme.legend_text,
            "linespacing": 1.25,
            "multialignment": "center",
            "zorder": 7,
            "annotation_clip": True,
            "textcoords": "offset points",
            "bbox": {
                "boxstyle": "round,pad=0.35",
                "facecolor": theme.legend_bg,
                "edgecolor": theme.legend_text,
                "linewidth": 1.1,
            },
        }
        if c.side:  # off to one side, a leader line from the county's point to the box's near edge
            east, north = SIDES[c.side]
            ha = "center" if abs(east) < 0.01 else ("left" if east > 0 else "right")
            va = "center" if abs(north) < 0.01 else ("bottom" if north > 0 else "top")
            ax.plot(
                [x], [y], marker="o", markersize=5, color=theme.legend_text, markeredgecolor=theme.legend_bg, zorder=7
            )
            arrow = {"arrowstyle": "-", "color": theme.legend_text, "lw": 1.3, "shrinkA": 0, "shrinkB": 0}
            offset = (east * LEADER_PT, north * LEADER_PT)
            drawn.append(
                ax.annotate(f"{c.name}\n{c.value}", xy=(x, y), xytext=offset, ha=ha, va=va, arrowprops=arrow, **style)
            )
        else:
            below = c.adcode in marked
            drawn.append(
                ax.annotate(
                    f"{c.name}\n{c.value}",
                    xy=(x, y),
                    xytext=(0, -11 if below else 0),
                    ha="center",
                    va="top" if below else "center",
                    **style,
                )
            )
    return drawn


def _draw_labels(
    ax,
    view: MapView,
    counties: gpd.GeoDataFrame,
    lang: str,
    limits: tuple[float, ...],
    context: gpd.GeoDataFrame | None,
    renderer,
    called: list[Bbox],
    names: bool = True,
    colours: MapColours | None = None,
) -> list:
    """The view's labels (names, with values when the screen shows them), each only where the screen
    would show it at this scale; county names when the view has none (``names``: draw them at all).

    A county with a callout has its name in the callout; a name a callout (``called``, display boxes)
    would cover is left out. Returns the county labels drawn.
    """
    x0, x1, y0, y1 = limits
    drawn: list = []
    if not names:
        return drawn
    placed: Iterable[Label] = view.labels
    if not placed:
        names = counties.set_index("adcode")[field_for("name", lang)]
        placed = place_labels(anchor_points(counties), {a: short_name(str(n), lang) for a, n in names.items()})
    lat = float(counties.geometry.union_all().centroid.y)
    zoom = _web_zoom(ax, x1 - x0, lat)
    colours = colours or map_colours(DEFAULT_THEME)
    halo = [patheffects.withStroke(linewidth=2.6, foreground=colours.label_halo)]
    # A county with a place marker at its centre gets its name just below the marker.
    marked = {s.adcode for s in view.sites}
    with_callout = {c.adcode for c in view.callouts}
    tr = Transformer.from_crs("EPSG:4326", METRIC_CRS, always_xy=True)
    for lb in placed:
        if lb.min_zoom > zoom + 1e-6 or lb.adcode in with_callout:
            continue
        x, y = tr.transform(lb.lon, lb.lat)
        if x0 <= x <= x1 and y0 <= y <= y1:
            below = lb.adcode in marked
            label = ax.annotate(
                lb.text,
                xy=(x, y),
                xytext=(0, -11 if below else 0),
                textcoords="offset points",
                ha="center",
                va="top" if below else "center",
                fontsize=LABEL_PT,
                fontweight="bold",
                color=colours.label_text,
                path_effects=halo,
                zorder=6,
                annotation_clip=True,
            )
            if any(label.get_window_extent(renderer).overlaps(b) for b in called):
                label.remove()
            else:
                drawn.append(label)
    if context is not None:
        pts = label_points(context).to_crs(METRIC_CRS)
        col = field_for("name", lang)
        for p, name in zip(pts.geometry, pts[col]):
            if x0 <= p.x <= x1 and y0 <= p.y <= y1:
                ax.text(
                    p.x,
                    p.y,
                    str(name),
                    ha="center",
                    va="center",
                    fontsize=LABEL_PT * 0.9,
                    color=CONTEXT_TEXT,
                    zorder=0.8,
                    clip_on=True,
                )
    return drawn


def png_bytes(fig: Figure) -> bytes:
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return buf.getvalue()


def map_figure(
    view: MapView,
    counties: gpd.GeoDataFrame,
    title: str,
    source: str,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    context: gpd.GeoDataFrame | None = None,
    size: tuple[int, int] = MAP_PX,
    dpi: int = DPI,
) -> Figure:
    """One map with title and source line, ``size`` pixels at ``dpi``."""
    theme = get_theme(theme_name)
    configure()
    fig = Figure(figsize=(size[0] / dpi, size[1] / dpi), dpi=dpi, facecolor=theme.bg)
    fig.text(0.03, 0.965, title, fontsize=17, fontweight="bold", color=theme.text, va="top")
    ax = fig.add_axes((0.03, 0.09, 0.94, 0.80))
    draw_map(ax, view, counties, theme, lang, context)
    lines = fit_lines(wrap(source, 0.94 * size[0] / dpi * 72, 7.5), 3)
    fig.text(0.03, 0.065, "\n".join(lines), fontsize=7.5, color=theme.muted, va="top", linespacing=1.35)
    return fig


def map_png(
    view: MapView,
    counties: gpd.GeoDataFrame,
    title: str,
    source: str,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    context: gpd.GeoDataFrame | None = None,
    size: tuple[int, int] = MAP_PX,
) -> bytes:
    return png_bytes(map_figure(view, counties, title, source, lang, theme_name, context, size))


def overview_title(view: OverviewView, lang: str) -> str:
    """The PNG's title: the indicator and the period the screen's heading names (``view.period``)."""
    return f"{view.indicator.name(lang)} · {view.period(lang)}"


def overview_png(
    view: OverviewView,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    context: gpd.GeoDataFrame | None = None,
    mapv: MapView | None = None,
) -> bytes:
    """The overview's map as a PNG (1600×1200), titled, with the sources of every figure on it.

    ``mapv``: the map as the page shows it (the view's map with outlines and labels); the view's own
    map when None. ``context``: the grey neighbours the overview draws, if any.
    """
    title = overview_title(view, lang)
    source = sources_line(ds, view.source_ids, lang)
    return map_png(mapv or view.map, counties, title, source, lang, theme_name, context)


def sources_line(ds: ind.Dataset, ids: Iterable[str], lang: str) -> str:
    """``Source: publisher《title》; … · boundaries`` for the given source ids."""
    src = ds.sources.set_index("source_id")
    parts = [f"{src.loc[i, 'publisher']}《{src.loc[i, 'title']}》" for i in dict.fromkeys(ids)]
    tail = t("export_boundaries", lang)
    sep = "；" if lang == "zh" else "; "
    return f"{t('source', lang)}{'：' if lang == 'zh' else ': '}{sep.join(parts) or '—'} · {tail}"
