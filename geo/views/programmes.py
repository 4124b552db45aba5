"""The programmes page as data: one selection of programmes and counties drives the map,
the key figures, the table and the chart. Pure functions; the page only renders them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import geopandas as gpd
import pandas as pd

from geo.i18n import colon, field_for, format_value, localized, paren, t, visible
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.basemaps import Choice
from geo.model.boundaries import representative_points
from geo.model.palette import BASE_FILL, DIM_FILL, programme_colors
from geo.model.sites import filter_sites
from geo.views import downloads
from geo.views.common import FigureText, county_names, figure_text, status_text
from geo.views.figures import KeyFigure
from geo.views.mapview import CountyFill, MapMode, MapView, Site, Symbol

TYPE_INDICATOR = "poor_county_type"
NOT_POOR = "not_poor"
YANTAI_CODES = ("national_key_yt", "yt_area")
MAX_FIGURES = 6


@dataclass(frozen=True)
class Ranking:
    """Counties in view ranked by the mapped figure: what the chart draws (geo.render.charts)."""

    names: tuple[str, ...]
    values: tuple[float, ...]
    adcodes: tuple[str, ...]
    unit: str


# How the programmes map shows its county figure: "symbols" proportional circles, "fill" a choropleth,
# "sites" none (places only). The MapView's own mode says what its counties are ("county" for a fill).
FigureMode = Literal["symbols", "fill", "sites"]


@dataclass
class ProgrammesView:
    map: MapView  # drawn by geo.render.leaflet.layers.programme_map
    indicator: ind.Indicator | None
    year: int | None
    mode: FigureMode
    figures: list[KeyFigure]
    more_figures: int
    sums: pd.DataFrame  # one row per county indicator with data in view: sum and n/m counties
    table: pd.DataFrame
    ranking: Ranking | None  # bars for the chart, largest first; None when the indicator is not numeric
    no_data: list[str] = field(default_factory=list)  # names of counties in view without a figure
    n_sites: int = 0
    n_county_precision: int = 0
    programmes: tuple[str, ...] = ()  # the choice (empty: all)
    city_rows: tuple[pd.Series, ...] = ()  # every city figure of the choice (figures shows the first few)


def programme_ids(ds: ind.Dataset) -> list[str]:
    return ds.programmes["programme_id"].tolist()


def programme_names(ds: ind.Dataset, lang: str) -> dict[str, str]:
    return dict(zip(ds.programmes["programme_id"], ds.programmes[field_for("name", lang)]))


def quick_choices(ds: ind.Dataset) -> dict[str, list[str]]:
    """County sets for one-click selection, from the poor-county type on record (never typed in).

    "all" is the empty selection: the whole city, nothing singled out.
    """
    year = county_year(ds, TYPE_INDICATOR, None)
    cv = ind.county_values(ds, TYPE_INDICATOR, year)
    return {
        "all": [],
        "poor9": sorted(cv.loc[cv["value"] != NOT_POOR, "adcode"]),
        "yantai": sorted(cv.loc[cv["value"].isin(YANTAI_CODES), "adcode"]),
    }


def _of_programmes(ds: ind.Dataset, programmes: Sequence[str]) -> list[str]:
    chosen = set(programmes) or set(programme_ids(ds))
    catalogue = ds.indicators.set_index("indicator_id")["programme"]
    return [i for i in ind.indicator_ids(ds) if catalogue[i] in chosen]


def map_indicators(ds: ind.Dataset, programmes: Sequence[str]) -> list[str]:
    """County-level indicators of the programmes (all programmes when none is chosen)."""
    level = ds.indicators.set_index("indicator_id")["level"]
    return [i for i in _of_programmes(ds, programmes) if level[i] == "county"]


def default_map_indicator(ds: ind.Dataset, ids: Sequence[str]) -> str | None:
    """The first count among ``ids`` (drawn as circles), else the first of them."""
    for i in ids:
        if symbol_mode(ind.get_indicator(ds, i)) == "symbols":
            return i
    return ids[0] if ids else None


def county_year(ds: ind.Dataset, indicator_id: str, year: int | None) -> int | None:
    """``year`` when the indicator has county rows for it, else its latest county year.

    Always one year: figures of different years are never drawn side by side or added up.
    """
    ys = ind.years(ds, indicator_id, "county")
    if year in ys:
        return year
    return ys[-1] if ys else None


def symbol_mode(indicator: ind.Indicator) -> FigureMode:
    """Counts and amounts that add up over counties get circles; rates and categories a fill."""
    return "symbols" if indicator.kind == "numeric" and indicator.additive else "fill"


def city_rows(ds: ind.Dataset, programmes: Sequence[str]) -> list[pd.Series]:
    """The city-wide numeric figure (latest year) of each indicator of the programmes, taken in turn
    from each programme, with its source."""
    catalogue = ds.indicators.set_index("indicator_id")
    city = ds.values[ds.values["adcode"] == ind.CITY_ADCODE]
    latest = city.groupby("indicator_id")["year"].max()  # one pass, not one scan of the values per indicator
    queues: dict[str, list[str]] = {}
    for i in _of_programmes(ds, programmes):
        if catalogue.at[i, "kind"] == "numeric" and i in latest.index:
            queues.setdefault(catalogue.at[i, "programme"], []).append(i)
    order: list[str] = []
    while any(queues.values()):
        for q in queues.values():
            if q:
                order.append(q.pop(0))
    return [ind.city_value(ds, i, int(latest[i])) for i in order]


def city_figures(rows: Sequence[pd.Series], ds: ind.Dataset, lang: str, limit: int = MAX_FIGURES) -> list[KeyFigure]:
    """The first ``limit`` of the city figures (city_rows) as key figures."""
    figures = []
    for row in rows[:limit]:
        figure = figure_text(ds, row, lang)
        label = f"{figure.indicator}{paren(figure.year, lang)}"
        if not figure.reported:
            label += f" · {figure.status_label}"
        figures.append(figure.key_figure(label, note=""))
    return figures


def county_sums(ds: ind.Dataset, programmes: Sequence[str], in_view: Sequence[str], lang: str) -> pd.DataFrame:
    """Sums over the counties in view of each additive county indicator that has data there.

    Each row says how many of those counties have a figure: a sum over one of nine
    counties is not the nine counties' total. One year per indicator, never mixed.
    """
    rows = []
    for i in map_indicators(ds, programmes):
        entry = ind.get_indicator(ds, i)
        if not (entry.kind == "numeric" and entry.additive):
            continue
        year = county_year(ds, i, None)
        cv = ind.county_values(ds, i, year)
        cv = cv[cv["adcode"].isin(in_view)]
        if cv.empty:
            continue
        statuses = sorted({status_text(s, lang) for s in cv["status"] if s != "reported"})
        rows.append(
            {
                t("indicator", lang): entry.name(lang),
                t("sum_value", lang): format_value(float(cv["number"].sum()), entry.unit_for(lang), lang),
                t("counties_with_data", lang): f"{len(cv)}/{len(in_view)}",
                t("year", lang): f"{year}" + (f" · {'/'.join(statuses)}" if statuses else ""),
                t("source", lang): " ; ".join(dict.fromkeys(ind.source_label(r, lang) for _, r in cv.iterrows())),
            }
        )
    return pd.DataFrame(rows)


def county_table(
    ds: ind.Dataset, counties: gpd.GeoDataFrame, programmes: Sequence[str], in_view: Sequence[str], lang: str
) -> pd.DataFrame:
    """Every county value of the programmes in the counties in view, with its source."""
    names_zh = county_names(counties, "zh").to_dict()
    names_en = county_names(counties, "en").to_dict()
    table = ind.values_table(ds, names_zh, names_en, lang)
    chosen = set(_of_programmes(ds, programmes))
    table = table[table["indicator_id"].isin(chosen) & table["adcode"].isin(in_view)]
    pnames = programme_names(ds, lang)
    table = table.assign(
        programme=table["programme"].map(pnames), status=table["status"].map(lambda s: status_text(s, lang))
    )
    headers = {
        "place": t("county", lang), "programme": t("programme", lang), "indicator": t("indicator", lang),
        "year": t("year", lang), "value": t("value", lang), "unit": t("unit", lang), "status": t("status", lang),
        "source": t("source", lang), "publisher": t("publisher", lang), "grade": t("grade", lang),
        "locator": t("locator", lang), "mark": t("mark", lang), "note": t("note", lang),
    }  # fmt: skip
    if not table["mark"].any():
        headers.pop("mark")  # no weak or disputed figure in view: no empty column
    return table[list(headers)].rename(columns=headers).reset_index(drop=True)


def download_table(view: ProgrammesView, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str) -> pd.DataFrame:
    """The data behind the page, for CSV/XLSX: every city figure of the chosen programmes (the key
    figures, those past the first few included), the county figures the map draws, then every other
    county value of the table, each with year, status, source and note. Numbers are numbers."""
    rows: list[tuple[str, pd.Series | dict]] = [(t("export_role_figure", lang), r) for r in view.city_rows]
    in_view = list(view.map.in_view)
    drawn: set[tuple] = set()
    if view.indicator is not None:
        cv = ind.county_values(ds, view.indicator.indicator_id, view.year)
        cv = cv[cv["adcode"].isin(in_view)].sort_values("adcode", key=lambda a: a.map(in_view.index))
        on_map = cv.to_dict("records")
        rows += [(t("export_role_map", lang), r) for r in on_map]
        drawn = {(r["indicator_id"], r["adcode"], r["year"], r["status"]) for r in on_map}
    chosen = set(_of_programmes(ds, view.programmes))
    v = ds.values[ds.values["indicator_id"].isin(chosen) & ds.values["adcode"].isin(in_view)]
    v = v.merge(ds.sources[ind.SOURCE_FIELDS], on="source_id", how="left")
    rows += [
        (t("export_role_table", lang), r)
        for r in v.to_dict("records")
        if (r["indicator_id"], r["adcode"], r["year"], r["status"]) not in drawn
    ]
    return downloads.figures_table(ds, rows, county_names(counties, lang), lang)


def site_rows(
    sites: gpd.GeoDataFrame, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str
) -> list[list[tuple[str, str]]]:
    """Popup rows of each site: programme, county, how precise the point is, facts, sources."""
    pnames = programme_names(ds, lang)
    cnames = county_names(counties, lang)
    src = ds.sources.set_index("source_id")
    out = []
    for s in sites.itertuples(index=False):
        source = src.loc[s.source_id]
        rows = [
            (t("programme", lang), pnames.get(s.programme, s.programme)),
            (t("county", lang), str(cnames.get(s.adcode, s.adcode))),
            (t("site_location", lang), t(f"precision_{s.precision}", lang)),
        ]
        facts = localized(s, "facts", lang)
        if facts:
            rows.append((t("site_facts", lang), facts))
        if s.note and lang == "zh":
            rows.append((t("note", lang), s.note))
        rows.append((t("source", lang), ind.source_label({**source.to_dict(), "locator": s.locator}, lang)))
        if s.location_source_id:
            loc = src.loc[s.location_source_id]
            rows.append((t("site_location_source", lang), ind.source_label(loc.to_dict(), lang)))
        out.append(rows)
    return out


def _figure_fill(fill: str | None, name: str, figure: FigureText) -> CountyFill:
    """A county with a figure: its fill, the name and the figure's rows, its value text, grade and mark."""
    rows = (("", name), *figure.rows())
    return CountyFill(fill, rows, grade=figure.grade, mark=figure.mark, value_text=figure.value)


