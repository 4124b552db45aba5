"""What one briefing slide shows, computed without Streamlit: key figures with sources, the
map's layers, the extent to fit, and the data behind the view.

The map is split like the overview's: a constant frame (one per theme and language) and layers that
st_folium swaps in (``feature_group_to_add``), so moving between slides does not remount
the map. A small layer in the group fits the map to the slide's extent when it is added.
"""

from __future__ import annotations

import html
import json
from dataclasses import dataclass, field

import folium
import geopandas as gpd
import pandas as pd
from branca.element import Element, MacroElement
from jinja2 import Template

from geo.i18n import colon, format_value, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.labels import anchor_points, place_labels, short_name
from geo.model.slides import Deck, FigureRef, Slide, find_row
from geo.model.themes import Theme, map_css
from geo.render.leaflet.assets import IFRAME_PREFIX
from geo.render.leaflet.compact import CompactGeoJson
from geo.render.leaflet.layers import FILLED_PRECISIONS, BoundText, popup_html, programme_colors
from geo.render.leaflet.maps import (
    FeatureStyle,
    LegendControl,
    base_map,
    bounds_of,
    choropleth_group,
    labels_group,
    outline_layer,
)
from geo.views import overview as views
from geo.views.county import poor_counties

CONTEXT_POOR = "#cfd6de"  # programme slides: the poor counties as quiet context under the places
CONTEXT_OTHER = "#f7f7f5"
RING_PX = 22
RING_LIFT_PX = 4  # the ring sits just above its point; the county name is drawn about there


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str  # year, and status when not a reported figure
    source: str
    ref: FigureRef
    short_source: str = ""  # what fits under the figure on a slide; ``source`` is the full citation


@dataclass
class SlideView:
    slide: Slide
    number: int  # 1-based
    total: int
    mode: str  # "county": counties coloured; "city": one city total; "context": places over the poor counties
    figures: list[KeyFigure]
    extent: list[str]  # adcodes the map is fitted to
    fills: dict[str, str | None]  # county fill as drawn on the map (None = no data, hatched)
    planned: set[str]  # counties with a dashed outline: the figure is a target or forecast
    legend: cl.Legend | None  # of the counties' colours
    sites: gpd.GeoDataFrame  # places drawn, with their programme colour in ``color``
    site_legend: cl.Legend | None
    layers: list[folium.FeatureGroup] = field(default_factory=list)
    overview: views.OverviewView | None = None

    def title(self, lang: str) -> str:
        return self.slide.title(lang)

    def caption(self, lang: str) -> str:
        return self.slide.caption(lang)


