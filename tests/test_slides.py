"""The briefing deck file: the bundled deck is valid, and every broken file names file, slide and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from geo.model import slides
from geo.model.slides import SlideError
from geo.views import briefing

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
DECK = DATA / "slides.toml"


GOOD = """
[[slides]]
id = "one"
title_zh = "起点"
title_en = "Start"
caption_zh = "我们自己的话。"
caption_en = "Our own words."
map = { indicator = "poor_county_type", year = 2016, extent = "all" }
figures = [
  { indicator = "poor_counties", adcode = "130600", year = 2016 },
  { indicator = "registered_poor_population", adcode = "130600", year = 2014 },
]

[[slides]]
id = "two"
title_zh = "光伏"
title_en = "Solar"
caption_zh = "第二张。"
caption_en = "Second."
map = { programmes = ["pv"], extent = "poor" }
figures = [
  { indicator = "pv_three_gorges_grid_mw", adcode = "130634", year = 2016 },
]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "deck.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_bundled_deck_is_valid_and_follows_the_report(real):
    ds, adcodes = real.ds, real.adcodes
    deck = slides.load_deck(DECK, ds, adcodes)
    assert 12 <= len(deck) <= 25
    ids = deck.ids()
    assert len(set(ids)) == len(ids)
    # The story of the report, in its order: start, the four groups of measures, problems, suggestions, after.
    for first, later in [
        ("start", "agri"),
        ("agri", "relocation"),
        ("relocation", "funds"),
        ("funds", "problems"),
        ("problems", "suggestions"),
        ("suggestions", "after"),
    ]:
        assert ids.index(first) < ids.index(later)
    groups = set(ds.programmes.set_index("programme_id")["group_id"])
    covered = set()
    for slide in deck.slides:
        assert 1 <= len(slide.figures) <= 3
        for ref in slide.figures:
            row = slides.find_row(ds, ref)
            assert row is not None and row["source_id"] and row["title"], ref  # every figure resolves to a source
            covered.add(ds.indicators.set_index("indicator_id").loc[ref.indicator_id, "programme"])
        assert slide.caption_zh and slide.caption_en and slide.title_zh and slide.title_en
    covered_groups = set(ds.programmes.set_index("programme_id").loc[sorted(covered), "group_id"])
    assert covered_groups == groups  # targeting, industry, support, combined effort
    after = deck.slides[ids.index("after")]
    assert after.map.indicator_id == "exit_year"  # what happened next: the exit year per county


def test_captions_are_not_copied_from_the_report(real):
    """Our own words: no caption shares a run of 12 characters with the report text (Traditional or Simplified)."""
    seed = Path("/work/shared/seed/000_9cfd1b232a0c766d.txt")
    if not seed.exists():
        seed = ROOT.parent / "shared" / "seed" / "000_9cfd1b232a0c766d.txt"
    if not seed.exists():
        pytest.skip("report text not available")
    report = seed.read_text(encoding="utf-8")
    ds, adcodes = real.ds, real.adcodes
    for slide in slides.load_deck(DECK, ds, adcodes).slides:
        for text in (slide.caption_zh, slide.notes_zh):
            runs = {text[i : i + 12] for i in range(len(text) - 11)}
            assert not [r for r in runs if r in report], slide.id


