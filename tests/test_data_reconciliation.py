"""Reconcile data/ with the 2016 report: schema, county coverage and a number-by-number account.

Only pandas and the standard library. The report-text tests skip when the shared seed is absent.
"""

from __future__ import annotations

import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
REPORT = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_9cfd1b232a0c766d.txt"
REPORT_ID = "report2016"
CITY = "130600"
STATUSES = {"reported", "target", "forecast"}

UNITS = {
    "130602": "竞秀区", "130606": "莲池区", "130607": "满城区", "130608": "清苑区", "130609": "徐水区",
    "130623": "涞水县", "130624": "阜平县", "130626": "定兴县", "130627": "唐县", "130628": "高阳县",
    "130629": "容城县", "130630": "涞源县", "130631": "望都县", "130632": "安新县", "130633": "易县",
    "130634": "曲阳县", "130635": "蠡县", "130636": "顺平县", "130637": "博野县", "130638": "雄县",
    "130681": "涿州市", "130682": "定州市", "130683": "安国市", "130684": "高碑店市",
}  # fmt: skip
BY_NAME = {name: code for code, name in UNITS.items()}

COLUMNS = {
    "programmes.csv": ["programme_id", "name_zh", "name_en", "group_id", "group_zh", "group_en", "order"],
    "indicators.csv": [
        "indicator_id", "name_zh", "name_en", "unit", "unit_en", "programme",
        "level", "kind", "additive", "description_zh", "description_en",
    ],
    "categories.csv": ["indicator_id", "code", "label_zh", "label_en", "order"],
    "values.csv": ["indicator_id", "adcode", "year", "value", "status", "source_id", "locator", "note"],
    "sources.csv": ["source_id", "title", "publisher", "date", "url", "grade", "note"],
}  # fmt: skip

# Only the characters of the county names in the report's first paragraph.
TRAD_TO_SIMP = str.maketrans({"淶": "涞", "縣": "县", "順": "顺", "陽": "阳"})

# A number, an optional "more than" mark, an optional 万/亿 multiplier (Traditional or Simplified).
NUMBER = re.compile(r"(\d+(?:\.\d+)?)(?:多|余|餘)?(萬|万|億|亿)?")
MULTIPLIER = {None: 1, "萬": 10**4, "万": 10**4, "億": 10**8, "亿": 10**8}

# Tokens whose separators were lost in the script conversion: (paragraph, token) -> stored values.
READING_OF_TOKEN = {
    ("一、一是 第3条", "99"): [9],  # 1(全市方案)+9(9个贫困县方案)+23(23个部门方案)
    ("一、一是 第3条", "2323"): [23],
    ("一、二是 第1条", "445000"): [44],  # 44个5000亩以上园区
    ("一、二是 第1条", "810"): [8, 10],  # 每个大棚带动8—10人
}

# Stored report values that are a reading of words rather than a digit token of the paragraph.
READING_OF_WORDS = {
    ("一、三是 第1条", Decimal(100)): "计划2017年“全部改造” = 100%",
}

# Digit tokens of the report that are deliberately not stored as figures, with how many times each
# occurs in its paragraph. The test wants this list exact: a figure dropped from values.csv shows up
# here as unexplained, and an entry that is no longer needed fails too.
NON_FIGURES = {
    # Publication date in the page header (2016-12-25), kept in sources.csv.
    ("页眉", "2016"): 1, ("页眉", "12"): 1, ("页眉", "25"): 1,
    # Dates that lost their separators: 20156月 = 2015年6月; 11日 = 1月1日; 31日 = 3月1日.
    # They date a policy, not a quantity; the policy dates are in the notes of the rows concerned.
    ("一、一是 导语", "20156"): 1, ("一、三是 第4条", "11"): 1, ("一、三是 第4条", "31"): 1,
    # Thresholds and names, not quantities: the "3年" in 三年教育提升计划, pupils from "4年级",
    # the age limit "60岁以上" of the Fuping medical pilot.
    ("一、三是 第3条", "3"): 1, ("一、三是 第3条", "4"): 1, ("一、三是 第4条", "60"): 1,
    # "9个贫困县"/"9县" naming the scope of a figure; the count itself is stored from 开篇第1段.
    ("一、二是 导语", "9"): 1, ("一、三是 第2条", "9"): 1, ("一、四是 第2条", "9"): 2,
    # "涞水、涞源、易县3县": the scope of the 282 villages (indicator tourism_jingxi_poor_villages).
    ("一、二是 第3条", "3"): 1,
    # Base year of a comparison ("较2015年全年增长177%"); the growth is stored for 2016.
    ("一、四是 第4条", "2015"): 1,
    # Anecdotes about named people, left out as personal stories rather than programme figures:
    # 徐振申 (opening month 9月, guaranteed wage 2万元);
    ("一、二是 第3条", "9"): 1, ("一、二是 第3条", "2"): 1,
    # 赵静苗 (age 42, 4里 from home, 80 pieces, 60多块 a day; skilled women earn 4000-5000元 a month);
    ("一、二是 第4条", "42"): 1, ("一、二是 第4条", "4"): 1, ("一、二是 第4条", "80"): 1,
    ("一、二是 第4条", "60"): 1, ("一、二是 第4条", "4000"): 1, ("一、二是 第4条", "5000"): 1,
    # 贾金凤's company (2015 online sales 4000万元, 27 villages, 500多 women).
    ("一、二是 第6条", "2015"): 1, ("一、二是 第6条", "4000"): 1, ("一、二是 第6条", "27"): 1,
    ("一、二是 第6条", "500"): 1,
}  # fmt: skip

