"""One figure text (geo.views.common.FigureText): a figure is put into words once, and the map's
tooltip, the value labels, a slide's callout, the key figures, the CSV row and the PNG title all say
it the same way, in both languages; no surface takes its text from another by position."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path

import pytest

from geo.model import classify as cl
from geo.model import indicators as ind
from geo.model import slides
from geo.model.slides import find_row
from geo.render import tables
from geo.render.export import figure
from geo.render.leaflet.markup import rows_html
from geo.views import briefing
from geo.views import overview as views
from geo.views.common import FigureText, county_names, figure_text

ROOT = Path(__file__).resolve().parents[1]

# (indicator, year): a number that is a target or forecast (its callout names the status), a category
# whose label names its status itself; each has a figure for one or two counties (a slide calls them out).
CASES = [("poverty_exits_persons", 2017), ("exit_year_forecast", 2016)]


def _view(bundled, indicator_id: str, year: int, lang: str) -> views.OverviewView:
    ds, counties = bundled
    return views.overview(ds, counties, indicator_id, year, cl.DEFAULT_SCHEME, lang)


def _csv_rows(table) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(tables.table_csv(table).decode("utf-8-sig"))))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(("indicator_id", "year"), CASES)
def test_one_figure_text_on_every_surface(bundled, indicator_id, year, lang):
    ds, counties = bundled
    view = _view(bundled, indicator_id, year, lang)
    assert view.figures, "the case needs counties with a figure"
    mapv = views.with_overlays(ds, counties, view, views.Overlays(labels=True, values=True, poor=False), lang=lang)
    called = {c.adcode: c for c in briefing.few_counties_view(view.map, view, ds, counties, lang).callouts}
    by_place = {r["adcode"]: r for r in _csv_rows(views.download_table(view, ds, lang))}
    for adcode, text in view.figures.items():
        assert isinstance(text, FigureText) and text.value
        fill = mapv.counties[adcode]
        # The tooltip: the county's name, then the figure's rows, escaped once.
        assert fill.rows == (fill.rows[0], *text.rows())
        assert html.escape(text.value) in rows_html(fill.rows)
        # The label under the name and the slide's callout.
        assert fill.value_text == text.value
        label = next(lb for lb in mapv.labels if lb.adcode == adcode)
        assert label.text.split("\n")[1] == text.value
        assert called[adcode].value == text.callout() and called[adcode].value.startswith(text.value)
        if text.numeric and not text.reported:
            assert text.status_label in called[adcode].value  # a target says it is one
        # The CSV row: the number stays a number, a category is its label; status, source, grade as on screen.
        row = next(r for r in by_place.values() if r["adcode"] == adcode)
        cells = list(row.values())
        assert (float(cells[2]) == text.number) if text.numeric else (cells[2] == text.value)
        assert cells[3:7] == [str(text.year), text.status_label, text.source, text.grade]
    # The PNG's title names the indicator and the period the figures are of.
    title = figure.overview_title(view, lang)
    assert title == f"{next(iter(view.figures.values())).indicator} · {view.period(lang)}"
    assert all(str(f.year) == view.period(lang) for f in view.figures.values())


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_png_title_is_the_views_period(bundled, lang):
    """The title drawn on the PNG is the one the screen's heading names (the event-year view's "as of")."""
    _, counties = bundled
    for indicator_id, year in [*CASES, ("exit_year", 2018)]:
        view = _view(bundled, indicator_id, year, lang)
        fig = figure.map_figure(view.map, counties, figure.overview_title(view, lang), "", lang)
        drawn = fig.texts[0].get_text()
        assert drawn == f"{view.indicator.name(lang)} · {view.period(lang)}"
        assert view.period_slug() in {str(year), f"asof{year}"}  # the file name names the same period
    as_of = _view(bundled, "exit_year", 2018, lang).period(lang)
    assert "2018" in as_of and as_of != str(2018)  # "截至2018年" / "as of 2018", never "latest"


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_key_figures_and_slide_figures_say_the_figure_text(bundled, lang):
    ds, counties = bundled
    for f, (indicator_id, year) in zip(views.key_figures(ds, lang), views.KEY_FIGURES):
        text = figure_text(ds, ind.city_value(ds, indicator_id, year), lang)
        assert (f.label, f.value, f.source, f.note, f.grade, f.mark) == (
            text.indicator,
            text.value,
            text.source,
            text.when(),
            text.grade,
            text.mark,
        )
    deck = slides.load_deck(ROOT / "data" / "slides.toml", ds, set(counties["adcode"]))
    names = county_names(counties, lang)
    for slide in deck.slides:
        for f in briefing.key_figures(ds, slide, names, lang):
            text = figure_text(ds, find_row(ds, f.ref), lang)
            assert (f.value, f.source, f.note, f.mark_detail) == (
                text.value,
                text.source,
                text.when(),
                text.mark_detail,
            )


def test_a_year_is_not_a_quantity(bundled):
    """A target year reads 2020年 / 2020 everywhere (tooltip, key figure, table), never "2,020 year"."""
    ds, _ = bundled
    row = ind.city_value(ds, "target_year_all_counties_exit", None)
    assert figure_text(ds, row, "zh").value == f"{int(row['number'])}年"
    assert figure_text(ds, row, "en").value == str(int(row["number"]))


def test_reordered_tooltip_rows_leave_labels_and_callouts_alone(bundled, monkeypatch):
    """Labels and callouts say the figure's value, not the tooltip's first row: reorder the rows (the
    source first) and they stay as they were. Before FigureText the labels took ``rows[0][1]`` (the
    tooltip's first row) by position, and this reordering wrote the source under every name."""
    ds, counties = bundled
    before = _view(bundled, "poverty_exits_persons", 2017, "zh")
    labels = views.with_overlays(
        ds, counties, before, views.Overlays(labels=True, values=True, poor=False), lang="zh"
    ).labels
    callouts = briefing.few_counties_view(before.map, before, ds, counties, "zh").callouts

    original = FigureText.rows
    monkeypatch.setattr(FigureText, "rows", lambda self: tuple(reversed(original(self))))
    after = _view(bundled, "poverty_exits_persons", 2017, "zh")
    adcode = next(iter(after.figures))
    assert after.map.counties[adcode].rows[1][0] == "来源"  # the tooltip did change: the source first
    assert (
        views.with_overlays(ds, counties, after, views.Overlays(labels=True, values=True, poor=False), lang="zh").labels
        == labels
    )
    assert briefing.few_counties_view(after.map, after, ds, counties, "zh").callouts == callouts
