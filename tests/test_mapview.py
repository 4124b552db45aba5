"""The map as data (geo.views.mapview): fills, classes and no-data per county, overlays, and the
rule that views and exports import no folium; data text drawn literally by matplotlib."""

from __future__ import annotations

import ast
import dataclasses
import io
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from matplotlib.backends.backend_pdf import PdfPages
from PIL import Image

from geo.model import classify as cl
from geo.model.palette import POOR_OUTLINE, YT_OUTLINE
from geo.render import tables
from geo.views import overview as views
from geo.views import programmes as pg
from geo.views.mapview import MapView

ROOT = Path(__file__).resolve().parents[1]


def test_numeric_view_fills_classes_and_no_data(tiny_dataset, tiny_counties):
    view = views.overview(tiny_dataset, tiny_counties, "poor_villages", 2014, "quantiles", "zh")
    mapv = view.map
    assert mapv.mode == "county" and set(mapv.counties) == {"000001", "000002", "000003"}
    classes = cl.classify([30.0, 10.0], "quantiles")
    assert mapv.fills == {"000001": classes.color_of(30), "000002": classes.color_of(10), "000003": None}
    assert mapv.no_data == ("000003",)
    assert {a: c.label for a, c in mapv.counties.items()} == {"000001": "30", "000002": "10", "000003": "无数据"}
    assert mapv.counties["000002"].rows[0] == ("", "乙县")  # the name first, then the figure
    assert ("贫困村", "10个") in mapv.counties["000002"].rows
    assert mapv.legend == view.legend and [e.count for e in mapv.legend.entries] == [1, 1, 1]
    assert view.source_ids == ("rep", "web")  # counties' sources, then the city total's
    assert pickle.loads(pickle.dumps(mapv)) == mapv  # plain data: cacheable, sendable to a worker


def test_city_only_view_is_one_unit(tiny_dataset, tiny_counties):
    mapv = views.overview(tiny_dataset, tiny_counties, "pv_mw", None, "quantiles", "en").map
    assert mapv.mode == "city" and mapv.fills == {} and mapv.no_data == ()
    assert mapv.city is not None and mapv.city.fill == cl.CITY_FILL
    assert ("PV on grid", "500 MW") in mapv.city.rows
    assert [c.rows for c in mapv.counties.values()] == [
        (("", "Jia County"),),
        (("", "Yi County"),),
        (("", "Bad County"),),
    ]


def test_targets_are_planned_and_categories_take_their_colours(tiny_dataset, tiny_counties):
    mapv = views.overview(tiny_dataset, tiny_counties, "county_type", 2016, "quantiles", "zh").map
    colours = cl.category_colors(["poor", "not_poor"])
    assert mapv.fills == {"000001": colours["poor"], "000002": colours["not_poor"], "000003": colours["not_poor"]}
    assert mapv.planned == frozenset() and mapv.no_data == ()


def test_overlays_are_data(bundled):
    ds, counties = bundled
    view = views.overview(ds, counties, "registered_poor_population", 2014, "quantiles", "zh")
    overlays = views.Overlays(labels=True, values=True, poor=True, yt=True)
    mapv = views.with_overlays(ds, counties, view, overlays, lang="zh", selection=["130624"])
    assert [(o.name, o.color, len(o.adcodes)) for o in mapv.outlines] == [
        ("yt_counties", YT_OUTLINE, 8),
        ("poor_counties", POOR_OUTLINE, 9),
    ]
    assert len(mapv.labels) == 24 and mapv.selection == ("130624",)
    fuping = next(lb for lb in mapv.labels if lb.adcode == "130624")
    assert fuping.text.startswith("阜平\n")  # with its value on the second line
    assert mapv.fills == view.map.fills  # overlays leave the colours alone


def test_the_overlays_are_their_own_registry():
    """One field per option: the page's toggles and the link's keys are read from it, in its order."""
    assert list(views.MAP_FLAGS) == [f.name for f in dataclasses.fields(views.Overlays)]
    assert {k: views.MAP_FLAGS[k] for k in ("labels", "values", "poor", "yt")} == {
        "labels": ("show_labels", True),
        "values": ("show_values", False),
        "poor": ("outline_poor", False),
        "yt": ("outline_yt", False),
    }  # a new option adds to these, it does not change them
    assert views.Overlays() == views.Overlays(**{k: on for k, (_label, on) in views.MAP_FLAGS.items()})
    with pytest.raises(TypeError):
        views.Overlays(True)  # keyword-only: no row of booleans
    assert hash(views.Overlays(poor=True)) != hash(views.Overlays())  # hashed into the map's spec