# Additive indicators whose county values may exceed the city total, with the reason. None so far.
SUM_EXCEPTIONS: dict[tuple[str, int, str], str] = {}


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype=str, keep_default_na=False, encoding="utf-8")


@pytest.fixture(scope="module")
def t() -> dict[str, pd.DataFrame]:
    return {name: _read(name) for name in COLUMNS}


@pytest.fixture(scope="module")
def kinds(t) -> dict[str, str]:
    ind = t["indicators.csv"]
    return dict(zip(ind["indicator_id"], ind["kind"], strict=True))


@pytest.fixture(scope="module")
def paragraphs() -> dict[str, str]:
    if not REPORT.exists():
        pytest.skip(f"report text not found at {REPORT}")
    return report_paragraphs(REPORT.read_text(encoding="utf-8"))


def report_paragraphs(text: str) -> dict[str, str]:
    """The report's paragraphs keyed like the locators of values.csv, without their (caption)."""
    paras: dict[str, list[str]] = {}
    section = sub = None
    n_open = 0
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := re.match(r"([一二三四])、", line):
            section, sub, key = m.group(1), None, f"{m.group(1)}、标题"
        elif section is None:
            # Before the first section: short page-header lines, then the opening paragraph.
            if len(line) > 60:
                n_open += 1
                key = f"开篇第{n_open}段"
            else:
                key = "页眉"
        elif m := re.match(r"([一二三四五六])是", line):
            sub = m.group(0)
            # In section 一 the "一是…" lines are headings over numbered items; elsewhere they hold the text.
            key = f"{section}、{sub} 标题" if section == "一" else f"{section}、{sub}"
        elif m := re.match(r"(\d+)、", line):
            key = f"{section}、{sub} 第{m.group(1)}条"
            line = line[m.end() :]  # the item number is not a figure
        else:
            key = f"{section}、{sub} 导语" if sub else f"{section}、导语"
        paras.setdefault(key, []).append(line)
    return {k: "\n".join(v) for k, v in paras.items()}


def locator_key(locator: str) -> str:
    return re.sub(r"\(.*\)$", "", locator).strip()


def tokens(key: str, text: str) -> list[tuple[str, list[Decimal]]]:
    """Each digit token of a paragraph with the stored value(s) it stands for, in base units."""
    out = []
    for m in NUMBER.finditer(text):
        raw, mult = m.group(1), MULTIPLIER[m.group(2)]
        readings = READING_OF_TOKEN.get((key, raw))
        values = [Decimal(r) for r in readings] if readings else [Decimal(raw) * mult]
        out.append((raw, values))
    return out


def numeric_rows(t, kinds) -> pd.DataFrame:
    v = t["values.csv"]
    return v[v["indicator_id"].map(kinds) == "numeric"]


# ---------------------------------------------------------------- schema


def test_exact_columns(t):
    for name, cols in COLUMNS.items():
        assert list(t[name].columns) == cols, name


def test_unique_keys(t):
    assert not t["programmes.csv"]["programme_id"].duplicated().any()
    assert not t["indicators.csv"]["indicator_id"].duplicated().any()
    assert not t["sources.csv"]["source_id"].duplicated().any()
    assert not t["categories.csv"].duplicated(["indicator_id", "code"]).any()
    dup = t["values.csv"][t["values.csv"].duplicated(["indicator_id", "adcode", "year", "status"], keep=False)]
    assert dup.empty, dup


