"""View models: what a page shows for a given state, computed without Streamlit.

Pages call these and render the result; tests call them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import geopandas as gpd
import pandas as pd

from geo.i18n import colon, field_for, format_share, format_value, join_list, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.labels import anchor_points, place_labels, short_name
from geo.model.palette import PLANNED_SWATCH, POOR_OUTLINE, XIONGAN_SWATCH, YT_OUTLINE
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
    value_texts: dict[str, str] = field(default_factory=dict)  # for labels under the names
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


def county_names(counties: gpd.GeoDataFrame, lang: str) -> pd.Series:
    col = field_for("name", lang)
    return counties.set_index("adcode")[col]


def status_text(status: str, lang: str) -> str:
    return t(f"status_{status}", lang)


def value_rows(
    indicator: ind.Indicator, row: pd.Series, labels: dict[str, str], lang: str, mark: str = ""
) -> list[tuple[str, str]]:
    """Tooltip/panel rows for one figure: value, the mark of a weak or disputed figure (right under it,
    never left out), year and status, note, source with its grade."""
    if indicator.kind == "category":
        shown = labels.get(row["value"], row["value"])
    else:
        shown = format_value(row["number"], indicator.unit_for(lang), lang)
    rows = [(indicator.name(lang), shown)]
    if mark:
        rows.append((t("mark", lang), mark))
    rows.append((t("year", lang), f"{row['year']}{paren(status_text(row['status'], lang), lang)}"))
    if row.get("note"):
        rows.append((t("note", lang), str(row["note"])))
    rows.append((t("source", lang), ind.source_label(row, lang)))
    return rows


def _grade(row: pd.Series | None) -> str:
    return str(row.get("grade") or "") if row is not None else ""


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
    city_text = None
    if city is not None:
        shown = (
            format_value(city["number"], unit, lang)
            if indicator.kind == "numeric"
            else ind.category_labels(ds, indicator_id, lang).get(city["value"], city["value"])
        )
        when = f"{city['year']}{'，' if lang == 'zh' else ', '}{status_text(city['status'], lang)}"
        city_text = f"{t('city_total', lang)}{colon(lang)}{shown}{paren(when, lang)} · {ind.source_label(city, lang)}"

    if cv.empty:
        legend = cl.Legend(
            title=f"{title}{paren(city['year'] if city is not None else year, lang)}",
            entries=[cl.LegendEntry(t("legend_city_total", lang), cl.CITY_FILL)],
            note=format_value(city["number"], unit, lang) if city is not None and indicator.kind == "numeric" else "",
        )
        rows = value_rows(indicator, city, {}, lang, ind.mark_text(ds, city, lang)) if city is not None else []
        mapv = MapView(
            "city", title, {a: CountyFill(None, (("", str(n)),)) for a, n in names.items()}, legend,
            city=CountyFill(
                cl.CITY_FILL, ((t("whole_city", lang), ""), *rows),
                grade=_grade(city), mark=ind.mark_text(ds, city, lang, detail=False) if city is not None else "",
            ),
        )  # fmt: skip
        return OverviewView(
            indicator, year, all_years, "city", mapv, legend,
            t("coverage_counties", lang, n=0, total_units=n_units), city_text,
            pd.DataFrame(), source_ids=(city["source_id"],) if city is not None else (), city_row=city,
        )  # fmt: skip

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
    value_texts: dict[str, str] = {}
    for adcode, name in names.items():
        if adcode in by_code.index:
            r = by_code.loc[adcode].copy()
            r["adcode"] = adcode  # the index is the adcode; the mark looks the value up by its key
            rows = value_rows(indicator, r, labels, lang, ind.mark_text(ds, r, lang))
            fill = fill_of(r)
            planned = r["status"] != "reported"
            fills[adcode] = CountyFill(
                fill, (("", name), *rows), planned, legend_of.get(fill, ""),
                grade=_grade(r), mark=ind.mark_text(ds, r, lang, detail=False),
            )  # fmt: skip
            value_texts[adcode] = rows[0][1]
        else:
            rows = [(indicator.name(lang), t("no_data", lang))]
            fills[adcode] = CountyFill(None, (("", name), *rows), label=t("no_data", lang))
        info[adcode] = rows
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
            "coverage_line", lang, n=cov.n_counties,
            sum=format_value(cov.county_sum, unit, lang), total=format_value(cov.city_total, unit, lang),
            share=format_share(cov.share, lang),
        )  # fmt: skip
    elif year is None and cv["year"].nunique() > 1:
        coverage_text = t("coverage_mixed_years", lang, n=cov.n_counties, total_units=n_units)
    elif indicator.additive and cov.n_counties < n_units:
        coverage_text = t("coverage_no_total", lang, n=cov.n_counties, total_units=n_units)
    else:
        coverage_text = t("coverage_counties", lang, n=cov.n_counties, total_units=n_units)

    table = _county_table(ds, indicator, cv, names, labels, year, lang)
    sources = (*cv["source_id"], *([city["source_id"]] if city is not None else []))
    return OverviewView(
        indicator, year, all_years, "county", mapv, legend, coverage_text, city_text, table, info,
        text_alternative(mapv, names, lang), value_texts, as_of, tuple(dict.fromkeys(sources)), city,
    )  # fmt: skip


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
            rows.append({t("legend_class", lang): entry.label, t("count", lang): len(members),
                         t("county", lang): join_list(members, lang)})  # fmt: skip
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
    """Ranking (numeric) or grouping (category) of the counties with data."""
    number = None
    if indicator.kind == "numeric":
        cv = ind.ranking(ds, indicator.indicator_id, year, names)
        number = cv["number"].to_numpy()
        shown = cv["number"].map(lambda x: format_value(x, indicator.unit_for(lang), lang))
    else:
        order = {c: i for i, c in enumerate(labels)}
        cv = cv.assign(name=cv["adcode"].map(names), _o=cv["value"].map(order)).sort_values(["_o", "adcode"])
        shown = cv["value"].map(labels)
    return pd.DataFrame(
        {
            "adcode": cv["adcode"].to_numpy(),
            "number": number if number is not None else [None] * len(cv),
            t("county", lang): cv["name"].to_numpy(),
            t("value", lang): shown.to_numpy(),
            t("year", lang): cv["year"].to_numpy(),
            t("status", lang): [status_text(s, lang) for s in cv["status"]],
            t("source", lang): [ind.source_label(r, lang) for _, r in cv.iterrows()],
            "grade": cv["grade"].fillna("").to_numpy(),  # for downloads; the source line names it already
            "mark": [ind.mark_text(ds, r, lang) for r in cv.to_dict("records")],
        }
    )


def download_table(view: OverviewView, ds: ind.Dataset, lang: str) -> pd.DataFrame:
    """The data behind the view, for CSV/XLSX: each county figure the map shows and the city-wide figure,
    with year, status and source. Numbers stay numbers (the unit is in the column header), so a
    planner can sort and sum them; a category is its label."""
    indicator = view.indicator
    unit = indicator.unit_for(lang)
    value_col = f"{t('value', lang)}{paren(unit, lang)}" if indicator.kind == "numeric" and unit else t("value", lang)
    columns = [t("county", lang), "adcode", value_col, t("year", lang), t("status", lang), t("source", lang),
               t("grade", lang), t("mark", lang)]  # fmt: skip
    rows = []
    for r in view.table.to_dict("records"):
        value = r["number"] if indicator.kind == "numeric" else r[t("value", lang)]
        rows.append([r[t("county", lang)], r["adcode"], value, r[t("year", lang)], r[t("status", lang)],
                     r[t("source", lang)], r["grade"], r["mark"]])  # fmt: skip
    city = view.city_row
    if city is not None:
        labels = ind.category_labels(ds, indicator.indicator_id, lang)
        value = float(city["number"]) if indicator.kind == "numeric" else labels.get(city["value"], city["value"])
        rows.append([t("whole_city", lang), ind.CITY_ADCODE, value, int(city["year"]),
                     status_text(city["status"], lang), ind.source_label(city, lang), str(city.get("grade") or ""),
                     ind.mark_text(ds, city, lang)])  # fmt: skip
    return pd.DataFrame(rows, columns=columns)


def key_figures(ds: ind.Dataset, lang: str, figures: list[tuple[str, int]] | None = None) -> list[KeyFigure]:
    """The city-wide figures for the strip at the top of the overview, each with its source."""
    out = []
    for indicator_id, year in figures if figures is not None else KEY_FIGURES:
        indicator = ind.get_indicator(ds, indicator_id)
        row = ind.city_value(ds, indicator_id, year)
        if row is None:
            raise KeyError(f"key figure {indicator_id} has no city value for {year}")
        note = f"{year}" + ("" if row["status"] == "reported" else f" · {status_text(row['status'], lang)}")
        value = format_value(row["number"], indicator.unit_for(lang), lang)
        out.append(
            KeyFigure(
                indicator.name(lang), value, ind.source_label(row, lang), note,
                grade=str(row.get("grade") or ""), mark=ind.mark_text(ds, row, lang, detail=False),
                mark_detail=ind.mark_text(ds, row, lang),
            )
        )  # fmt: skip
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
        with_values = overlays.values and bool(view.value_texts)
        if with_values:
            texts = {a: f"{texts[a]}\n{view.value_texts[a]}" if a in view.value_texts else texts[a] for a in texts}
        placed = place_labels(anchor_points(counties), texts, lines=2 if with_values else 1)
    return replace(view.map, outlines=tuple(outlines), labels=tuple(placed), selection=tuple(selection))
