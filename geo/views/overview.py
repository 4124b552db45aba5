"""View models: what a page shows for a given state, computed without Streamlit.

Pages call these and render the result; tests call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import geopandas as gpd
import pandas as pd

from geo.i18n import colon, format_share, format_value, join_list, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.labels import anchor_points, place_labels, short_name
from geo.model.palette import PLANNED_SWATCH, POOR_OUTLINE, XIONGAN_SWATCH, YT_OUTLINE
from geo.views.common import FigureText, county_names, figure_text
from geo.views.county import poor_counties, yt_counties
from geo.views.figures import KeyFigure
from geo.views.mapview import CountyFill, MapMode, MapView, Outline

DEFAULT_INDICATOR = "poor_county_type"
LATEST = "latest"  # the year parameter's value for "each county's latest figure"
# Indicators whose value is the year something happened (a county left the list): the year
# control shows the state as of that year, derived from the sourced exit years alone.
EVENT_YEAR_INDICATORS = ("exit_year",)
PENDING = "_pending"
PENDING_COLOUR = "#5a5a5a"


def event_years(ds: ind.Dataset, indicator_id: str) -> list[int]:
    codes = ds.categories.loc[ds.categories["indicator_id"] == indicator_id, "code"]
    return sorted(int(c) for c in codes if str(c).isdigit())


def year_options(ds: ind.Dataset, indicator_id: str) -> tuple[list[str], str]:
    """The year control's choices for an indicator, and the one shown first."""
    if indicator_id in EVENT_YEAR_INDICATORS:
        return [LATEST, *(str(y) for y in event_years(ds, indicator_id))], LATEST
    first = ind.default_year(ds, indicator_id)
    options = [str(y) for y in ind.years(ds, indicator_id)]
    if first is None:
        options.insert(0, LATEST)
    return options, LATEST if first is None else str(first)  # the one county indicator every unit has a value for


def _flag(label: str, default: bool = False):
    """One of the map's yes/no options: the UI string of its toggle and whether it is on by default."""
    return field(default=default, metadata={"label": label})


@dataclass(frozen=True, kw_only=True)
class Overlays:
    """The overview map's yes/no options, one field each: the registry of them. The page draws a toggle per
    field and the link carries it as ``name=1``/``name=0`` (``MAP_FLAGS``); the value goes whole into the
    map's cache key and into ``with_overlays``, so a new option is a new field here and its drawing."""

    labels: bool = _flag("show_labels", True)  # permanent county names
    values: bool = _flag("show_values")  # each county's figure under its name (with the names)
    poor: bool = _flag("outline_poor")  # the poor counties outlined
    yt: bool = _flag("outline_yt")  # the Yanshan–Taihang counties outlined


# The map's options as the page and the link read them: name -> (UI string of its toggle, shown by default).
MAP_FLAGS: dict[str, tuple[str, bool]] = {f.name: (f.metadata["label"], f.default) for f in fields(Overlays)}


# The strip of city-wide figures on the overview: (indicator_id, year), all from the report.
KEY_FIGURES: list[tuple[str, int]] = [
    ("poor_counties", 2016),
    ("registered_poor_population", 2014),
    ("registered_poor_villages", 2014),
    ("poor_population_remaining", 2015),
    ("pv_grid_connected_mw", 2016),
    ("relocation_persons", 2016),
]


@dataclass
class OverviewView:
    indicator: ind.Indicator
    year: int | None
    years: list[int]
    mode: MapMode  # "county": counties coloured; "city": only a city total exists
    map: MapView
    legend: cl.Legend
    coverage_text: str
    city_text: str | None
    table: pd.DataFrame
    county_info: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    classes: pd.DataFrame = field(default_factory=pd.DataFrame)  # text alternative of the map
    figures: dict[str, FigureText] = field(default_factory=dict)  # each county's figure in words (labels, callouts)
    as_of: int | None = None  # for event-year indicators: the state shown is that of this year
    source_ids: tuple[str, ...] = ()  # sources of every figure the map shows
    city_row: pd.Series | None = None  # the city-wide figure shown beside the map, if any

    def period(self, lang: str) -> str:
        if self.as_of is not None:
            return t("as_of", lang, year=self.as_of)
        return str(self.year) if self.year is not None else t("latest_year", lang)

    def period_slug(self) -> str:
        """The period as a file-name part, the same period ``period`` names: ``2016``, ``asof2018``, ``latest``."""
        if self.as_of is not None:
            return f"asof{self.as_of}"
        return str(self.year) if self.year is not None else "latest"


