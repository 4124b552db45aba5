"""What one briefing slide shows, computed without Streamlit: key figures with sources, the
map as data (geo.views.mapview: fills, legend, places, the extent to fit), and the data
behind the view. geo.render.leaflet.screens draws the map on the page, geo.render.export on paper.
"""

from __future__ import annotations

import html
import math
from dataclasses import dataclass, replace

import geopandas as gpd
import pandas as pd

from geo.i18n import colon, field_for, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.labels import anchor_points, short_name
from geo.model.palette import (
    CONTEXT_OTHER,
    CONTEXT_POOR,
    FILLED_PRECISIONS,
    HATCH_POOR,
    HATCH_POOR_SWATCH,
    programme_colors,
)
from geo.model.slides import Deck, FigureRef, Slide, find_row
from geo.views import downloads
from geo.views import overview as views
from geo.views.common import county_names, figure_text
from geo.views.county import poor_counties
from geo.views.figures import KeyFigure
from geo.views.mapview import SIDES, Callout, CountyFill, MapView, Site

# A slide whose indicator at most this many counties have a figure for gets them written on the map,
# and the poor counties tinted under the hatch: otherwise the room sees a hatched map and one colour.
FEW_COUNTIES = 3
# A county smaller than this holds no callout box at a whole-city scale (Boye, 330 km², is about 50 px
# across at 1280×720): its box stands off to one side.
CALLOUT_INSIDE_KM2 = 1200
REPEL = 0.03  # degrees: two callouts this far apart push each other as hard as the city's middle does


def callout_sides(anchors: gpd.GeoDataFrame, chosen: list[str]) -> dict[str, str]:
    """Where each chosen county's callout stands: on its point ("") when the county is large enough to
    hold it, else off to the compass point away from the city's middle and from the other callouts."""
    lat0 = float(anchors.geometry.y.mean())
    scale = math.cos(math.radians(lat0))  # degrees of longitude are shorter than degrees of latitude
    xy = {a: (g.x * scale, g.y) for a, g in zip(anchors["adcode"], anchors.geometry)}
    middle = (sum(x for x, _ in xy.values()) / len(xy), sum(y for _, y in xy.values()) / len(xy))
    area = dict(zip(anchors["adcode"], anchors["area"]))
    sides = {}
    for a in chosen:
        if area[a] >= CALLOUT_INSIDE_KM2 * 1e6:
            sides[a] = ""
            continue
        x, y = xy[a]
        dx, dy = x - middle[0], y - middle[1]
        norm = math.hypot(dx, dy) or 1.0
        dx, dy = dx / norm, dy / norm
        for b in chosen:
            if b != a:  # the other callouts push this one away, the nearer the harder (1/distance)
                ox, oy = x - xy[b][0], y - xy[b][1]
                d2 = ox * ox + oy * oy or 1e-9
                dx, dy = dx + REPEL * ox / d2, dy + REPEL * oy / d2
        sides[a] = max(SIDES, key=lambda s: SIDES[s][0] * dx + SIDES[s][1] * dy)
    return sides


@dataclass
class SlideView:
    slide: Slide
    number: int  # 1-based
    total: int
    figures: list[KeyFigure]
    map: MapView  # mode "county", "city" (one city total) or "context" (places over the poor counties)
    overview: views.OverviewView | None = None

    def title(self, lang: str) -> str:
        return self.slide.title(lang)

    def caption(self, lang: str) -> str:
        return self.slide.caption(lang)


def extent_adcodes(ds: ind.Dataset, counties: gpd.GeoDataFrame, extent: str | tuple[str, ...]) -> list[str]:
    if extent == "all":
        return counties["adcode"].tolist()
    if extent == "poor":
        return poor_counties(ds)
    return list(extent)


def short_source(row: pd.Series, lang: str) -> str:
    """``publisher《main title》· locator · grade``: the citation without the publisher's aside and subtitle;
    a reprint names the site that carries it."""
    short = {
        **row.to_dict(),
        "publisher": str(row.get("publisher") or "").split(" (")[0].strip(),
        "title": str(row.get("title") or "").split("——")[0].strip(),
    }
    return ind.source_label(short, lang)


def figure_label(ds: ind.Dataset, ref: FigureRef, names: pd.Series, lang: str) -> str:
    name = ind.get_indicator(ds, ref.indicator_id).name(lang)
    return name if ref.adcode == ind.CITY_ADCODE else f"{names[ref.adcode]}{colon(lang)}{name}"