def map_sites(
    sites: gpd.GeoDataFrame, ds: ind.Dataset, counties: gpd.GeoDataFrame, lang: str
) -> tuple[tuple[Site, ...], cl.Legend | None]:
    """The places as drawn, in the catalogue order of programmes, and their legend (one entry per programme,
    same order). Colours are fixed per programme by all programmes with places, not by the choice."""
    if sites.empty:
        return (), None
    order = programme_ids(ds)
    colors = programme_colors([p for p in order if p in set(sites["programme"])])
    pnames = programme_names(ds, lang)
    name_col = field_for("name", lang)
    rows = site_rows(sites, ds, counties, lang)
    drawn = [
        Site(
            float(s.geometry.x),
            float(s.geometry.y),
            s.programme,
            colors[s.programme],
            s.precision,
            (str(getattr(s, name_col) or s.name_zh),),
            s.adcode,
            tuple(r),
        )
        for s, r in zip(sites.itertuples(index=False), rows)
    ]
    drawn.sort(key=lambda site: order.index(site.programme))
    counts = sites["programme"].value_counts()
    entries = [cl.LegendEntry(pnames.get(p, p), colors[p], int(counts[p])) for p in order if p in counts]
    return tuple(drawn), cl.Legend(t("legend_sites", lang), entries)


