"""Sources a leader can click: links only to reviewed outlets, a grade on every source, weak and
disputed figures marked, and the same rules for imported sources."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import tomllib
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from pptx import Presentation

from geo import store as st
from geo.model import indicators as ind
from geo.model import outlets, slides
from geo.model.outlets import GRADES, host_of
from geo.render import tables
from geo.store import imports as im
from geo.views import briefing, county, downloads
from geo.views import overview as ov
from tests.conftest import TINY_TABLES, write_tables

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
URL = re.compile(r"https?://[^\s\"',;)）]+", re.IGNORECASE)
# The copies the research found on content farms and the encyclopedia-style page (issue 19).
NOT_OUTLETS = ("afdelivr.top", "feifmx.com", "duoerfu888.com", "kbm75.com", "hbcasj.com", "kpzsg.com")
FUPING, BOYE, YI = "130624", "130637", "130633"


def listed_hosts() -> set[str]:
    rows = list(csv.DictReader(open(DATA / "outlets.csv", encoding="utf-8")))
    return {d for r in rows for d in outlets.domains_of(r["domains"])}


# ---------------------------------------------------------------- the outlet list and data/


def test_every_url_in_data_is_on_a_listed_outlet():
    """The outlet-list test: any http(s) address anywhere in data/ (sources, notes, sites, slides) has a
    host of the reviewed list; a source without one is cited as text."""
    hosts = listed_hosts()
    found = []
    for path in [*sorted(DATA.glob("*.csv")), DATA / "slides.toml"]:
        if path.name == "outlets.csv":
            continue
        for url in URL.findall(path.read_text(encoding="utf-8")):
            found.append(url)
            assert host_of(url) in hosts, f"{path.name}: {url} is not on a listed outlet (data/outlets.csv)"
    assert len(found) >= 15  # the check saw the sources' URLs
    text = "\n".join(p.read_text(encoding="utf-8") for p in DATA.glob("*.csv") if p.name != "outlets.csv")
    for farm in NOT_OUTLETS:
        assert not re.search(rf"https?://[^\s,]*{re.escape(farm)}", text), farm
    assert not set(NOT_OUTLETS) & {h.split(".", h.count(".") - 1)[-1] for h in hosts}


def test_every_seed_source_is_graded_and_linked_only_to_its_outlet(bundled):
    ds, _ = bundled
    src = ds.sources
    assert src["grade"].isin(GRADES).all(), src.loc[~src["grade"].isin(GRADES), "source_id"].tolist()
    assert (src["unreviewed"] == "").all()  # nothing in data/ is waiting for review
    with_url = src[src["url"] != ""]
    assert (with_url["link"] == with_url["url"]).all()
    # A reprint is named as one, in both languages.
    yesanpo = src.set_index("source_id").loc["xinhua2020_yesanpo"]
    assert ind.source_label(yesanpo, "zh").startswith("新华社 (记者 孟丽)，中华网转载《")
    assert ind.source_label(yesanpo, "en").startswith("新华社 (记者 孟丽), reprinted by china.com《")
    assert ind.source_label(yesanpo, "zh").endswith("来源等级 C")
    assert ind.source_label(yesanpo, "en").endswith("grade C")


def test_the_outlet_list_is_checked_with_the_line(tmp_path):
    bad = {
        "kind": (["x", "某报", "Some paper", "a.cn", "blog", ""], "line 2: kind must be one of"),
        "scheme": (["x", "某报", "Some paper", "https://a.cn", "press", ""], "line 2: domains: 'https://a.cn'"),
        "twice": (["example2", "又一报", "Other", "example.org", "press", ""], "line 3: domains: 'example.org' is"),
        "empty": (["x", "某报", "Some paper", "", "press", ""], "line 2: domains: give the outlet's own host"),
    }
    for name, (row, message) in bad.items():
        tables = dict(TINY_TABLES)
        head = TINY_TABLES["outlets.csv"]
        tables["outlets.csv"] = [*head, row] if name == "twice" else [head[0], row]
        folder = write_tables(tmp_path / name, tables)
        with pytest.raises(ind.DataError, match=re.escape(message)):
            ind.load_dataset(folder)


def test_a_grade_outside_a_to_d_is_refused(tmp_path):
    tables = dict(TINY_TABLES)
    tables["sources.csv"] = [*TINY_TABLES["sources.csv"][:2], ["web", "t", "p", "2017", "", "E", ""]]
    with pytest.raises(ind.DataError, match="sources.csv: line 3: grade must be one of A, B, C, D"):
        ind.load_dataset(write_tables(tmp_path / "d", tables))


def test_an_unlisted_host_is_text_and_a_reprint_site_is_named():
    src = pd.DataFrame(
        {
            "source_id": ["a", "b", "c", "d"],
            "url": ["https://www.gov.cn/x", "https://news.china.com/y", "https://blog.example.net/z", ""],
        }
    )
    olist = pd.DataFrame(
        {
            "outlet_id": ["gov_cn", "china_com"],
            "name_zh": ["中国政府网", "中华网"],
            "name_en": ["gov.cn", "china.com"],
            "domains": ["www.gov.cn", "news.china.com"],
            "kind": ["government", "reprint"],
            "note": ["", ""],
        }
    )
    d = outlets.describe_sources(src, olist).set_index("source_id")
    assert d.loc["a", "link"] == "https://www.gov.cn/x" and d.loc["a", "via_zh"] == ""
    assert d.loc["b", "link"] and d.loc["b", "via_zh"] == "中华网" and d.loc["b", "via_en"] == "china.com"
    assert d.loc["c", "link"] == "" and d.loc["c", "unreviewed"] == "blog.example.net"
    assert d.loc["d", "link"] == "" and d.loc["d", "unreviewed"] == ""
    # Only exactly listed hosts: a look-alike or a subdomain is not the outlet.
    assert (
        outlets.describe_sources(
            pd.DataFrame({"source_id": ["e", "f"], "url": ["http://www.gov.cn.evil.top/x", "http://m.www.gov.cn/x"]}),
            olist,
        )["link"]
        .eq("")
        .all()
    )


# ---------------------------------------------------------------- weak and disputed values


def _tiny_with(tmp_path, grade: str, further: list[list[str]]):
    tables = dict(TINY_TABLES)
    wiki = ["wiki", "某县属于哪个市", "百科页面", "", "", grade, "无作者和日期"]
    tables["sources.csv"] = [*TINY_TABLES["sources.csv"], wiki]
    tables["values.csv"] = [
        *TINY_TABLES["values.csv"],
        ["poor_villages", "000003", "2014", "12", "reported", "wiki", "正文", ""],
    ]
    head = ["indicator_id", "adcode", "year", "status", "value", "source_id", "locator", "note"]
    tables["value_sources.csv"] = [head, *further]
    return ind.load_dataset(write_tables(tmp_path / "data", tables), {"000001", "000002", "000003"})


def test_a_value_whose_only_source_is_grade_d_is_weak_until_a_better_one_agrees(tmp_path):
    ds = _tiny_with(tmp_path / "a", "D", [])
    row = ds.values[ds.values["source_id"] == "wiki"].iloc[0]
    assert bool(row["weak"]) and not bool(row["disputed"])
    assert ind.mark_text(ds, row, "zh", detail=False) == "来源较弱"
    assert ind.mark_text(ds, row, "en").startswith("weak source: only a grade-D page")
    ds = _tiny_with(tmp_path / "b", "D", [["poor_villages", "000003", "2014", "reported", "12", "web", "正文", ""]])
    assert not ds.values[ds.values["source_id"] == "wiki"]["weak"].any()


def test_two_sources_that_disagree_are_marked_with_both_figures(tmp_path):
    ds = _tiny_with(tmp_path, "C", [["poor_villages", "000003", "2014", "reported", "15", "web", "正文", ""]])
    row = ds.values[ds.values["source_id"] == "wiki"].iloc[0]
    assert bool(row["disputed"]) and not bool(row["weak"])
    text = ind.mark_text(ds, row, "zh")
    assert text.startswith("来源不一：12个（百科页面《某县属于哪个市》") and "15个（某报《" in text
    assert "来源等级 C" in text


def test_further_sources_are_checked(tmp_path):
    with pytest.raises(ind.DataError, match="value_sources.csv: line 2: unknown source_id"):
        _tiny_with(tmp_path / "a", "C", [["poor_villages", "000002", "2014", "reported", "10", "ghost", "", ""]])
    with pytest.raises(ind.DataError, match="line 2: the value's own source_id, listed again"):
        _tiny_with(tmp_path / "b", "C", [["poor_villages", "000002", "2014", "reported", "10", "web", "", ""]])
    with pytest.raises(ind.DataError, match="line 2: value is not a number"):
        _tiny_with(tmp_path / "c", "C", [["poor_villages", "000001", "2014", "reported", "十", "web", "", ""]])


def test_the_research_corrections_are_in_the_data(bundled):
    ds, _ = bundled
    v = ds.values.merge(ds.sources[ind.SOURCE_FIELDS], on="source_id")
    rate = v[(v["indicator_id"] == "poverty_incidence") & (v["adcode"] == FUPING) & (v["year"] == 2014)].iloc[0]
    assert bool(rate["disputed"])
    mark = ind.mark_text(ds, rate, "zh")
    assert "54.4%" in mark and "48%" in mark and "《阜平纪行》" in mark  # both figures, both sources
    boye = v[(v["indicator_id"] == "exit_year") & (v["adcode"] == BOYE)].iloc[0]
    assert boye["value"] == "2018" and boye["grade"] == "C" and not bool(boye["weak"])
    assert "排除法" in boye["note"] and "2018-09-29" in boye["note"] and "D级" in boye["note"]
    yi = v[(v["indicator_id"] == "exit_year") & (v["adcode"] == YI)].iloc[0]
    assert "2017年第二批" in yi["note"] and "批准" in yi["note"]
    exit_year = ind.get_indicator(ds, "exit_year")
    assert "按批准之年计" in exit_year.description("zh") and "approval year" in exit_year.description("en")
    key = v[(v["indicator_id"] == "poor_county_type") & (v["source_id"] == "govcn2012_keycounties")]
    assert key["note"].str.contains("赵家蓬区").all()
    assert (
        key.loc[key["locator"].str.contains("39"), "locator"]
        .str.contains("39个国家重点县\\(另将涿鹿县赵家蓬区单列\\)")
        .all()
    )
    raw = tomllib.loads((DATA / "slides.toml").read_text(encoding="utf-8"))["slides"][-1]
    assert "按批准" in raw["notes_zh"] and "approval" in raw["notes_en"] and "D级" in raw["notes_zh"]
    # 曲阳's 1,200 MW is contracted capacity, never stored as built.
    assert not ((ds.values["number"] == 1200) & ds.values["indicator_id"].str.contains("pv")).any()
    assert "签约规模" in ds.sources.set_index("source_id").loc["bdrb2016_quyang_pv", "note"]


# ---------------------------------------------------------------- shown wherever a source is shown


def test_grade_and_mark_in_the_map_view_key_figures_and_profile(bundled):
    ds, counties = bundled
    view = ov.overview(ds, counties, "poverty_incidence", 2014, "quantiles", "zh")
    fuping = view.map.counties[FUPING]
    assert fuping.grade == "B" and fuping.mark == "来源不一"
    rows = dict(fuping.rows[1:])
    assert rows["提示"].startswith("来源不一：54.4%") and "48%" in rows["提示"]
    assert rows["来源"].endswith("来源等级 B")
    en = ov.overview(ds, counties, "poverty_incidence", 2014, "quantiles", "en").map.counties[FUPING]
    assert dict(en.rows[1:])["Caution"].startswith("sources disagree: 54.4%")
    figures = ov.key_figures(ds, "zh")
    assert all(f.grade == "B" and f.source.endswith("来源等级 B") for f in figures)
    p = county.county_profile(ds, counties, FUPING, "zh")
    assert p.table["来源"].str.contains("来源等级 [A-D]$").all()
    assert any(m.startswith("贫困发生率（2014）：来源不一：54.4%") for m in p.marks), p.marks
    assert (p.table["提示"] != "").sum() == 1


def test_grade_in_csv_and_xlsx_downloads(bundled):
    ds, counties = bundled
    view = ov.overview(ds, counties, "poverty_incidence", 2014, "quantiles", "zh")
    table = ov.download_table(view, ds, "zh")
    assert "来源等级" in table.columns and set(table["来源等级"]) <= set(GRADES) and len(table)
    rows = list(csv.reader(io.StringIO(tables.table_csv(table).decode("utf-8-sig"))))
    assert "来源等级" in rows[0] and "提示" in rows[0]
    sheet = openpyxl.load_workbook(io.BytesIO(tables.table_xlsx(table))).active
    header = [c.value for c in sheet[1]]
    grades = [r[header.index("来源等级")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert grades and set(grades) <= set(GRADES)
    values = ind.values_table(ds, {}, {}, "en")
    assert set(values["grade"]) <= set(GRADES) and (values["mark"] != "").sum() == 1
    fig_rows = downloads.figures_table(
        ds, [("map", r) for _, r in ind.county_values(ds, "exit_year", 2020).iterrows()], {}, "en"
    )
    assert set(fig_rows["Source grade"]) <= set(GRADES)


@pytest.fixture(scope="module")
def sites(real):
    return real.sites


@pytest.fixture(scope="module")
def small_deck(bundled):
    """Slide 5 (its figure from a reprint) and a slide whose figure is the disputed rate."""
    ds, counties = bundled
    raw = slides.read_deck_file(DATA / "slides.toml")
    pv = next(s for s in raw if s["id"] == "pv")
    disputed = {**pv, "id": "disputed", "figures": [{"indicator": "poverty_incidence", "adcode": FUPING, "year": 2014}]}
    return slides.validate_deck([pv, disputed], DATA / "slides.toml", ds, set(counties["adcode"]))


def test_slides_name_the_reprint_grade_and_mark(bundled, small_deck, sites):
    ds, counties = bundled
    view = briefing.slide_view(small_deck, 0, ds, counties, sites, "zh")
    (fig,) = [f for f in view.figures if "索比" in f.source]
    assert "索比光伏网转载" in fig.short_source and fig.short_source.endswith("来源等级 C")
    assert "索比光伏网转载" in briefing.sources_line(view, ds, "zh")
    view = briefing.slide_view(small_deck, 1, ds, counties, sites, "en")
    (fig,) = view.figures
    assert fig.mark == "sources disagree" and "48%" in fig.mark_detail


def test_pptx_text_and_notes_carry_grade_and_mark(bundled, small_deck, sites):
    from geo.render.export import pptx

    ds, counties = bundled
    data = pptx.deck_pptx(small_deck, ds, counties, sites, "zh")
    prs = Presentation(io.BytesIO(data))
    first, second = prs.slides
    text = "\n".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert "来源等级 C" in text and "索比光伏网转载" in text
    assert "来源等级 C" in first.notes_slide.notes_text_frame.text
    text = "\n".join(s.text_frame.text for s in second.shapes if s.has_text_frame)
    assert "来源不一：54.4%" in text and "48%" in text
    assert "来源不一" in second.notes_slide.notes_text_frame.text


# ---------------------------------------------------------------- imports and the stores


def test_an_imported_source_on_an_unlisted_host_is_kept_as_text(bundled, tmp_path):
    ds, counties = bundled
    spec = im.SourceSpec("", "某县统计公报", "某县统计局", "2018", "https://tjj.example-county.cn/a.html", "A")
    data = "县,指标,年份,数值\n阜平,剩余贫困人口,2019,5\n".encode()
    result = im.prepare_import(data, "a.csv", ds, counties, im.ImportOptions(source=spec))
    assert result.ok, result.problems
    s = st.GeoPackageStore(tmp_path / "b.gpkg")
    s.ensure(DATA)
    s.commit(result.changeset, st.Meta("test"))
    new = s.dataset().sources.set_index("source_id").loc[result.changeset["sources"].rows["source_id"].iloc[0]]
    assert new["grade"] == "A" and new["link"] == "" and new["unreviewed"] == "tjj.example-county.cn"
    hosts = outlets.unreviewed_hosts(s.dataset().sources)
    assert hosts["host"].tolist() == ["tjj.example-county.cn"]
    bad = im.SourceSpec("", "某县统计公报", "某县统计局", "2018", "", "E")
    problems = im.prepare_import(data, "a.csv", ds, counties, im.ImportOptions(source=bad)).problems
    assert [p.reason for p in problems] == [f"'E' is not a grade: {im.catalogue.GRADE_HELP}"]


def test_an_older_store_gets_the_grade_column(tmp_path):
    s = st.GeoPackageStore(tmp_path / "baoding.gpkg")
    s.ensure(DATA)
    with sqlite3.connect(s.path) as con:  # a store made before grades: no column, seeded from older files
        con.execute('ALTER TABLE "sources" DROP COLUMN "grade"')
        for tbl in ("seed_rows", "history"):
            for fid, row in con.execute(f"SELECT fid, row FROM {tbl} WHERE tbl = 'sources'").fetchall():
                old = {k: v for k, v in json.loads(row).items() if k != "grade"}
                con.execute(f"UPDATE {tbl} SET row = ? WHERE fid = ?", (json.dumps(old, ensure_ascii=False), fid))
        con.execute("UPDATE store_meta SET value = 'older' WHERE name = 'seed_sha256'")
    again = st.GeoPackageStore(s.path)
    again.ensure(DATA)
    assert again.dataset().sources["grade"].isin(GRADES).all()
    assert {"outlets", "value_sources"} <= set(again.content())


def test_the_template_lists_each_source_with_its_grade(bundled):
    ds, counties = bundled
    sheets = {name: table for name, table, *_ in im.template_sheets(ds, counties)}
    assert "grade" in sheets["来源 sources"].columns
    assert set(sheets["来源 sources"]["grade"]) <= set(GRADES)