def test_programmes(t):
    p = t["programmes.csv"]
    assert set(p["group_id"]) == {"targeting", "industry", "support", "synergy"}
    assert p["order"].str.fullmatch(r"\d+").all()
    industry = set(p.loc[p["group_id"] == "industry", "programme_id"])
    assert industry == {"agri_forestry", "pv", "tourism", "handicraft", "ecommerce", "labour"}


def test_indicator_catalogue(t):
    ind = t["indicators.csv"]
    assert ind["indicator_id"].str.fullmatch(r"[a-z][a-z0-9_]*").all()
    assert ind["programme"].isin(t["programmes.csv"]["programme_id"]).all()
    assert ind["kind"].isin(["numeric", "category"]).all()
    assert ind["additive"].isin(["true", "false"]).all()
    for col in ["name_zh", "name_en", "description_zh", "description_en"]:
        assert (ind[col].str.len() > 0).all(), col
    assert ind["name_zh"].str.contains(r"[\u4e00-\u9fff]").all()
    cat = ind[ind["kind"] == "category"]
    assert (cat["unit"] == "").all() and (cat["additive"] == "false").all()
    num = ind[ind["kind"] == "numeric"]
    assert (num["unit"] != "").all() and (num["unit_en"] != "").all()
    # Rates, per-person amounts and years never add up over counties.
    not_additive_units = {"%", "年", "元/人", "元/亩", "元/天", "元/人·年"}
    assert (num.loc[num["unit"].isin(not_additive_units), "additive"] == "false").all()


def test_values_reference_known_things(t, kinds):
    v = t["values.csv"]
    assert v["indicator_id"].isin(t["indicators.csv"]["indicator_id"]).all()
    assert v["source_id"].isin(t["sources.csv"]["source_id"]).all()
    assert v["adcode"].isin(set(UNITS) | {CITY}).all(), set(v["adcode"]) - set(UNITS) - {CITY}
    assert v["status"].isin(STATUSES).all()
    assert v["year"].str.fullmatch(r"\d{4}").all()
    assert v["year"].astype(int).between(2010, 2021).all()
    assert (v["locator"] != "").all()


def test_numeric_values_are_plain_base_unit_numbers(t, kinds):
    num = numeric_rows(t, kinds)
    bad = num[~num["value"].str.fullmatch(r"\d+(\.\d+)?")]  # no separators, no 万/亿, no % sign
    assert bad.empty, bad
    units = dict(zip(t["indicators.csv"]["indicator_id"], t["indicators.csv"]["unit"], strict=True))
    shares = num[(num["indicator_id"].map(units) == "%") & ~num["indicator_id"].str.endswith("_growth")]
    assert shares["value"].astype(float).between(0, 100).all()


def test_category_codes_exist(t, kinds):
    v = t["values.csv"]
    codes = set(zip(t["categories.csv"]["indicator_id"], t["categories.csv"]["code"], strict=True))
    cat = v[v["indicator_id"].map(kinds) == "category"]
    missing = [(i, c) for i, c in zip(cat["indicator_id"], cat["value"], strict=True) if (i, c) not in codes]
    assert not missing
    assert set(t["categories.csv"]["indicator_id"]) <= {i for i, k in kinds.items() if k == "category"}


def test_every_source_used_and_every_indicator_has_values(t):
    v = t["values.csv"]
    # Sites (points of the report's named places) may cite a source no value uses, e.g. for a location.
    sites = pd.read_csv(DATA / "sites.csv", dtype=str, keep_default_na=False)
    used_by_sites = set(sites["source_id"]) | set(sites["location_source_id"]) - {""}
    # Further sources of a value (agreeing or disputing it) are used too.
    further = pd.read_csv(DATA / "value_sources.csv", dtype=str, keep_default_na=False)
    assert set(t["sources.csv"]["source_id"]) == set(v["source_id"]) | used_by_sites | set(further["source_id"])
    assert set(t["indicators.csv"]["indicator_id"]) == set(v["indicator_id"])
    # A source without a URL says in its note why there is none (a mirror removed, a domain not confirmed...).
    web = t["sources.csv"][t["sources.csv"]["source_id"] != REPORT_ID]
    assert (web["url"].str.startswith("http") | (web["note"].str.len() > 0)).all()


