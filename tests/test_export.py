"""Server-side exports: PNG sizes, the deck as one PDF with Chinese text, hatched no-data counties,
tables as CSV/XLSX, the missing-font message, and the export-deck command."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from geo.__main__ import main
from geo.model.boundaries import METRIC_CRS
from geo.model.palette import HATCH_BG, HATCH_LINE
from geo.model.themes import get_theme
from geo.render import tables
from geo.render.export import deck as export
from geo.render.export import figure, fonts
from geo.views import briefing
from geo.views import overview as views

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
NO_SITES = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")


@pytest.fixture(scope="module")
def deck_pdf(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    seen = []
    pdf = export.deck_pdf(deck, ds, counties, NO_SITES, "zh", progress=lambda done, total: seen.append((done, total)))
    assert seen == [(i, len(deck)) for i in range(1, len(deck) + 1)]  # progress after every page
    return pdf


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    """The PDF's text: pdftotext (poppler-utils) when installed, else the ToUnicode maps decoded here."""
    if shutil.which("pdftotext"):
        path = tmp_path / "deck.pdf"
        path.write_bytes(pdf)
        return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, check=True, text=True).stdout
    chars = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            data = zlib.decompress(stream)
        except zlib.error:
            data = stream
        for hexcode in re.findall(rb"<[0-9A-Fa-f]+>\s*<([0-9A-Fa-f]{4})>", data):
            chars.append(chr(int(hexcode, 16)))
    return "".join(chars)


def pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_deck_pdf_has_one_page_per_slide_and_chinese_text(deck_pdf, real, tmp_path):
    deck = real.deck
    assert deck_pdf.startswith(b"%PDF")
    assert pdf_pages(deck_pdf) == len(deck)
    text = pdf_text(deck_pdf, tmp_path)
    for word in ("起点", "贫困县", "来源", "公里"):
        assert word in text, word
    if shutil.which("pdftotext"):
        assert "起点：九个贫困县" in text and "后来：各县摘帽" in text


def test_slide_png_is_1920_by_1080(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    view = briefing.slide_view(deck, 0, ds, counties, NO_SITES, "en")
    png = export.slide_png(view, ds, counties, "en", "dark")
    image = Image.open(io.BytesIO(png))
    assert image.size == export.SLIDE_PX
    assert np.asarray(image.convert("L")).mean() < 110  # the dark theme is dark


def test_map_png_of_the_overview(real):
    ds, counties = real.ds, real.counties
    view = views.overview(ds, counties, "registered_poor_population", 2014, "quantiles", "zh")
    png = figure.overview_png(view, ds, counties, "zh")
    assert Image.open(io.BytesIO(png)).size == figure.MAP_PX


def _pixel_of(ax, x: float, y: float) -> tuple[int, int]:
    px, py = ax.transData.transform((x, y))
    return int(px), int(ax.figure.bbox.height - py)


def test_no_data_county_is_hatched_and_a_county_with_data_is_not(real):
    ds, counties = real.ds, real.counties
    view = views.overview(ds, counties, "registered_poor_population", 2014, "quantiles", "zh")
    fills = view.map.fills
    assert fills["130624"] is not None  # Fuping has a figure
    assert sum(v is None for v in fills.values()) == 23
    fonts.configure()
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    figure.draw_map(ax, view.map, counties, get_theme("light"), "zh", labels=False)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)
    metric = counties.to_crs(METRIC_CRS).set_index("adcode")

    def patch(adcode: str) -> np.ndarray:
        p = metric.loc[adcode, "geometry"].representative_point()
        col, row = _pixel_of(ax, p.x, p.y)
        return rgb[row - 10 : row + 10, col - 10 : col + 10].reshape(-1, 3)

    def share(pixels: np.ndarray, hex_colour: str) -> float:
        target = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
        return float((np.abs(pixels - target).sum(axis=1) < 40).mean())

    hatched = patch("130627")  # Tang county: no figure
    assert share(hatched, HATCH_LINE) > 0.1 and share(hatched, HATCH_BG) > 0.3
    solid = patch("130624")
    assert share(solid, HATCH_LINE) < 0.02 and share(solid, fills["130624"]) > 0.8


def test_missing_cjk_font_names_the_package(monkeypatch):
    from matplotlib import font_manager

    fonts.cjk_font.cache_clear()
    monkeypatch.setattr(font_manager.fontManager, "ttflist", [])
    monkeypatch.setattr(font_manager, "findSystemFonts", lambda *a, **k: [])
    try:
        with pytest.raises(fonts.FontMissing, match="fonts-noto-cjk"):
            fonts.cjk_font()
    finally:
        monkeypatch.undo()
        fonts.cjk_font.cache_clear()
    assert fonts.cjk_font()  # back to the installed font


def test_text_wraps_to_the_measured_width():
    fonts.configure()
    lines = fonts.wrap("九个贫困县里有八个属于燕山—太行山片区，多在西部山区；其余县只有零星贫困人口。", 120, 12)
    assert len(lines) > 2 and all(fonts.measure(line, 12, False) <= 120 for line in lines)
    assert not any(line.startswith(("，", "；", "。")) for line in lines)
    english = fonts.wrap("Eight of the nine poor counties belong to the Yanshan area", 150, 12)
    assert all(not line.startswith(" ") and " " not in line[-1:] for line in english)


