"""County profile: everything the data says about one county, and what it does not say."""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

from geo.i18n import colon, field_for, format_value, join_list, paren, t
from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model.palette import LOCATOR_OTHER, SELECTED
from geo.views.common import figure_text
from geo.views.mapview import CountyFill, MapView

DESIGNATION = "poor_county_type"
EXIT_YEAR = "exit_year"
NOT_POOR = "not_poor"


@dataclass
class Fact:
    label: str
    value: str
    source: str


@dataclass
class CountyProfile:
    adcode: str
    name: str
    designation: Fact | None
    exit_year: Fact | None
    table: pd.DataFrame  # one row per indicator known for the county
    programmes: list[str]  # programme names with county figures
    missing_programmes: list[str]  # programme names with none
    n_city_only: int  # indicators the sources give only for the whole city
    ranks: pd.DataFrame = field(default_factory=pd.DataFrame)  # rank among the poor counties
    marks: list[str] = field(default_factory=list)  # "indicator (year): mark" of each weak or disputed figure


def poor_counties(ds: ind.Dataset) -> list[str]:
    """Adcodes of the nine poor counties, from the designation indicator (not a hard-coded list)."""
    v = ds.values[(ds.values["indicator_id"] == DESIGNATION) & (ds.values["value"] != NOT_POOR)]
    return sorted(set(v["adcode"]) - {ind.CITY_ADCODE})


YT_CODES = ("national_key_yt", "yt_area")


def yt_counties(ds: ind.Dataset) -> list[str]:
    """Adcodes of the 燕山–太行山 area counties, from the designation indicator."""
    v = ds.values[(ds.values["indicator_id"] == DESIGNATION) & ds.values["value"].isin(YT_CODES)]
    return sorted(set(v["adcode"]) - {ind.CITY_ADCODE})


def _fact(ds: ind.Dataset, indicator_id: str, adcode: str, lang: str) -> Fact | None:
    rows = ind.county_values(ds, indicator_id, None)
    rows = rows[rows["adcode"] == adcode]
    if rows.empty:
        return None
    figure = figure_text(ds, rows.sort_values("year").iloc[-1], lang)
    return Fact(figure.indicator, figure.value, figure.source)


def county_profile(ds: ind.Dataset, counties: gpd.GeoDataFrame, adcode: str, lang: str) -> CountyProfile:
    """The profile of one county; an unknown adcode raises KeyError listing none of 24 silently."""
    names = counties.set_index("adcode")[field_for("name", lang)]
    if adcode not in names.index:
        raise KeyError(f"unknown county {adcode!r}")
    prog = ds.programmes.set_index("programme_id")
    prog_name = prog[field_for("name", lang)]
    v = ds.values[ds.values["adcode"] == adcode].merge(ds.sources[ind.SOURCE_FIELDS], on="source_id", how="left")
    rows, marks = [], []
    for _, row in v.iterrows():
        indicator = ind.get_indicator(ds, row["indicator_id"])
        figure = figure_text(ds, row, lang, indicator)
        if figure.mark_detail:
            marks.append(f"{figure.indicator}{paren(figure.year, lang)}{colon(lang)}{figure.mark_detail}")
        rows.append(
            {
                "indicator_id": indicator.indicator_id,
                "_order": int(prog.loc[indicator.programme, "order"]),
                t("programme", lang): prog_name[indicator.programme],
                t("indicator", lang): figure.indicator,
                t("value", lang): figure.value,
                t("year", lang): figure.year,
                t("status", lang): figure.status_label,
                t("source", lang): figure.source,
                t("mark", lang): figure.mark_detail,
                t("note", lang): figure.note,
            }
        )
    table = pd.DataFrame(rows)
    if not table.empty and not table[t("mark", lang)].any():
        table = table.drop(columns=t("mark", lang))  # no weak or disputed figure here: no empty column
    if not table.empty:
        table = table.sort_values(["_order", "indicator_id", t("year", lang)]).drop(columns="_order")
    with_data = set(table[t("programme", lang)]) if not table.empty else set()
    ordered = [prog_name[p] for p in ds.programmes["programme_id"]]
    county_level = set(ds.values.loc[ds.values["adcode"] != ind.CITY_ADCODE, "indicator_id"])
    return CountyProfile(
        adcode=adcode,
        name=str(names[adcode]),
        designation=_fact(ds, DESIGNATION, adcode, lang),
        exit_year=_fact(ds, EXIT_YEAR, adcode, lang),
        table=table.reset_index(drop=True),
        programmes=[p for p in ordered if p in with_data],
        missing_programmes=[p for p in ordered if p not in with_data],
        n_city_only=int((~ds.indicators["indicator_id"].isin(county_level)).sum()),
        ranks=poor_county_ranks(ds, counties, adcode, lang),
        marks=marks,
    )