class FitOnAdd(MacroElement):
    """A Leaflet layer that fits the map to ``bounds`` when its feature group is added.

    st_folium re-adds the swappable feature groups only when they change, so a new slide
    moves the map and a rerun of the same slide leaves the presenter's zoom alone.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
          var Fit = L.Layer.extend({
            onAdd: function (map) {
              function fit() {
                map.invalidateSize(false);
                // Keep the counties clear of the legend (top right): leave room either beside it or
                // below it, whichever lets the map zoom in further.
                var bounds = L.latLngBounds({{ this.bounds_json }});
                map.bdFitBounds = bounds;  // what the slide is about (tests check the legend leaves it clear)
                var box = map.getContainer().getBoundingClientRect(), w = 0, h = 0;
                map.getContainer().querySelectorAll(".leaflet-top.leaflet-right .bd-legend").forEach(function (el) {
                  var r = el.getBoundingClientRect();  // legends stack down the right edge
                  w = Math.max(w, box.right - r.left + 10);
                  h = Math.max(h, r.bottom - box.top + 10);
                });
                // While the frame is still being laid out a legend can measure absurdly (wrapped to
                // one character per line): room that would leave under 40 % of the map is ignored,
                // and the fit runs again once the sizes settle (below).
                var size = map.getSize();
                if (w > 0.6 * size.x) { w = 0; }
                if (h > 0.6 * size.y) { h = 0; }
                var options = {animate: false, padding: [14, 14]};
                if (w && h) {
                  var beside = map.getBoundsZoom(bounds, false, L.point(28 + w, 28));
                  var below = map.getBoundsZoom(bounds, false, L.point(28, 28 + h));
                  options = beside >= below
                    ? {animate: false, paddingTopLeft: [14, 14], paddingBottomRight: [14 + w, 14]}
                    : {animate: false, paddingTopLeft: [14, 14 + h], paddingBottomRight: [14, 14]};
                }
                map.fitBounds(bounds, options);
              }
              fit();
              // Fit again when the legends arrive or change size (they are layers of their own, added
              // after this one or on a later tick) or when the frame is resized (the presenter view
              // stretches it) -- only just after the slide changed, so that the presenter's own
              // zooming is never undone.
              var container = map.getContainer();
              var corner = container.querySelector(".leaflet-top.leaflet-right");
              if (corner && window.ResizeObserver) {
                var size = function () {
                  var c = container;
                  return [corner.offsetWidth, corner.offsetHeight, c.offsetWidth, c.offsetHeight].join();
                };
                var seen = size();
                var watch = new ResizeObserver(function () {
                  var now = size();
                  if (now !== seen) { seen = now; fit(); }
                });
                watch.observe(corner);
                watch.observe(container);
                setTimeout(function () { watch.disconnect(); }, 2500);
              }
              setTimeout(fit, 0);
              // On a fresh map the frame's own animated first zoom ends after this one: fit once more then.
              var refit = function () { map.off("zoomend", refit); fit(); };
              map.on("zoomend", refit);
              setTimeout(function () { map.off("zoomend", refit); }, 1500);
              return this;
            },
            onRemove: function () { return this; }
          });
          new Fit().addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]]):
        super().__init__()
        self._name = "FitOnAdd"
        self.bounds = bounds
        self.bounds_json = json.dumps([[round(v, 5) for v in corner] for corner in bounds])


def frame(
    counties: gpd.GeoDataFrame,
    theme: Theme,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
    prefix: str = IFRAME_PREFIX,
) -> folium.Map:
    """The constant part of the briefing map for a theme and language: background, hatch,
    grey neighbours (light theme), city outline and county names.

    The names sit in Leaflet's marker pane, above whatever layer a slide adds.
    """
    m = base_map(counties, prefix, context if theme.name == "light" else None, lang)
    m.get_root().header.add_child(Element(map_css(theme)))
    outline_layer(counties.geometry.union_all(), "city", theme.halo, 5).add_to(m)
    names = views.county_names(counties, lang)
    texts = {a: short_name(n, lang) for a, n in names.items()}
    labels_group(place_labels(anchor_points(counties), texts), "names").add_to(m)
    return m


def extent_adcodes(ds: ind.Dataset, counties: gpd.GeoDataFrame, extent: str | tuple[str, ...]) -> list[str]:
    if extent == "all":
        return counties["adcode"].tolist()
    if extent == "poor":
        return poor_counties(ds)
    return list(extent)


def short_source(row: pd.Series) -> str:
    """``publisher《main title》· locator``: the citation without the publisher's aside and subtitle."""
    publisher = str(row.get("publisher") or "").split(" (")[0].strip()
    title = str(row.get("title") or "").split("——")[0].strip()
    locator = str(row.get("locator") or "")
    text = f"{publisher}《{title}》"
    return f"{text} · {locator}" if locator else text


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
        indicator = ind.get_indicator(ds, ref.indicator_id)
        if indicator.kind == "category":
            value = ind.category_labels(ds, ref.indicator_id, lang).get(row["value"], row["value"])
            note = ""  # a category's year is a convention of the table (see data/README.md), not news
        else:
            # A year is not a quantity: no thousands separator, no "year" unit in English.
            if indicator.unit == "年":
                value = f"{int(row['number'])}{indicator.unit if lang == 'zh' else ''}"
            else:
                value = format_value(row["number"], indicator.unit_for(lang), lang)
            note = str(row["year"])
        if row["status"] != "reported":
            note = (
                f"{note} · {views.status_text(row['status'], lang)}" if note else views.status_text(row["status"], lang)
            )
        label = figure_label(ds, ref, names, lang)
        out.append(KeyFigure(label, value, note, ind.source_label(row), ref, short_source(row)))
    return out