def overview(
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    indicator_id: str,
    year: int | None,
    scheme: str,
    lang: str,
    context: gpd.GeoDataFrame | None = None,
) -> OverviewView:
    """Everything the overview page shows for one indicator, year and scheme.

    ``context``: the grey surroundings the map frame draws; with them the legend names Xiong'an.
    """
    indicator = ind.get_indicator(ds, indicator_id)
    as_of = None
    if indicator_id in EVENT_YEAR_INDICATORS and year in event_years(ds, indicator_id):
        as_of, year = year, None
    all_years = ind.years(ds, indicator_id)
    if (year is not None and year not in all_years) or (year is None and not ind.years(ds, indicator_id, "county")):
        year = ind.default_year(ds, indicator_id)
    names = county_names(counties, lang)
    cv = ind.county_values(ds, indicator_id, year)
    city = ind.city_value(ds, indicator_id, year)
    title = indicator.name(lang)
    unit = indicator.unit_for(lang)
    n_units = len(counties)
    city_figure = figure_text(ds, city, lang, indicator) if city is not None else None
    city_text = f"{t('city_total', lang)}{colon(lang)}{city_figure.inline()}" if city_figure is not None else None

    if cv.empty:
        legend = cl.Legend(
            title=f"{title}{paren(city['year'] if city is not None else year, lang)}",
            entries=[cl.LegendEntry(t("legend_city_total", lang), cl.CITY_FILL)],
            note=city_figure.value if city_figure is not None and city_figure.numeric else "",
        )
        whole = (t("whole_city", lang), "")
        city_fill = (
            _figure_fill(cl.CITY_FILL, whole, city_figure)
            if city_figure is not None
            else CountyFill(cl.CITY_FILL, (whole,))
        )
        county_fills = {a: CountyFill(None, (("", str(n)),)) for a, n in names.items()}
        mapv = MapView("city", title, county_fills, legend, city=city_fill)
        coverage_text = t("coverage_counties", lang, n=0, total_units=n_units)
        return OverviewView(
            indicator=indicator,
            year=year,
            years=all_years,
            mode="city",
            map=mapv,
            legend=legend,
            coverage_text=coverage_text,
            city_text=city_text,
            table=pd.DataFrame(),
            source_ids=(city["source_id"],) if city is not None else (),
            city_row=city,
        )

    labels = ind.category_labels(ds, indicator_id, lang)
    if as_of is not None:
        cv, labels = _as_of(cv, labels, as_of, lang)
    by_code = cv.set_index("adcode")
    fills: dict[str, CountyFill] = {}
    info: dict[str, list[tuple[str, str]]] = {}
    n_missing = n_units - len(cv)
    if indicator.kind == "category":
        colors = {**cl.category_colors(list(labels)), PENDING: PENDING_COLOUR}
        counts = cv["value"].value_counts().to_dict()
        legend = cl.categorical_legend(labels, colors, counts, f"{title}", lang, n_missing)
        fill_of = lambda r: colors.get(r["value"])  # noqa: E731
    else:
        classes = cl.classify(cv["number"].tolist(), scheme)
        legend = cl.numeric_legend(classes, cv["number"].tolist(), title, unit, lang, n_missing)
        fill_of = lambda r: classes.color_of(float(r["number"]))  # noqa: E731
    legend_of = {e.color: e.label for e in legend.entries if e.swatch == "fill"}
    figures: dict[str, FigureText] = {}
    for adcode, name in names.items():
        if adcode in by_code.index:
            r = by_code.loc[adcode].copy()
            r["adcode"] = adcode  # the index is the adcode; the mark looks the value up by its key
            figure = figures[adcode] = figure_text(ds, r, lang, indicator, labels)
            fill = fill_of(r)
            fills[adcode] = _figure_fill(fill, ("", name), figure, legend_of.get(fill, ""), not figure.reported)
            info[adcode] = list(figure.rows())
        else:
            info[adcode] = [(indicator.name(lang), t("no_data", lang))]
            fills[adcode] = CountyFill(None, (("", name), *info[adcode]), label=t("no_data", lang))
    if any(f.planned for f in fills.values()):
        planned = cl.LegendEntry(t("legend_planned", lang), swatch=PLANNED_SWATCH)
        legend = cl.Legend(legend.title, [*legend.entries, planned])
    if context is not None and not context.empty:
        xiongan = cl.LegendEntry(t("legend_xiongan", lang), swatch=XIONGAN_SWATCH)
        legend = cl.Legend(legend.title, [*legend.entries, xiongan])
    no_data = tuple(a for a, f in fills.items() if f.fill is None)
    mapv = MapView("county", title, fills, legend, no_data)

    cov = ind.coverage(ds, indicator_id, year, n_units)
    if cov.share is not None:
        coverage_text = t(
            "coverage_line",
            lang,
            n=cov.n_counties,
            sum=format_value(cov.county_sum, unit, lang),
            total=format_value(cov.city_total, unit, lang),
            share=format_share(cov.share, lang),
        )
    elif year is None and cv["year"].nunique() > 1:
        coverage_text = t("coverage_mixed_years", lang, n=cov.n_counties, total_units=n_units)
    elif indicator.additive and cov.n_counties < n_units:
        coverage_text = t("coverage_no_total", lang, n=cov.n_counties, total_units=n_units)
    else:
        coverage_text = t("coverage_counties", lang, n=cov.n_counties, total_units=n_units)

    table = _county_table(ds, indicator, cv, names, labels, year, lang)
    sources = (*cv["source_id"], *([city["source_id"]] if city is not None else []))
    return OverviewView(
        indicator=indicator,
        year=year,
        years=all_years,
        mode="county",
        map=mapv,
        legend=legend,
        coverage_text=coverage_text,
        city_text=city_text,
        table=table,
        county_info=info,
        classes=text_alternative(mapv, names, lang),
        figures=figures,
        as_of=as_of,
        source_ids=tuple(dict.fromkeys(sources)),
        city_row=city,
    )