GUI = ("folium", "branca", "streamlit", "streamlit_folium", "jinja2")


def test_views_import_no_drawing_library():
    """geo/views names no drawing or Streamlit module, directly."""
    for path in (ROOT / "geo" / "views").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top not in (*GUI, "matplotlib"), (path.name, name)
                assert not name.startswith("geo.render"), (path.name, name)


def test_views_and_exports_load_no_folium():
    """Importing every view and the matplotlib export loads neither folium nor a Leaflet builder."""
    code = (
        "import sys\n"
        "import geo.views.overview, geo.views.briefing, geo.views.programmes, geo.views.county\n"
        "import geo.render.export.deck, geo.render.export.figure, geo.render.export.fonts\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {GUI!r} or m.startswith('geo.render.leaflet'))\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


@pytest.fixture(scope="module")
def dollar_world(bundled):
    """The bundled data with "$" in a county name (not even valid maths), a category label and a source."""
    ds, counties = bundled
    counties = counties.copy()
    counties.loc[counties["adcode"] == "130624", "name_zh"] = "阜平$x_$县"
    categories = ds.categories.copy()
    categories.loc[categories["code"] == "not_poor", "label_zh"] = "US$5 to US$10"
    sources = ds.sources.copy()
    sources["publisher"] = "US$5 to US$10 出版社"
    return dataclasses.replace(ds, categories=categories, sources=sources), counties


def test_dollar_signs_are_drawn_as_text_in_png_and_pdf(dollar_world, tmp_path):
    from geo.render.export import figure, fonts

    ds, counties = dollar_world
    view = views.overview(ds, counties, "poor_county_type", 2016, "quantiles", "zh")
    assert any(e.label == "US$5 to US$10" for e in view.legend.entries)
    png = figure.overview_png(view, ds, counties, "zh")
    assert Image.open(io.BytesIO(png)).size == figure.MAP_PX
    fonts.configure()
    fig = figure.map_figure(view.map, counties, "$x$ 标题", figure.sources_line(ds, view.source_ids, "zh"), "zh")
    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        pdf.savefig(fig)
    if shutil.which("pdftotext"):
        path = tmp_path / "map.pdf"
        path.write_bytes(buf.getvalue())
        text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
        assert "$x$ 标题" in text and "US$5 to US$10" in text  # county names are outlined (halo): not text


def test_dollar_signs_in_a_slide_deck(dollar_world):
    from geo.model import slides
    from geo.render.export import deck as export

    ds, counties = dollar_world
    deck = slides.load_deck(ROOT / "data" / "slides.toml", ds, set(counties["adcode"]))
    deck = dataclasses.replace(deck, slides=deck.slides[:1])
    no_sites = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")
    assert export.deck_pdf(deck, ds, counties, no_sites, "zh").startswith(b"%PDF")


def test_download_holds_the_view_with_numbers_as_numbers(tiny_dataset, tiny_counties):
    view = views.overview(tiny_dataset, tiny_counties, "poor_villages", 2014, "quantiles", "en")
    table = views.download_table(view, tiny_dataset, "en")
    assert list(table.columns) == [
        "County",
        "adcode",
        "Value (villages)",
        "Year",
        "Status",
        "Source",
        "Source grade",
        "Caution",
    ]
    assert table["Source grade"].tolist() == ["B", "C", "B"] and (table["Caution"] == "").all()
    assert table["Value (villages)"].tolist() == [30.0, 10.0, 100.0]  # the two counties, then the city total
    assert table["adcode"].tolist() == ["000001", "000002", "130600"]
    assert table["Source"].str.len().gt(0).all()


def test_download_of_a_city_only_indicator_holds_the_city_figure(tiny_dataset, tiny_counties):
    view = views.overview(tiny_dataset, tiny_counties, "pv_mw", None, "quantiles", "zh")
    table = views.download_table(view, tiny_dataset, "zh")
    assert table.to_dict("records") == [
        {
            "县（市、区）": "全市",
            "adcode": "130600",
            "数值（兆瓦）": 500.0,
            "年份": 2018,
            "性质": "目标",
            "来源": "老促会《报告》 · 一、二是 · 来源等级 B",
            "来源等级": "B",
            "提示": "",
        }
    ]
    categories = views.download_table(
        views.overview(tiny_dataset, tiny_counties, "county_type", 2016, "quantiles", "zh"), tiny_dataset, "zh"
    )
    assert categories["数值"].tolist() == ["贫困县", "非贫困县", "非贫困县"]


NO_SITES = gpd.GeoDataFrame(
    {"programme": [], "precision": [], "adcode": [], "name_zh": [], "name_en": []}, geometry=[], crs="EPSG:4326"
)


def test_programmes_download_holds_city_figures_map_values_and_the_table(tiny_dataset, tiny_counties):
    view = pg.programmes_view(
        tiny_dataset, tiny_counties, NO_SITES, [], ["000002", "000001"], "poor_villages", None, "en"
    )
    table = pg.download_table(view, tiny_dataset, tiny_counties, "en")
    assert list(table.columns) == [
        "Shown as",
        "Programme",
        "Indicator",
        "indicator_id",
        "County",
        "adcode",
        "Year",
        "Value",
        "Unit",
        "Category",
        "Status",
        "Source",
        "Source grade",
        "Caution",
        "Note",
    ]
    rows = table[["Shown as", "indicator_id", "adcode", "Year", "Value", "Unit", "Category", "Status"]]
    assert rows.astype(object).where(rows.notna(), None).values.tolist() == [
        ["Key figure", "poor_villages", "130600", 2014, 100.0, "villages", "", "reported"],
        ["Key figure", "pv_mw", "130600", 2018, 500.0, "MW", "", "target"],  # a city-only indicator
        ["Map", "poor_villages", "000002", 2014, 10.0, "villages", "", "reported"],  # in the order chosen
        ["Map", "poor_villages", "000001", 2014, 30.0, "villages", "", "reported"],
        ["County values table", "county_type", "000001", 2016, None, "", "Poor county", "reported"],
        ["County values table", "county_type", "000002", 2016, None, "", "Not a poor county", "reported"],
    ]
    assert table["Value"].dtype == float and table["Source"].str.len().gt(0).all()
    assert table.loc[3, "Note"] == ""  # 000001's note is empty; 000002's is kept as written
    assert table.loc[2, "Note"] == "<b>bold</b>"
    only_pv = pg.download_table(
        pg.programmes_view(tiny_dataset, tiny_counties, NO_SITES, ["pv"], [], None, None, "zh"),
        tiny_dataset,
        tiny_counties,
        "zh",
    )
    assert only_pv[["indicator_id", "数值", "单位", "年份", "性质"]].values.tolist() == [
        ["pv_mw", 500.0, "兆瓦", 2018, "目标"]
    ]


def test_the_download_writes_numbers_as_numbers_and_text_as_text(tiny_dataset, tiny_counties):
    view = pg.programmes_view(tiny_dataset, tiny_counties, NO_SITES, [], [], "poor_villages", None, "zh")
    table = pg.download_table(view, tiny_dataset, tiny_counties, "zh")
    ws = openpyxl.load_workbook(io.BytesIO(tables.table_xlsx(table))).active
    header = [c.value for c in ws[1]]
    value, unit, category = (header.index(h) for h in ("数值", "单位", "类别"))
    cells = list(ws.iter_rows(min_row=2))
    assert [(c[value].value, c[value].data_type, c[unit].value) for c in cells[:3]] == [
        (100, "n", "个"),
        (500, "n", "兆瓦"),
        (30, "n", "个"),
    ]
    assert cells[-1][value].value is None and cells[-1][category].value == "非贫困县"  # no number, never 0
    csv_rows = tables.table_csv(table).decode("utf-8-sig").splitlines()
    assert ',100.0,"个",' in csv_rows[1]  # unquoted: a number to any spreadsheet


def test_modes_and_swatches_are_one_vocabulary_each():
    """A map's mode says what its counties are; a legend key's swatch how it is drawn, its colour only a colour."""
    from geo.views.mapview import MAP_MODES

    assert MAP_MODES == ("county", "city", "context")
    with pytest.raises(ValueError, match="unknown map mode 'symbols'"):
        MapView("symbols", "t", {}, None)  # the programmes' way of showing a figure is not a map mode
    assert cl.SWATCHES == ("fill", "hatch", "hatch-poor", "dashed", "xiongan")
    assert cl.LegendEntry("a", "#2c7fb8", 3).swatch == "fill"
    with pytest.raises(ValueError, match="#rrggbb"):
        cl.LegendEntry("no data", "hatch", 3)  # the old way: a key name where a colour belongs
    with pytest.raises(ValueError, match="theme's colours"):
        cl.LegendEntry("planned", "#111111", swatch="dashed")
    with pytest.raises(ValueError, match="unknown legend swatch"):
        cl.LegendEntry("x", swatch="stripes")