def test_good_small_deck(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    deck = slides.load_deck(write(tmp_path, GOOD), ds, adcodes)
    assert deck.ids() == ["one", "two"]
    assert deck.slides[1].map.programmes == ("pv",)
    assert deck.slides[1].map.extent == "poor"
    assert deck.slides[0].title("en") == "Start"


BROKEN = [
    # (change to the good deck, slide number, field, words in the reason)
    (("poor_counties", "poor_countees"), 1, "figures[1].indicator", "unknown indicator 'poor_countees'"),
    (('adcode = "130634"', 'adcode = "999999"'), 2, "figures[1].adcode", "unknown adcode '999999'"),
    (("year = 2014 }", "year = 2013 }"), 1, "figures[2].year", "no value for registered_poor_population"),
    (('caption_en = "Second."\n', ""), 2, "caption_en", "missing"),
    (('caption_zh = "我们自己的话。"', 'caption_zh = ""'), 1, "caption_zh", "non-empty"),
    (('id = "two"', 'id = "one"'), 2, "id", "duplicate id 'one'"),
    (('indicator = "poor_county_type"', 'indicator = "nope"'), 1, "map.indicator", "unknown indicator 'nope'"),
    (("year = 2016, extent", "year = 1999, extent"), 1, "map.year", "no value for 1999"),
    (('extent = "all"', 'extent = ["130624", "12345"]'), 1, "map.extent[2]", "unknown adcode '12345'"),
    (('extent = "all"', 'extent = "world"'), 1, "map.extent", "'world' is not one of all, poor"),
    (('programmes = ["pv"]', 'programmes = ["solar"]'), 2, "map.programmes[1]", "unknown programme 'solar'"),
    (('map = { programmes = ["pv"], extent = "poor" }', 'map = { extent = "poor" }'), 2, "map", "needs an indicator"),
    (('caption_en = "Our own words."', 'captoin_en = "Our own words."'), 1, "captoin_en", "unknown field"),
    (
        ('year = 2016 },\n  { indicator = "registered', 'year = "2016" },\n  { indicator = "registered'),
        1,
        "figures[1].year",
        "must be a year",
    ),
    (('caption_en = "Second."', 'caption_en = "Second."\nnotes_zh = "只有中文。"'), 2, "notes_en", "both languages"),
    (
        ('caption_en = "Second."', 'caption_en = "Second."\nnotes_zh = "中文"\nnotes_en = " "'),
        2,
        "notes_en",
        "non-empty",
    ),
    (('caption_en = "Second."', 'caption_en = "Second."\nnote_zh = "中文"'), 2, "note_zh", "unknown field"),
]


@pytest.mark.parametrize(("change", "number", "field", "words"), BROKEN, ids=[b[2] + "-" + str(b[1]) for b in BROKEN])
def test_broken_deck_names_file_slide_and_field(tmp_path, real, change, number, field, words):
    ds, adcodes = real.ds, real.adcodes
    old, new = change
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(SlideError) as err:
        slides.load_deck(path, ds, adcodes)
    message = str(err.value)
    assert "deck.toml" in message
    assert f"slide {number} (" in message, message
    assert f"field {field}:" in message, message
    assert words in message, message
    assert err.value.slide == number and err.value.field == field


def test_too_many_figures(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    extra = '  { indicator = "poor_counties", adcode = "130600", year = 2016 },\n' * 3
    path = write(tmp_path, GOOD.replace("figures = [\n", "figures = [\n" + extra, 1))
    with pytest.raises(SlideError, match=r"slide 1 \(one\), field figures: 5 figures; a slide has 1 to 3"):
        slides.load_deck(path, ds, adcodes)


def test_speaker_notes_are_optional_and_come_in_both_languages(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    notes = 'notes_zh = """\n先讲范围。\n再讲注意。"""\nnotes_en = "Scope first."'
    text = GOOD.replace('caption_en = "Our own words."', 'caption_en = "Our own words."\n' + notes)
    deck = slides.load_deck(write(tmp_path, text), ds, adcodes)
    assert deck.slides[0].notes("zh") == "先讲范围。\n再讲注意。"  # paragraphs kept, the TOML's first newline not
    assert deck.slides[0].notes("en") == "Scope first."
    assert deck.slides[1].notes("zh") == deck.slides[1].notes("en") == ""  # a slide without notes is fine


def test_speaker_notes_too_long(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    text = GOOD.replace('caption_en = "Second."', f'caption_en = "Second."\nnotes_zh = "{"长" * 601}"\nnotes_en = "x"')
    with pytest.raises(SlideError, match=r"slide 2 \(two\), field notes_zh: 601 characters, at most 600"):
        slides.load_deck(write(tmp_path, text), ds, adcodes)


# Characters of the seed's Traditional rendering that Simplified Chinese writes otherwise.
TRADITIONAL = "縣區貧脫發這個為會對產業設備點鄉鎮幫貸貼險網絡電農們說時來車東門間開關標準實現"


def test_bundled_notes_cover_every_slide_and_its_caveats(real):
    """Every slide has notes in Simplified Chinese and English, and they warn about what the slide can mislead on."""
    import geopandas as gpd

    ds, counties, adcodes = real.ds, real.counties, real.adcodes
    deck = slides.load_deck(DECK, ds, adcodes)
    no_sites = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")
    for i, slide in enumerate(deck.slides):
        zh, en = slide.notes("zh"), slide.notes("en")
        assert zh and en, slide.id
        assert not set(zh) & set(TRADITIONAL), (slide.id, sorted(set(zh) & set(TRADITIONAL)))
        assert "注意" in zh and "Watch out" in en, slide.id  # what to say, then the caveats
        view = briefing.slide_view(deck, i, ds, counties, no_sites, "en")
        if view.map.mode == "county" and any(v is None for v in view.map.fills.values()):
            assert "斜线" in zh and "atch" in en, slide.id  # hatched counties: no figure, not zero
        if view.map.mode == "city":
            assert "全市一种颜色" in zh and "one colour" in en, slide.id  # a city total is not each county's
        statuses = {slides.find_row(ds, ref)["status"] for ref in slide.figures} | (
            {"forecast"} if view.map.planned and slide.map.indicator_id == "exit_year_forecast" else set()
        )
        if "forecast" in statuses:
            assert "预计" in zh and "forecast" in en, slide.id
        if "target" in statuses:
            assert "目标" in zh and ("target" in en), slide.id


def test_caption_too_long_for_one_screen(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    path = write(tmp_path, GOOD.replace("我们自己的话。", "长" * 120))
    with pytest.raises(SlideError, match=r"field caption_zh: 120 characters, at most 90 fit one screen"):
        slides.load_deck(path, ds, adcodes)


@pytest.mark.parametrize(
    ("text", "words"),
    [("[[slides]\nid = 1", "not valid TOML"), ("title = 'x'", "unknown top-level key(s) title"), ("", "no slides")],
)
def test_unreadable_deck_file(tmp_path, real, text, words):
    ds, adcodes = real.ds, real.adcodes
    with pytest.raises(SlideError) as err:
        slides.load_deck(write(tmp_path, text), ds, adcodes)
    assert "deck.toml" in str(err.value) and words in str(err.value)


def test_missing_deck_file(tmp_path, real):
    ds, adcodes = real.ds, real.adcodes
    with pytest.raises(SlideError, match="nowhere.toml: file not found"):
        slides.load_deck(tmp_path / "nowhere.toml", ds, adcodes)


def test_key_figures_carry_value_year_status_and_source(real):
    ds, counties, adcodes = real.ds, real.counties, real.adcodes
    deck = slides.load_deck(DECK, ds, adcodes)
    names = counties.set_index("adcode")["name_zh"]
    by_id = {s.id: s for s in deck.slides}
    progress = briefing.key_figures(ds, by_id["progress"], names, "zh")
    assert progress[0].value == "45.35万人" and progress[0].note == "2015"
    assert progress[1].note == "2016 · 预计"  # a forecast says so
    assert all(f.source.startswith("保定市老区建设促进会") for f in progress)
    names_en = counties.set_index("adcode")["name_en"]
    after = briefing.key_figures(ds, by_id["after"], names_en, "en")
    assert after[0].label.startswith("Wangdu County") and after[0].value == "Exited 2017"
    targets = briefing.key_figures(ds, by_id["targeting"], names_en, "en")
    assert targets[1].value == "2017"  # a year is not "2,017 year"
    assert targets[1].note == "2017 · target"


def test_slide_view_fits_the_extent_and_marks_no_data(real):
    import geopandas as gpd

    ds, counties, adcodes = real.ds, real.counties, real.adcodes
    deck = slides.load_deck(DECK, ds, adcodes)
    sites = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")
    i = deck.ids().index("tourism")
    view = briefing.slide_view(deck, i, ds, counties, sites, "zh")
    assert view.map.extent == ("130623", "130630", "130633")
    assert view.map.fills["130623"] is not None
    assert sum(v is None for v in view.map.fills.values()) == 23  # hatched, never zero
    assert len(view.map.no_data) == 23 and "130623" not in view.map.no_data


def test_a_slide_few_counties_have_a_figure_for_calls_them_out(real):
    """Slide 2: one county has a figure. It is written on the map, the poor counties without one are
    tinted under the hatch, and the legend says the hatching is no published figure, not zero."""
    import geopandas as gpd

    from geo.model.palette import HATCH_POOR, HATCH_POOR_SWATCH
    from geo.views.county import poor_counties

    ds, counties, adcodes = real.ds, real.counties, real.adcodes
    deck = slides.load_deck(DECK, ds, adcodes)
    sites = gpd.GeoDataFrame({"programme": []}, geometry=[], crs="EPSG:4326")
    for lang, value, note in (("zh", "10.81万人", "不是零"), ("en", "108,100 persons", "not zero")):
        view = briefing.slide_view(deck, deck.ids().index("targeting"), ds, counties, sites, lang)
        (fuping,) = view.map.callouts
        assert (fuping.adcode, fuping.value, fuping.side) == ("130624", value, "")  # large: the box sits on it
        assert 113.7 < fuping.lon < 114.6 and 38.5 < fuping.lat < 39.2
        poor = set(poor_counties(ds)) - {"130624"}
        tints = {a: c.tint for a, c in view.map.counties.items() if c.fill is None}
        assert {a for a, tint in tints.items() if tint == HATCH_POOR} == poor
        assert all(tint is None for a, tint in tints.items() if a not in poor)
        entries = {e.swatch: e.count for e in view.map.legend.entries if e.swatch != "fill"}
        assert entries[HATCH_POOR_SWATCH] == 8 and entries["hatch"] == 15
        assert note in view.map.legend.note
    # Small neighbours (Wangdu, Boye) keep their colour in view: their boxes stand off, apart.
    view = briefing.slide_view(deck, deck.ids().index("progress"), ds, counties, sites, "zh")
    sides = {c.adcode: c.side for c in view.map.callouts}
    assert set(sides) == {"130631", "130637"} and "" not in sides.values()
    assert sides["130631"] != sides["130637"]
    # A map most counties have a figure for is left as it is.
    view = briefing.slide_view(deck, deck.ids().index("start"), ds, counties, sites, "zh")
    assert view.map.callouts == () and all(c.tint is None for c in view.map.counties.values())
