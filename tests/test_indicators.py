"""Reading, validating and joining the indicator tables (tiny fixture data)."""

import pytest

from geo.model import indicators as ind
from tests.conftest import TINY_TABLES, write_tables


def test_load_dataset_parses_numbers_and_years(tiny_dataset):
    v = tiny_dataset.values
    assert v["year"].dtype.kind == "i"
    assert v.loc[v["indicator_id"] == "pv_mw", "number"].tolist() == [445.0, 500.0]
    assert v.loc[v["indicator_id"] == "county_type", "number"].isna().all()


def test_unknown_indicator_lists_valid_ones(tiny_dataset):
    with pytest.raises(KeyError, match="valid: county_type, poor_villages, pv_mw"):
        ind.get_indicator(tiny_dataset, "nope")


def test_indicator_order_puts_county_level_first_within_programme(tiny_dataset):
    assert ind.indicator_ids(tiny_dataset) == ["poor_villages", "county_type", "pv_mw"]


def test_county_values_and_city_value(tiny_dataset):
    cv = ind.county_values(tiny_dataset, "poor_villages", 2014)
    assert sorted(cv["adcode"]) == ["000001", "000002"]
    assert ind.city_value(tiny_dataset, "poor_villages", 2014)["number"] == 100
    assert ind.city_value(tiny_dataset, "poor_villages", 1999) is None


def test_reported_wins_over_target_in_same_year(tmp_path):
    tables = {k: [list(r) for r in v] for k, v in TINY_TABLES.items()}
    tables["values.csv"].append(["pv_mw", "130600", "2016", "600", "target", "rep", "", ""])
    ds = ind.load_dataset(write_tables(tmp_path / "d", tables))
    assert ind.city_value(ds, "pv_mw", 2016)["number"] == 445


def test_coverage_share(tiny_dataset):
    cov = ind.coverage(tiny_dataset, "poor_villages", 2014, n_units=3)
    assert (cov.n_counties, cov.county_sum, cov.city_total) == (2, 40.0, 100.0)
    assert cov.share == pytest.approx(0.4)


def test_coverage_of_category_has_no_share(tiny_dataset):
    cov = ind.coverage(tiny_dataset, "county_type", 2016, n_units=3)
    assert cov.n_counties == 3 and cov.share is None


def test_years_and_default_year(tiny_dataset):
    assert ind.years(tiny_dataset, "pv_mw") == [2016, 2018]
    assert ind.years(tiny_dataset, "pv_mw", "county") == []
    assert ind.default_year(tiny_dataset, "pv_mw") == 2018
    assert ind.default_year(tiny_dataset, "poor_villages") == 2014


def _broken(tmp_path, name, row_index, column, value):
    tables = {k: [list(r) for r in v] for k, v in TINY_TABLES.items()}
    header = tables[name][0]
    tables[name][row_index][header.index(column)] = value
    return write_tables(tmp_path / "broken", tables)


@pytest.mark.parametrize(
    ("name", "row", "column", "value", "message"),
    [
        ("values.csv", 1, "value", "many", "values.csv: line 2: value is not a number"),
        ("values.csv", 2, "source_id", "ghost", "values.csv: line 3: unknown source_id"),
        ("values.csv", 3, "status", "guess", "status must be one of"),
        ("values.csv", 1, "adcode", "13", "adcode must be 6 digits"),
        ("values.csv", 6, "value", "rich", "category code not listed"),
        ("values.csv", 1, "year", "20156", "4-digit year"),
        ("indicators.csv", 1, "programme", "space", "indicators.csv: line 2: unknown programme"),
        ("indicators.csv", 1, "kind", "text", "kind must be one of"),
    ],
)
def test_broken_tables_name_file_and_line(tmp_path, name, row, column, value, message):
    with pytest.raises(ind.DataError, match=message):
        ind.load_dataset(_broken(tmp_path, name, row, column, value))


def test_adcode_outside_the_units_is_rejected(tiny_data_dir):
    with pytest.raises(ind.DataError, match="not a Baoding unit"):
        ind.load_dataset(tiny_data_dir, {"000001"})


def test_missing_file_and_missing_column(tmp_path, tiny_data_dir):
    (tiny_data_dir / "sources.csv").unlink()
    with pytest.raises(ind.DataError, match="sources.csv: file not found"):
        ind.load_dataset(tiny_data_dir)
    write_tables(tiny_data_dir)
    (tiny_data_dir / "values.csv").write_text("indicator_id,adcode\nx,1\n", encoding="utf-8")
    with pytest.raises(ind.DataError, match="missing column"):
        ind.load_dataset(tiny_data_dir)


def test_not_utf8_is_a_clear_error(tiny_data_dir):
    (tiny_data_dir / "sources.csv").write_bytes("source_id,title\nrep,报告\n".encode("gbk"))
    with pytest.raises(ind.DataError, match="not UTF-8"):
        ind.load_dataset(tiny_data_dir)


def test_duplicate_value_rows_rejected(tmp_path):
    tables = {k: [list(r) for r in v] for k, v in TINY_TABLES.items()}
    tables["values.csv"].append(list(tables["values.csv"][1]))
    with pytest.raises(ind.DataError, match="duplicate rows"):
        ind.load_dataset(write_tables(tmp_path / "d", tables))


def test_values_table_labels_categories(tiny_dataset):
    table = ind.values_table(tiny_dataset, {"000001": "甲县"}, {"000001": "Jia"}, "zh")
    row = table[(table["indicator_id"] == "county_type") & (table["adcode"] == "000001")].iloc[0]
    assert row["value"] == "贫困县" and row["place"] == "甲县"
    assert set(table.loc[table["adcode"] == "130600", "place"]) == {"保定市（全市）"}


def test_counties_known_for_different_years_show_each_latest(tmp_path):
    tables = {k: [list(r) for r in v] for k, v in TINY_TABLES.items()}
    tables["values.csv"] += [
        ["poor_villages", "000001", "2016", "20", "reported", "rep", "", ""],
        ["poor_villages", "000001", "2016", "25", "target", "rep", "", ""],
    ]
    ds = ind.load_dataset(write_tables(tmp_path / "d", tables))
    assert ind.default_year(ds, "poor_villages") is None  # 000002 is known only for 2014
    latest = ind.county_values(ds, "poor_villages", None).set_index("adcode")
    assert latest.loc["000001", "number"] == 20 and latest.loc["000001", "year"] == 2016  # reported beats target
    assert latest.loc["000002", "year"] == 2014
    assert ind.coverage(ds, "poor_villages", None, 3).share is None  # different years do not add up