def test_data_behind_a_slide_as_csv_and_xlsx(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    view = briefing.slide_view(deck, deck.ids().index("relocation"), ds, counties, NO_SITES, "zh")
    table = briefing.data_table(view, ds, counties, "zh")
    assert len(table) == 3 + 1  # three key figures and Fuping's map value (no city total for that year)
    assert table["来源"].str.len().gt(0).all()
    csv = tables.table_csv(table)
    assert csv.startswith(b"\xef\xbb\xbf") and "易地扶贫" not in csv.decode("utf-8-sig")[:0]
    assert "阜平县" in csv.decode("utf-8-sig")
    wb = openpyxl.load_workbook(io.BytesIO(tables.table_xlsx(table, "relocation")))
    ws = wb["relocation"]
    assert ws.max_row == len(table) + 1 and ws.cell(1, 3).value == "指标"
    header = [c.value for c in ws[1]]
    assert header[7:10] == ["数值", "单位", "类别"]  # the unit a column: the rows mix indicators
    fuping = next(r for r in ws.iter_rows(min_row=2) if r[4].value == "阜平县")
    assert (fuping[7].value, fuping[7].data_type, fuping[8].value, fuping[6].value) == (53748, "n", "人", 2020)


def test_a_city_only_slide_holds_its_city_figure(real):
    ds, counties, deck = real.ds, real.counties, real.deck
    view = briefing.slide_view(deck, deck.ids().index("funds"), ds, counties, NO_SITES, "en")
    assert view.map.mode == "city"
    table = briefing.data_table(view, ds, counties, "en")
    drawn = table[table["Shown as"] == "Map"]
    assert drawn[["adcode", "indicator_id", "Value", "Unit", "Year", "Status"]].values.tolist() == [
        ["130600", "city_special_funds", 102000000.0, "yuan", 2016, "reported"]
    ]
    assert drawn["Source"].str.contains("一、四是").all()


def test_export_deck_command(tmp_path, capsys):
    deck = (DATA / "slides.toml").read_text(encoding="utf-8")
    blocks = deck.split("\n[[slides]]\n")
    first_two = "".join(f"[[slides]]\n{b}\n" for b in blocks[1:3])
    small = tmp_path / "two.toml"
    small.write_text(first_two, encoding="utf-8")
    out = tmp_path / "out" / "deck.pdf"
    code = main(["export-deck", str(out), "--png", str(tmp_path / "png"), "--lang", "en", "--slides", str(small)])
    assert code == 0
    assert pdf_pages(out.read_bytes()) == 2
    pngs = sorted((tmp_path / "png").glob("*.png"))
    assert [p.name for p in pngs] == ["slide-01-start.png", "slide-02-targeting.png"]
    assert Image.open(pngs[0]).size == export.SLIDE_PX
    assert "2 pages" in capsys.readouterr().out


def test_export_deck_command_reports_a_broken_deck(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[slides]]\nid = "x"\n', encoding="utf-8")
    assert main(["export-deck", str(tmp_path / "x.pdf"), "--slides", str(bad)]) == 1
    err = capsys.readouterr().err
    assert "bad.toml" in err and "slide 1 (x), field title_zh: missing" in err
    assert not (tmp_path / "x.pdf").exists()


def _texts(ax) -> dict[str, object]:
    return {a.get_text(): a for a in ax.texts}


def test_callouts_and_tint_on_paper_and_the_north_arrow_clear_of_names(real):
    """Slide 2 on paper: Fuping's figure in a box (its plain name left out), the poor counties tinted
    under the hatch; on slide 6 the north arrow covers no county name or callout (it sat on 容城)."""
    from geo.model.palette import HATCH_POOR

    ds, counties, deck = real.ds, real.counties, real.deck
    fonts.configure()
    view = briefing.slide_view(deck, deck.ids().index("targeting"), ds, counties, NO_SITES, "zh")
    fig = Figure(figsize=(8, 6), dpi=100)
    ax = fig.add_axes((0, 0, 1, 1))
    figure.draw_map(ax, view.map, counties, get_theme("light"), "zh")
    texts = _texts(ax)
    assert "阜平\n10.81万人" in texts and "阜平" not in texts
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[:, :, :3].astype(int)
    p = counties.to_crs(METRIC_CRS).set_index("adcode").loc["130630", "geometry"].representative_point()  # Laiyuan
    col, row = _pixel_of(ax, p.x, p.y)
    pixels = rgb[row - 10 : row + 10, col - 10 : col + 10].reshape(-1, 3)
    tint = np.array([int(HATCH_POOR[i : i + 2], 16) for i in (1, 3, 5)])
    assert (np.abs(pixels - tint).sum(axis=1) < 30).mean() > 0.3

    for slide in ("tourism", "targeting", "progress", "start"):
        view = briefing.slide_view(deck, deck.ids().index(slide), ds, counties, NO_SITES, "zh")
        fig = export.slide_figure(view, ds, counties, "zh")
        ax = fig.axes[0]
        renderer = FigureCanvasAgg(fig).get_renderer()
        (arrow,) = [a for a in ax.texts if a.get_text() == "北"]
        box = arrow.get_tightbbox(renderer)
        names = [a for a in ax.texts if a is not arrow and a.get_zorder() >= 6 and a.get_visible()]
        assert names, slide
        hit = [a.get_text() for a in names if a.get_window_extent(renderer).overlaps(box)]
        assert hit == [], (slide, hit)
        callouts = [a for a in ax.texts if a.get_zorder() == 7]
        legend = ax.get_legend().get_window_extent(renderer)
        assert not any(c.get_window_extent(renderer).overlaps(legend) for c in callouts), slide