def key_figures(ds: ind.Dataset, slide: Slide, names: pd.Series, lang: str) -> list[KeyFigure]:
    """The slide's figures as shown: value with unit, year and status, and the source of each."""
    out = []
    for ref in slide.figures:
        row = find_row(ds, ref)
        if row is None:  # the deck was checked against another version of the data
            raise KeyError(f"slide {slide.id}: no value for {ref.indicator_id} at {ref.adcode} in {ref.year}")
        figure = figure_text(ds, row, lang)
        out.append(figure.key_figure(figure_label(ds, ref, names, lang), short_source=short_source(row, lang), ref=ref))
    return out


def context_view(ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str) -> MapView:
    """Quiet counties under programme places: the poor counties a shade darker."""
    poor = set(poor_counties(ds))
    labels = ind.category_labels(ds, "poor_county_type", lang)
    names = county_names(counties, lang)
    poor_label, other_label = t("legend_poor_counties", lang), labels.get("not_poor", "not_poor")
    fills = {
        a: CountyFill(CONTEXT_POOR, (("", str(names[a])),), label=poor_label)
        if a in poor
        else CountyFill(CONTEXT_OTHER, (("", str(names[a])),), label=other_label)
        for a in counties["adcode"]
    }
    legend = cl.Legend(
        title=t("legend_context", lang),
        entries=[
            cl.LegendEntry(poor_label, CONTEXT_POOR, len(poor)),
            cl.LegendEntry(other_label, CONTEXT_OTHER, len(counties) - len(poor)),
        ],
    )
    return MapView("context", "context", fills, legend)


def few_counties_view(
    mapv: MapView, view: views.OverviewView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str
) -> MapView:
    """A choropleth that few counties have a figure for, made to carry information: each figure
    called out on the map (name and value), the poor counties without one tinted under the hatch as
    context, and the legend saying what the hatching means (no published county figure, not zero).

    Any other map is returned as it is.
    """
    known = [a for a, c in mapv.counties.items() if c.fill is not None]
    if mapv.mode != "county" or not 0 < len(known) <= FEW_COUNTIES:
        return mapv
    poor = set(poor_counties(ds))
    names = county_names(counties, lang)
    points = anchor_points(counties)
    anchors = points.set_index("adcode").geometry
    sides = callout_sides(points, known)
    callouts = [
        Callout(a, short_name(str(names[a]), lang), view.figures[a].callout(), anchors[a].x, anchors[a].y, sides[a])
        for a in known
    ]
    poor_label, other_label = t("legend_poor_no_figure", lang), t("legend_other_no_figure", lang)

    def no_figure(a: str, c: CountyFill) -> CountyFill:
        return replace(c, tint=HATCH_POOR, label=poor_label) if a in poor else replace(c, label=other_label)

    fills = {a: c if c.fill is not None else no_figure(a, c) for a, c in mapv.counties.items()}
    missing = [a for a in mapv.counties if a not in known]
    n_poor = sum(a in poor for a in missing)
    hatch = [
        cl.LegendEntry(poor_label, count=n_poor, swatch=HATCH_POOR_SWATCH),
        cl.LegendEntry(other_label, count=len(missing) - n_poor, swatch="hatch"),
    ]
    entries = []
    for e in mapv.legend.entries if mapv.legend is not None else []:
        if e.swatch == "hatch":
            entries += [h for h in hatch if h.count]
        else:
            entries.append(e)
    title = mapv.legend.title if mapv.legend is not None else mapv.title
    legend = cl.Legend(title, entries, t("legend_hatch_not_zero", lang))
    return replace(mapv, counties=fills, legend=legend, callouts=tuple(callouts))


def slide_sites(
    ds: ind.Dataset, sites: gpd.GeoDataFrame, programmes: tuple[str, ...], lang: str
) -> tuple[tuple[Site, ...], cl.Legend | None]:
    """Places of the slide's programmes, one marker per programme and point, coloured as on the programmes page."""
    if not programmes or sites.empty:
        return (), None
    # Same colour per programme as the programmes page: the catalogue order of programmes with places.
    with_sites = [p for p in ds.programmes["programme_id"] if p in set(sites["programme"])]
    colors = programme_colors(with_sites)
    mine = sites[sites["programme"].isin(programmes)].copy()
    if mine.empty:
        return (), None
    name_col = field_for("name", lang)
    mine["name"] = mine[name_col].where(mine[name_col].astype(bool), mine["name_zh"])
    mine["key"] = mine.geometry.apply(lambda g: (round(g.x, 6), round(g.y, 6)))
    merged = []
    for (programme, _), group in mine.groupby(["programme", "key"], sort=False):
        first = group.iloc[0]
        precision = str(first["precision"])
        merged.append(
            Site(
                float(first.geometry.x),
                float(first.geometry.y),
                programme,
                colors[programme],
                precision,
                tuple(dict.fromkeys(str(n) for n in group["name"])),
                str(first["adcode"]),
                ((t("site_location", lang), t(f"precision_{precision}", lang)),),
            )
        )
    prog_names = dict(zip(ds.programmes["programme_id"], ds.programmes[field_for("name", lang)]))
    counts = mine["programme"].value_counts()
    entries = [cl.LegendEntry(prog_names[p], colors[p], int(counts[p])) for p in programmes if p in counts]
    hollow = any(s.precision not in FILLED_PRECISIONS for s in merged)
    legend = cl.Legend(t("legend_sites", lang), entries, t("legend_hollow", lang) if hollow else "")
    return tuple(merged), legend