def test_level_matches_county_rows(t):
    v = t["values.csv"]
    with_county = set(v.loc[v["adcode"] != CITY, "indicator_id"])
    for i, level in zip(t["indicators.csv"]["indicator_id"], t["indicators.csv"]["level"], strict=True):
        assert level == ("county" if i in with_county else "city"), i


# ---------------------------------------------------------------- county categories


def _county_codes(t, indicator_id: str) -> dict[str, str]:
    v = t["values.csv"]
    rows = v[v["indicator_id"] == indicator_id]
    assert not rows["adcode"].duplicated().any(), indicator_id
    return dict(zip(rows["adcode"], rows["value"], strict=True))


def test_designated_counties_are_those_the_report_names(t, paragraphs):
    opening = paragraphs["开篇第1段"]
    m = re.search(r"其中(.+?)(\d+)個燕太片區", opening)
    assert m, "first paragraph no longer lists the 燕太 counties"
    short = [n.translate(TRAD_TO_SIMP) for n in m.group(1).split("、")]
    assert len(short) == int(m.group(2)) == 8
    yt = {BY_NAME.get(n) or BY_NAME[n + "县"] for n in short}
    m = re.search(r"(\d+)個省級貧困縣(\w+?縣)", opening)
    assert m and int(m.group(1)) == 1
    provincial = {BY_NAME[m.group(2).translate(TRAD_TO_SIMP)]}

    types = _county_codes(t, "poor_county_type")
    assert set(types) == set(UNITS)  # all 24 units
    assert {a for a, c in types.items() if c in ("national_key_yt", "yt_area")} == yt
    assert {a for a, c in types.items() if c == "provincial_key"} == provincial
    assert Counter(types.values()) == {"national_key_yt": 4, "yt_area": 4, "provincial_key": 1, "not_poor": 15}


def test_exit_years_cover_all_units_and_agree_with_type(t):
    types = _county_codes(t, "poor_county_type")
    exits = _county_codes(t, "exit_year")
    assert set(exits) == set(UNITS)
    assert {a for a, c in exits.items() if c == "not_poor"} == {a for a, c in types.items() if c == "not_poor"}
    assert all(2017 <= int(c) <= 2020 for c in exits.values() if c != "not_poor")
    assert exits[BY_NAME["望都县"]] == "2017" and exits[BY_NAME["阜平县"]] == "2020"
    assert len(set(t["values.csv"].loc[t["values.csv"]["indicator_id"] == "exit_year", "year"])) == 1


def test_exit_forecast_is_the_two_counties_the_report_names(t, paragraphs):
    assert "望都、博野2個縣脫貧摘帽" in paragraphs["开篇第1段"]
    forecast = _county_codes(t, "exit_year_forecast")
    assert forecast == {BY_NAME["望都县"]: "2016", BY_NAME["博野县"]: "2016"}
    v = t["values.csv"]
    assert (v.loc[v["indicator_id"] == "exit_year_forecast", "status"] == "forecast").all()


# ---------------------------------------------------------------- number accounting


def test_every_report_number_is_stored_or_excused(t, kinds, paragraphs):
    rep = numeric_rows(t, kinds)
    rep = rep[rep["source_id"] == REPORT_ID]
    stored: dict[str, set[Decimal]] = {}
    years: dict[str, set[int]] = {}
    for loc, value, year in zip(rep["locator"], rep["value"], rep["year"], strict=True):
        stored.setdefault(locator_key(loc), set()).add(Decimal(value))
        years.setdefault(locator_key(loc), set()).add(int(year))
    unexplained: Counter = Counter()
    for key, text in paragraphs.items():
        for raw, values in tokens(key, text):
            if any(x in stored.get(key, ()) for x in values):
                continue
            if len(raw) == 4 and int(raw) in years.get(key, ()):  # a year the stored rows refer to
                continue
            unexplained[(key, raw)] += 1
    assert unexplained == Counter(NON_FIGURES), (
        f"not stored and not excused: {dict(unexplained - Counter(NON_FIGURES))}; "
        f"excused but not found: {dict(Counter(NON_FIGURES) - unexplained)}"
    )


