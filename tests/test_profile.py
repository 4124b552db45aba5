"""County profiles on the bundled data: designation, missing data said plainly, ranks, comparison."""

import pytest

from geo.views import county as profile


def test_nine_poor_counties_come_from_the_data(real):
    ds = real.ds
    assert len(profile.poor_counties(ds)) == 9


def test_fuping_profile(real):
    ds, counties = real.ds, real.counties
    p = profile.county_profile(ds, counties, "130624", "zh")
    assert p.name == "阜平县"
    assert p.designation.value.startswith("国家扶贫开发工作重点县")
    assert p.exit_year.value.startswith("2020")
    assert (p.table["来源"].str.len() > 0).all()
    assert "贫困底数与目标" in p.programmes


def test_non_poor_county_says_what_is_missing(real):
    ds, counties = real.ds, real.counties
    p = profile.county_profile(ds, counties, "130602", "en")
    text = profile.missing_text(p, len(ds.indicators), "en")
    assert p.designation.value == "Not a poor county"
    assert "city totals" in text and "not estimated" in text


def test_compare_fills_gaps_with_no_data(real):
    ds, counties = real.ds, real.counties
    a = profile.county_profile(ds, counties, "130624", "zh")
    b = profile.county_profile(ds, counties, "130602", "zh")
    table = profile.compare_table(a, b, "zh")
    assert list(table.columns) == ["指标", "阜平县", "竞秀区"]
    assert (table["竞秀区"] == "无数据").any()
    assert not (table["竞秀区"] == "0").any()


def test_ranks_only_where_two_poor_counties_share_a_year(real):
    ds, counties = real.ds, real.counties
    p = profile.county_profile(ds, counties, "130624", "zh")
    for rank in p.ranks.get("排名", []):
        r, n = (int(x) for x in rank.split(" / "))
        assert 1 <= r <= n and n >= 2


def test_unknown_county_raises(real):
    ds, counties = real.ds, real.counties
    with pytest.raises(KeyError):
        profile.county_profile(ds, counties, "999999", "zh")


def test_richest_county_is_a_real_county(real):
    ds, counties = real.ds, real.counties
    assert profile.richest_county(ds, counties["adcode"].tolist()) in set(counties["adcode"])


def test_yanshan_taihang_counties_are_eight_of_the_nine(real):
    ds = real.ds
    yt = set(profile.yt_counties(ds))
    assert len(yt) == 8 and yt < set(profile.poor_counties(ds))
    assert "130637" not in yt  # 博野, the provincial poor county


def test_sites_of_a_county_with_precision_and_source(real):
    ds, sites = real.ds, real.sites
    table = profile.sites_table(sites, ds, "130624", "zh")
    assert len(table) >= 2  # 天生桥 fungus park, 阜平职教中心
    assert set(table["位置精度"]) == {"位置精确到县"}
    assert (table["来源"].str.len() > 0).all()
    assert profile.sites_table(sites, ds, "130602", "zh").empty