def layer_fills(layer: folium.FeatureGroup) -> tuple[str, dict[str, str | None], set[str]]:
    """The colours the app's map gives each county, read back from the layer it draws.

    Exports use these, so a printed map can never disagree with the screen. Returns the
    mode ("city" when the layer is one city-wide shape), adcode -> fill, and the counties
    drawn with a dashed outline (target or forecast figures).
    """
    fills: dict[str, str | None] = {}
    planned: set[str] = set()
    mode = "county"
    for child in layer._children.values():
        if not isinstance(child, CompactGeoJson):
            continue
        for f in child.data["f"]:
            p = f["p"]
            if "adcode" not in p:
                mode = "city"
                continue
            if mode == "city":
                continue
            fills[p["adcode"]] = None if p.get("nodata") else p.get("fill")
            if p.get("planned"):
                planned.add(p["adcode"])
    return mode, fills, planned


def context_group(ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str) -> tuple[folium.FeatureGroup, cl.Legend]:
    """Quiet county layer under programme places: the poor counties a shade darker."""
    poor = set(poor_counties(ds))
    labels = ind.category_labels(ds, "poor_county_type", lang)
    names = views.county_names(counties, lang)
    styles = {
        a: FeatureStyle(CONTEXT_POOR if a in poor else CONTEXT_OTHER, [("", str(names[a]))]) for a in counties["adcode"]
    }
    legend = cl.Legend(
        title=t("legend_context", lang),
        entries=[
            cl.LegendEntry(t("legend_poor_counties", lang), CONTEXT_POOR, len(poor)),
            cl.LegendEntry(labels.get("not_poor", "not_poor"), CONTEXT_OTHER, len(counties) - len(poor)),
        ],
    )
    return choropleth_group(counties, styles, legend, "context"), legend


def slide_sites(
    ds: ind.Dataset, sites: gpd.GeoDataFrame, programmes: tuple[str, ...], lang: str
) -> tuple[gpd.GeoDataFrame, cl.Legend | None]:
    """Places of the slide's programmes, one marker per programme and point, coloured as on the programmes page."""
    if not programmes or sites.empty:
        return sites.iloc[0:0].assign(color=[]), None
    # Same colour per programme as the programmes page: the catalogue order of programmes with places.
    with_sites = [p for p in ds.programmes["programme_id"] if p in set(sites["programme"])]
    colors = programme_colors(with_sites)
    mine = sites[sites["programme"].isin(programmes)].copy()
    if mine.empty:
        return mine.assign(color=[]), None
    name_col = "name_en" if lang == "en" else "name_zh"
    mine["name"] = mine[name_col].where(mine[name_col].astype(bool), mine["name_zh"])
    mine["key"] = mine.geometry.apply(lambda g: (round(g.x, 6), round(g.y, 6)))
    merged = []
    for (programme, _), group in mine.groupby(["programme", "key"], sort=False):
        first = group.iloc[0]
        merged.append(
            {
                "programme": programme,
                "names": list(dict.fromkeys(group["name"])),
                "adcode": first["adcode"],
                "precision": first["precision"],
                "color": colors[programme],
                "geometry": first.geometry,
            }
        )
    out = gpd.GeoDataFrame(merged, geometry="geometry", crs=sites.crs)
    prog_names = dict(zip(ds.programmes["programme_id"], ds.programmes["name_en" if lang == "en" else "name_zh"]))
    counts = mine["programme"].value_counts()
    entries = [cl.LegendEntry(prog_names[p], colors[p], int(counts[p])) for p in programmes if p in counts]
    hollow = not out["precision"].isin(FILLED_PRECISIONS).all()
    legend = cl.Legend(t("legend_sites", lang), entries, t("legend_hollow", lang) if hollow else "")
    return out, legend