def _figure_fill(
    fill: str | None, name: tuple[str, str], figure: FigureText, label: str = "", planned: bool = False
) -> CountyFill:
    """A county (or the city) with a figure: the name row and the figure's rows as its tooltip, the
    figure's value as its value text; ``planned``: a dashed outline (a target or forecast)."""
    rows = (name, *figure.rows())
    return CountyFill(fill, rows, planned, label, grade=figure.grade, mark=figure.mark, value_text=figure.value)


def _as_of(cv: pd.DataFrame, labels: dict[str, str], year: int, lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Counties whose event year is after ``year`` are shown as still waiting for it."""
    later = [str(v).isdigit() and int(v) > year for v in cv["value"]]
    cv = cv.assign(value=[PENDING if late else v for v, late in zip(cv["value"], later)])
    kept = {k: v for k, v in labels.items() if not (k.isdigit() and int(k) > year)}
    ordered = {k: v for k, v in kept.items() if k.isdigit()}
    ordered[PENDING] = t("still_listed", lang, year=year)
    ordered.update({k: v for k, v in kept.items() if not k.isdigit()})
    return cv, ordered


def text_alternative(mapv: MapView, names: pd.Series, lang: str) -> pd.DataFrame:
    """What the map shows, as a table with the same classes: for people who cannot read colours or hover."""
    rows = []
    for entry in mapv.legend.entries if mapv.legend is not None else []:
        members = [names[a] for a, c in mapv.counties.items() if c.label == entry.label]
        if members:
            rows.append(
                {
                    t("legend_class", lang): entry.label,
                    t("count", lang): len(members),
                    t("county", lang): join_list(members, lang),
                }
            )
    return pd.DataFrame(rows)


def _county_table(
    ds: ind.Dataset,
    indicator: ind.Indicator,
    cv: pd.DataFrame,
    names: pd.Series,
    labels: dict[str, str],
    year: int | None,
    lang: str,
) -> pd.DataFrame:
    """Ranking (numeric) or grouping (category) of the counties with data, each figure in its words."""
    if indicator.kind == "numeric":
        cv = ind.ranking(ds, indicator.indicator_id, year, names)
    else:
        order = {c: i for i, c in enumerate(labels)}
        cv = cv.assign(name=cv["adcode"].map(names), _o=cv["value"].map(order)).sort_values(["_o", "adcode"])
    figures = [figure_text(ds, r, lang, indicator, labels) for r in cv.to_dict("records")]
    return pd.DataFrame(
        {
            "adcode": cv["adcode"].to_numpy(),
            "number": [f.number for f in figures],
            t("county", lang): cv["name"].to_numpy(),
            t("value", lang): [f.value for f in figures],
            t("year", lang): cv["year"].to_numpy(),
            t("status", lang): [f.status_label for f in figures],
            t("source", lang): [f.source for f in figures],
            "grade": [f.grade for f in figures],  # for downloads; the source line names it already
            "mark": [f.mark_detail for f in figures],
        }
    )


def download_table(view: OverviewView, ds: ind.Dataset, lang: str) -> pd.DataFrame:
    """The data behind the view, for CSV/XLSX: each county figure the map shows and the city-wide figure,
    with year, status and source. Numbers stay numbers (the unit is in the column header), so a
    planner can sort and sum them; a category is its label."""
    indicator = view.indicator
    unit = indicator.unit_for(lang)
    value_col = f"{t('value', lang)}{paren(unit, lang)}" if indicator.kind == "numeric" and unit else t("value", lang)
    columns = [
        t("county", lang),
        "adcode",
        value_col,
        *(t(c, lang) for c in ("year", "status", "source", "grade", "mark")),
    ]
    numeric = indicator.kind == "numeric"
    rows = []
    for r in view.table.to_dict("records"):
        value = r["number"] if numeric else r[t("value", lang)]
        year, status, source = (r[t(c, lang)] for c in ("year", "status", "source"))
        rows.append([r[t("county", lang)], r["adcode"], value, year, status, source, r["grade"], r["mark"]])
    if view.city_row is not None:
        f = figure_text(ds, view.city_row, lang, indicator)
        value = f.number if numeric else f.value
        rows.append(
            [t("whole_city", lang), ind.CITY_ADCODE, value, f.year, f.status_label, f.source, f.grade, f.mark_detail]
        )
    return pd.DataFrame(rows, columns=columns)


def key_figures(ds: ind.Dataset, lang: str, figures: list[tuple[str, int]] | None = None) -> list[KeyFigure]:
    """The city-wide figures for the strip at the top of the overview, each with its source."""
    out = []
    for indicator_id, year in figures if figures is not None else KEY_FIGURES:
        row = ind.city_value(ds, indicator_id, year)
        if row is None:
            raise KeyError(f"key figure {indicator_id} has no city value for {year}")
        out.append(figure_text(ds, row, lang).key_figure())
    return out


def with_overlays(
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    view: OverviewView,
    overlays: Overlays,
    *,
    lang: str,
    selection: tuple[str, ...] | list[str] = (),
) -> MapView:
    """The overview's map with the optional layers over the counties: permanent names (with values),
    the poor counties' and the Yanshan–Taihang counties' outlines, and the selection."""
    outlines = []
    if overlays.yt:
        outlines.append(Outline("yt_counties", tuple(yt_counties(ds)), YT_OUTLINE))
    if overlays.poor:
        outlines.append(Outline("poor_counties", tuple(poor_counties(ds)), POOR_OUTLINE))
    placed: list = []
    if overlays.labels:
        names = county_names(counties, lang)
        texts = {a: short_name(n, lang) for a, n in names.items()}
        # A county's value line is its figure's value text (never a tooltip row taken by position).
        shown = {a: c.value_text for a, c in view.map.counties.items() if c.value_text}
        with_values = overlays.values and bool(shown)
        if with_values:
            texts = {a: f"{texts[a]}\n{shown[a]}" if a in shown else texts[a] for a in texts}
        placed = place_labels(anchor_points(counties), texts, lines=2 if with_values else 1)
    return replace(view.map, outlines=tuple(outlines), labels=tuple(placed), selection=tuple(selection))