def test_every_report_row_points_at_its_figure(t, kinds, paragraphs):
    v = t["values.csv"]
    rep = v[v["source_id"] == REPORT_ID]
    for row in rep.itertuples():
        key = locator_key(row.locator)
        assert key in paragraphs, f"{row.indicator_id}: locator {row.locator!r} is not a report paragraph"
        if kinds[row.indicator_id] != "numeric":
            continue
        candidates = {x for _, values in tokens(key, paragraphs[key]) for x in values}
        value = Decimal(row.value)
        assert value in candidates or (key, value) in READING_OF_WORDS, (row.indicator_id, row.value, key)


# ---------------------------------------------------------------- key figures and consistency


def _value(t, indicator_id, year, adcode=CITY, status="reported") -> Decimal:
    v = t["values.csv"]
    rows = v[
        (v["indicator_id"] == indicator_id)
        & (v["adcode"] == adcode)
        & (v["year"] == str(year))
        & (v["status"] == status)
    ]
    assert len(rows) == 1, (indicator_id, year, adcode, status)
    return Decimal(rows["value"].iloc[0])


@pytest.mark.parametrize(
    ("indicator_id", "year", "status", "expected"),
    [
        ("registered_poor_population", 2014, "reported", 911200),
        ("registered_poor_villages", 2014, "reported", 1082),
        ("poor_townships", 2014, "reported", 118),
        ("poor_population_remaining", 2015, "reported", 453500),
        ("poverty_exits_persons", 2016, "forecast", 180000),
        ("pv_grid_connected_mw", 2016, "reported", 445),
        ("relocation_persons", 2016, "reported", 76000),
        ("relocation_villages", 2016, "reported", 209),
        ("relocation_sites", 2016, "reported", 40),
        ("ecommerce_county_platforms", 2016, "reported", 9),
        ("ecommerce_village_stations", 2016, "target", 1082),
        ("handicraft_villages", 2016, "reported", 481),
        ("handicraft_sites", 2016, "reported", 1117),
        ("handicraft_workers", 2016, "reported", 32000),
        ("yulu_subsidy_total", 2016, "reported", 22287000),
        ("agri_loans", 2016, "reported", 25196000000),
        ("modern_agri_parks_5000mu", 2016, "reported", 44),
    ],
)
def test_key_figures(t, indicator_id, year, status, expected):
    assert _value(t, indicator_id, year, status=status) == expected


def test_figures_that_the_report_states_twice_agree(t):
    assert _value(t, "poor_counties", 2016) == _value(t, "poor_counties_yt", 2016) + _value(
        t, "poor_counties_provincial", 2016
    )
    assert _value(t, "plans_county", 2016) == _value(t, "poor_counties", 2016)
    assert _value(t, "ecommerce_county_platforms", 2016) == _value(t, "poor_counties", 2016)
    assert _value(t, "ecommerce_village_stations", 2016, status="target") == _value(t, "registered_poor_villages", 2014)
    assert _value(t, "ecommerce_township_stations", 2016, status="target") == _value(t, "poor_townships", 2014)
    assert _value(t, "yulu_subsidy_total", 2016) == _value(t, "yulu_students", 2016) * _value(
        t, "yulu_subsidy_per_student", 2016
    )


def test_county_values_never_exceed_the_city_total(t, kinds):
    ind = t["indicators.csv"]
    additive = set(ind.loc[(ind["additive"] == "true") & (ind["kind"] == "numeric"), "indicator_id"])
    v = t["values.csv"][t["values.csv"]["indicator_id"].isin(additive)]
    checked = 0
    for (i, year, status), g in v.groupby(["indicator_id", "year", "status"]):
        city = g[g["adcode"] == CITY]
        counties = g[g["adcode"] != CITY]
        if city.empty or counties.empty:
            continue
        checked += 1
        total, county_sum = Decimal(city["value"].iloc[0]), sum(Decimal(x) for x in counties["value"])
        if (i, int(year), status) in SUM_EXCEPTIONS:
            continue
        assert county_sum <= total, (i, year, status, county_sum, total)
    assert checked >= 1  # at least registered_poor_population 2014 (阜平) is compared


def test_remaining_stock_is_never_filed_as_baseline(t):
    v = t["values.csv"]
    laiyuan = v[(v["adcode"] == BY_NAME["涞源县"])]
    assert "registered_poor_villages" not in set(laiyuan["indicator_id"])
    assert "registered_poor_population" not in set(laiyuan["indicator_id"])
    assert _value(t, "poor_villages_remaining", 2017, BY_NAME["涞源县"]) == 97