def programmes_view(
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    programmes: Sequence[str],
    selected: Sequence[str],
    indicator_id: str | None,
    year: int | None,
    lang: str,
) -> ProgrammesView:
    """Everything the page shows for programmes (empty = all) and counties (empty = all)."""
    in_view = list(selected) or counties["adcode"].tolist()
    names = county_names(counties, lang)
    shown_sites = filter_sites(sites, programmes, in_view)

    indicator = ind.get_indicator(ds, indicator_id) if indicator_id else None
    styles = {
        a: CountyFill(BASE_FILL, (("", names[a]),)) if a in in_view else CountyFill(DIM_FILL, (("", names[a]),))
        for a in counties["adcode"]
    }
    mode: FigureMode = "sites"
    symbols, fill_legend, no_data, chart, title = (), None, [], None, ""
    if indicator is not None:
        year = county_year(ds, indicator.indicator_id, year)
        cv = ind.county_values(ds, indicator.indicator_id, year)
        cv = cv[cv["adcode"].isin(in_view)].set_index("adcode")
        labels = ind.category_labels(ds, indicator.indicator_id, lang)
        no_data = [a for a in in_view if a not in cv.index]
        mode = symbol_mode(indicator)
        for a in in_view:
            if a in cv.index:
                figure = figure_text(ds, {**cv.loc[a].to_dict(), "adcode": a}, lang, indicator, labels)
                styles[a] = _figure_fill(BASE_FILL, names[a], figure)
            else:
                styles[a] = CountyFill(BASE_FILL, (("", names[a]), (indicator.name(lang), t("no_data", lang))))
        title = f"{indicator.name(lang)}{paren(indicator.unit_for(lang), lang) if indicator.unit_for(lang) else ''}"
        if mode == "symbols":
            pts = representative_points(counties[counties["adcode"].isin(cv.index)])
            symbols = tuple(
                Symbol(a, float(g.x), float(g.y), float(cv.at[a, "number"]), styles[a].rows)
                for a, g in zip(pts["adcode"], pts.geometry)
            )
            title = f"{title} · {year}"
        else:
            if indicator.kind == "category":
                colors_by_code = cl.category_colors(list(labels))
                counts = cv["value"].value_counts().to_dict()
                fill_legend = cl.categorical_legend(labels, colors_by_code, counts, title, lang, len(no_data))
                fill_of = lambda r: colors_by_code.get(r["value"])  # noqa: E731
            elif not cv.empty:
                classes = cl.classify(cv["number"].tolist())
                unit = indicator.unit_for(lang)
                fill_legend = cl.numeric_legend(classes, cv["number"].tolist(), title, unit, lang, len(no_data))
                fill_of = lambda r: classes.color_of(float(r["number"]))  # noqa: E731
            else:
                fill_legend = cl.Legend(title, [cl.no_data_entry(lang, len(no_data))])
            for a in in_view:
                styles[a] = replace(styles[a], fill=fill_of(cv.loc[a]) if a in cv.index else None)
        if indicator.kind == "numeric" and not cv.empty:
            ranked = cv.sort_values("number", ascending=False)
            chart = Ranking(
                tuple(names[a] for a in ranked.index),
                tuple(ranked["number"].astype(float)),
                tuple(ranked.index),
                indicator.unit_for(lang),
            )

    drawn, site_legend = map_sites(shown_sites, ds, counties, lang)
    shown_as: MapMode = "county" if mode == "fill" else "context"  # the counties coloured, or context under places
    mapv = MapView(
        shown_as,
        title,
        styles,
        fill_legend,
        tuple(no_data),
        sites=drawn,
        site_legend=site_legend,
        symbols=symbols,
        symbol_title=title if mode == "symbols" else "",
        extent=tuple(in_view),
        selection=tuple(selected),
        in_view=tuple(in_view),
    )
    rows = city_rows(ds, programmes)
    return ProgrammesView(
        map=mapv,
        indicator=indicator,
        year=year,
        mode=mode,
        figures=city_figures(rows, ds, lang),
        more_figures=max(0, len(rows) - MAX_FIGURES),
        sums=county_sums(ds, programmes, in_view, lang),
        table=county_table(ds, counties, programmes, in_view, lang),
        ranking=chart,
        no_data=[names[a] for a in no_data],
        n_sites=len(shown_sites),
        n_county_precision=int((shown_sites["precision"] == "county").sum()),
        programmes=tuple(programmes),
        city_rows=tuple(rows),
    )


def basemap_hints(options: dict[str, Choice], lang: str) -> list[str]:
    """Why each basemap missing from the choice is unavailable (which setting to set)."""
    return [
        t("basemap_unavailable", lang, name=t(f"basemap_{k}", lang), setting=c.unavailable)
        for k, c in options.items()
        if c.unavailable
    ]


def basemap_link_notice(bad: str, options: dict[str, Choice], lang: str) -> str:
    """What to tell a user whose link asked for a basemap this server cannot draw."""
    if bad in options and options[bad].unavailable:
        return t("basemap_unavailable", lang, name=t(f"basemap_{bad}", lang), setting=options[bad].unavailable)
    return t("unknown_param", lang, param=t("basemap", lang), value=visible(bad, lang=lang))


def no_data_text(view: ProgrammesView, lang: str) -> str:
    """'Counties without data: a, b' — never shown as zero."""
    sep = "、" if lang == "zh" else ", "
    return f"{t('no_data_counties', lang)}{colon(lang)}{sep.join(view.no_data)}"