def slide_view(
    deck: Deck,
    index: int,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
) -> SlideView:
    """Everything slide ``index`` (0-based) shows: figures and the map as data (for screen and exports).

    ``context`` is the grey surroundings drawn by the frame; with it the legend names Xiong'an.
    """
    slide = deck.slides[index]
    spec = slide.map
    names = county_names(counties, lang)
    overview = None
    if spec.indicator_id is not None:
        overview = views.overview(ds, counties, spec.indicator_id, spec.year, cl.DEFAULT_SCHEME, lang, context=context)
        mapv = few_counties_view(overview.map, overview, ds, counties, lang)
    else:
        mapv = context_view(ds, counties, lang)
    points, site_legend = slide_sites(ds, sites, spec.programmes, lang)
    extent = tuple(extent_adcodes(ds, counties, spec.extent))
    mapv = replace(mapv, sites=points, site_legend=site_legend, extent=extent)
    return SlideView(slide, index + 1, len(deck), key_figures(ds, slide, names, lang), mapv, overview)


def data_table(view: SlideView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """The data behind a slide: its key figures and every value its map shows (in city mode the city
    figure), each with year, status, source and note; numbers as numbers, the unit in a column
    (geo.views.downloads says why)."""
    figure_role = t("export_role_figure", lang)
    rows: list[tuple[str, pd.Series]] = [(figure_role, find_row(ds, ref)) for ref in view.slide.figures]
    if view.overview is not None:  # the map's values as the overview computed them for this slide
        map_role = t("export_role_map", lang)
        year = view.overview.year
        rows += [(map_role, r) for _, r in ind.county_values(ds, view.overview.indicator.indicator_id, year).iterrows()]
        if view.overview.city_row is not None:
            rows.append((map_role, view.overview.city_row))
    return downloads.figures_table(ds, rows, county_names(counties, lang), lang)


def title_html(view: SlideView, lang: str) -> str:
    """The slide's title with its number at the right, escaped for st.markdown's unsafe HTML."""
    counter = t("slide_counter", lang, n=view.number, total=view.total)
    return (
        "<div style='display:flex;justify-content:space-between;align-items:baseline;gap:1rem'>"
        f"<h2>{html.escape(view.title(lang))}</h2><span class='bd-slide-no'>{html.escape(counter)}</span></div>"
    )


def block_html(css_class: str, text: str) -> str:
    """A text block with one of the briefing style sheet's classes; the text is escaped."""
    if css_class not in ("bd-source", "bd-caption"):
        raise KeyError(f"unknown block class {css_class!r}; valid: bd-source, bd-caption")
    return f"<div class='{css_class}'>{html.escape(text)}</div>"


def map_title(view: SlideView, lang: str) -> str:
    """Title of a slide's map on its own: the slide's title and the indicator with its year."""
    if view.overview is None:
        return view.title(lang)
    return f"{view.title(lang)} · {view.overview.indicator.name(lang)}{paren(view.overview.period(lang), lang)}"


def sources_line(view: SlideView, ds: ind.Dataset, lang: str) -> str:
    """One line naming the sources of everything on the slide (for exports)."""
    ids: list[str] = []
    for ref in view.slide.figures:
        row = find_row(ds, ref)
        if row is not None:
            ids.append(row["source_id"])
    if view.slide.map.indicator_id is not None and view.overview is not None:
        v = ds.values[ds.values["indicator_id"] == view.slide.map.indicator_id]
        if view.overview.year is not None:
            v = v[v["year"] == view.overview.year]
        ids.extend(v["source_id"].tolist())
    src = ds.sources.set_index("source_id")
    parts = []
    for sid in dict.fromkeys(ids):
        r = src.loc[sid]
        date = str(r["date"])[:4]
        via = str(r["via_en" if lang == "en" else "via_zh"] or "")
        publisher = t("reprinted_by", lang, publisher=r["publisher"], site=via) if via else r["publisher"]
        grade = ind.grade_text(r["grade"], lang)
        when = ("，" if lang == "zh" else ", ").join(x for x in (date, grade) if x)
        parts.append(f"{publisher}《{r['title']}》" + (paren(when, lang) if when else ""))
    return f"{t('source', lang)}{colon(lang)}" + ("；" if lang == "zh" else "; ").join(parts)