def poor_county_ranks(ds: ind.Dataset, counties: gpd.GeoDataFrame, adcode: str, lang: str) -> pd.DataFrame:
    """For each numeric indicator the county has a figure for: its rank among the poor counties with one.

    Only indicators where at least two poor counties have figures for the same year are ranked;
    rank 1 is the largest value.
    """
    poor = set(poor_counties(ds))
    out = []
    v = ds.values[(ds.values["adcode"].isin(poor)) & ds.values["number"].notna()]
    for (indicator_id, year), group in v.groupby(["indicator_id", "year"]):
        if adcode not in set(group["adcode"]) or group["adcode"].nunique() < 2:
            continue
        indicator = ind.get_indicator(ds, indicator_id)
        g = ind.county_values(ds, indicator_id, int(year))
        g = g[g["adcode"].isin(poor)].sort_values("number", ascending=False).reset_index(drop=True)
        rank = int(g.index[g["adcode"] == adcode][0]) + 1
        out.append(
            {
                t("indicator", lang): indicator.name(lang),
                t("year", lang): int(year),
                t("rank", lang): f"{rank} / {len(g)}",
                t("value", lang): format_value(float(g.loc[rank - 1, "number"]), indicator.unit_for(lang), lang),
            }
        )
    return pd.DataFrame(out)


def sites_table(sites: gpd.GeoDataFrame, ds: ind.Dataset, adcode: str, lang: str) -> pd.DataFrame:
    """The report's places in this county, with their programme, precision and source."""
    if sites is None or sites.empty:
        return pd.DataFrame()
    here = sites[sites["adcode"] == adcode]
    if here.empty:
        return pd.DataFrame()
    prog = ds.programmes.set_index("programme_id")[field_for("name", lang)]
    src = ds.sources.set_index("source_id")
    return pd.DataFrame(
        {
            t("site", lang): here[field_for("name", lang)].to_numpy(),
            t("programme", lang): here["programme"].map(prog).to_numpy(),
            t("precision", lang): [t(f"precision_{p}", lang) for p in here["precision"]],
            t("source", lang): [
                ind.source_label({**src.loc[sid].to_dict(), "locator": loc}, lang) if sid in src.index else sid
                for sid, loc in zip(here["source_id"], here["locator"])
            ],
        }
    )


def missing_text(profile: CountyProfile, n_indicators: int, lang: str) -> str:
    """A plain sentence about what the sources do not give for this county."""
    n_known = profile.table["indicator_id"].nunique() if not profile.table.empty else 0
    missing = join_list(profile.missing_programmes, lang)
    return t(
        "profile_missing",
        lang,
        name=profile.name,
        known=n_known,
        total=n_indicators,
        city_only=profile.n_city_only,
        missing=missing or "—",
    )


def compare_table(a: CountyProfile, b: CountyProfile, lang: str) -> pd.DataFrame:
    """Two counties side by side, one row per indicator either has (latest year each)."""

    def latest(p: CountyProfile) -> pd.DataFrame:
        if p.table.empty:
            return pd.DataFrame(columns=["indicator_id", "shown"])
        last = p.table.sort_values(t("year", lang)).drop_duplicates("indicator_id", keep="last")
        shown = last[t("value", lang)] + [paren(y, lang) for y in last[t("year", lang)]]
        return pd.DataFrame({"indicator_id": last["indicator_id"], "label": last[t("indicator", lang)], "shown": shown})

    la, lb = latest(a), latest(b)
    merged = la.merge(lb, on="indicator_id", how="outer", suffixes=("_a", "_b"))
    no = t("no_data", lang)
    return pd.DataFrame(
        {
            t("indicator", lang): merged["label_a"].fillna(merged["label_b"]),
            a.name: merged["shown_a"].fillna(no),
            b.name: merged["shown_b"].fillna(no),
        }
    )


def locator_view(
    counties: gpd.GeoDataFrame, adcode: str, lang: str, rows: dict[str, list[tuple[str, str]]] | None = None
) -> MapView:
    """Where the county is: it in the selection colour, the others quiet grey, a legend naming both.

    ``rows``: what each county's tooltip says under its name (e.g. its designation with year and source).
    """
    names = counties.set_index("adcode")[field_for("name", lang)]
    if adcode not in names.index:
        raise KeyError(f"unknown county {adcode!r}")
    others = t("legend_other_counties", lang)
    fills = {
        a: CountyFill(
            SELECTED if a == adcode else LOCATOR_OTHER,
            (("", str(n)), *(rows or {}).get(a, [])),
            label=str(n) if a == adcode else others,
        )
        for a, n in names.items()
    }
    legend = cl.Legend(
        t("locator_map", lang),
        [cl.LegendEntry(str(names[adcode]), SELECTED), cl.LegendEntry(others, LOCATOR_OTHER, len(names) - 1)],
    )
    return MapView("county", t("locator_map", lang), fills, legend)


def richest_county(ds: ind.Dataset, adcodes: list[str]) -> str:
    """The county the sources say most about: a sensible first page when nothing is selected."""
    counts = ds.values[ds.values["adcode"].isin(adcodes)].groupby("adcode")["indicator_id"].nunique()
    return str(counts.idxmax()) if not counts.empty else adcodes[0]