def sites_group(points: gpd.GeoDataFrame, lang: str) -> folium.FeatureGroup:
    """A ring (place known only to its county) or dot per place, lifted above its point so the
    county's name under it stays readable; tooltips are escaped."""
    fg = folium.FeatureGroup(name="sites")
    for row in points.itertuples(index=False):
        filled = row.precision in FILLED_PRECISIONS
        style = f"border-color:{row.color};background:{row.color if filled else '#ffffff'}"
        marker = folium.Marker(
            [row.geometry.y, row.geometry.x],
            title=" / ".join(row.names),  # the focusable marker's accessible name (set as text, not HTML)
            icon=folium.DivIcon(
                html=f"<span class='bd-ring' style='{style}'></span>", class_name="bd-ring-icon",
                icon_size=(RING_PX, RING_PX), icon_anchor=(RING_PX // 2, RING_PX + RING_LIFT_PX),
            ),
        )  # fmt: skip
        tip = popup_html(" / ".join(row.names), [(t("site_location", lang), t(f"precision_{row.precision}", lang))])
        marker.add_child(BoundText(tooltip=tip))
        marker.add_to(fg)
    return fg


def slide_view(
    deck: Deck,
    index: int,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
    prefix: str = IFRAME_PREFIX,
) -> SlideView:
    """Everything slide ``index`` (0-based) shows: figures, layers for st_folium, and what exports need.

    ``context`` is the grey surroundings drawn by the frame; with it the legend names Xiong'an.
    """
    slide = deck.slides[index]
    spec = slide.map
    names = views.county_names(counties, lang)
    extent = extent_adcodes(ds, counties, spec.extent)
    overview = None
    if spec.indicator_id is not None:
        overview = views.overview(
            ds, counties, spec.indicator_id, spec.year, cl.DEFAULT_SCHEME, lang, prefix, context=context
        )
        layer, legend = overview.layer, overview.legend
        mode, fills, planned = layer_fills(layer)
    else:
        layer, legend = context_group(ds, counties, lang)
        _, fills, planned = layer_fills(layer)
        mode = "context"
    points, site_legend = slide_sites(ds, sites, spec.programmes, lang)
    layers = [layer]
    if not points.empty:
        group = sites_group(points, lang)
        if site_legend is not None:
            LegendControl(site_legend).add_to(group)
        layers.append(group)
    fit = folium.FeatureGroup(name="fit")
    FitOnAdd(bounds_of(counties[counties["adcode"].isin(extent)])).add_to(fit)
    layers.append(fit)
    return SlideView(
        slide, index + 1, len(deck), mode, key_figures(ds, slide, names, lang), extent, fills, planned, legend,
        points, site_legend, layers, overview,
    )  # fmt: skip


def data_table(view: SlideView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """The data behind a slide: its key figures and every value its map shows, each with its source."""
    names = views.county_names(counties, lang)
    rows = []

    def add(role: str, row: pd.Series) -> None:
        indicator = ind.get_indicator(ds, row["indicator_id"])
        labels = ind.category_labels(ds, indicator.indicator_id, lang)
        place = t("whole_city", lang) if row["adcode"] == ind.CITY_ADCODE else str(names.get(row["adcode"], ""))
        rows.append(
            {
                t("export_role", lang): role,
                t("indicator", lang): indicator.name(lang),
                "indicator_id": indicator.indicator_id,
                t("county", lang): place,
                "adcode": row["adcode"],
                t("year", lang): int(row["year"]),
                t("value", lang): labels.get(row["value"], row["value"]) if indicator.kind == "category"
                else float(row["number"]),
                t("unit", lang): indicator.unit_for(lang),
                t("status", lang): views.status_text(row["status"], lang),
                t("source", lang): ind.source_label(row),
                t("note", lang): row.get("note", ""),
            }
        )  # fmt: skip

    for ref in view.slide.figures:
        add(t("export_role_figure", lang), find_row(ds, ref))
    spec = view.slide.map
    if spec.indicator_id is not None and view.overview is not None:
        year = view.overview.year
        cv = ind.county_values(ds, spec.indicator_id, year)
        for _, r in cv.iterrows():
            add(t("export_role_map", lang), r)
        city = ind.city_value(ds, spec.indicator_id, year)
        if city is not None:
            add(t("export_role_map", lang), city)
    return pd.DataFrame(rows)


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
    year = view.overview.year or t("latest_year", lang)
    return f"{view.title(lang)} · {view.overview.indicator.name(lang)}{paren(year, lang)}"


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
        parts.append(f"{r['publisher']}《{r['title']}》" + (paren(date, lang) if date else ""))
    return f"{t('source', lang)}{colon(lang)}" + ("；" if lang == "zh" else "; ").join(parts)
