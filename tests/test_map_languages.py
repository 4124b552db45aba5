"""Every page's map, built as the page builds it, speaks the page's language only (issue 24: cache keys).

Each map's spec (geo/web/mapspecs.py, its fields the cache key) is built alone in both languages; and the
maps' arguments are recorded where they leave for the browser (mapelement's component), in pages run
by AppTest in Chinese then English in one process, so a map cached under a key that leaves out the
language would come back in the other language and fail here.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from geo.model import basemaps, themes
from geo.model.boundaries import read_counties
from geo.views import programmes as pg
from geo.views.overview import Overlays
from geo.web import loaders, mapelement, mapspecs

ROOT = Path(__file__).resolve().parents[1]
CJK = re.compile(r"[\u4e00-\u9fff]+")
N_SLIDES = len(tomllib.loads((ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"])
PAGES = [
    ("overview", None, {}),
    ("overview", None, {"indicator": "exit_year", "labels": "1", "values": "1"}),
    ("county", "pages/county.py", {"county": "130624"}),
    ("programmes", "pages/programmes.py", {"programme": "pv,tourism"}),
    *[("briefing", "pages/briefing.py", {"slide": str(n)}) for n in (1, 3, 6, 12, N_SLIDES)],
]


def _one_language_data() -> list[str]:
    """Texts the data hold in one language only (value notes and locators, source titles and publishers):
    shown as they are on both pages, so they are taken out before looking for the other language."""
    import html

    import pandas as pd

    values = pd.read_csv(ROOT / "data" / "values.csv", dtype=str).fillna("")
    sources = pd.read_csv(ROOT / "data" / "sources.csv", dtype=str).fillna("")
    texts = {*values["note"], *values["locator"], *sources["title"], *sources["publisher"]}
    texts = {x for t in texts if t for x in (t, html.escape(t), html.escape(t, quote=False))}
    return sorted(texts, key=len, reverse=True)


def _without(text: str, parts: list[str]) -> str:
    for part in parts:
        text = text.replace(part, " ")
    return text


def _shown_text(args: dict) -> str:
    """What the map shows a person: its script (tooltips, labels, legends) and the layers sent beside it."""
    return "\n".join(str(args.get(k) or "") for k in ("script", "html", "feature_group"))


@pytest.fixture
def recorded(monkeypatch):
    maps: list[dict] = []

    def record(**kwargs):
        maps.append(kwargs)
        return kwargs.get("default")

    monkeypatch.setattr(mapelement, "_COMPONENT", record)
    return maps


def _run(page: str | None, lang: str, params: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in {**params, "lang": lang}.items():
        at.query_params[k] = v
    at.run()
    if page:
        at.switch_page(page)
        at.run()
    assert not at.exception
    return at


@pytest.mark.parametrize(("name", "page", "params"), PAGES, ids=[f"{p[0]}-{p[2]}" for p in PAGES])
def test_each_map_is_in_the_page_language(recorded, name, page, params):
    counties = read_counties(ROOT / "data" / "counties.geojson")
    english_names = [n for n in counties["name_en"] if n]
    _run(page, "zh", params)
    zh = [_shown_text(a) for a in recorded]
    recorded.clear()
    _run(page, "en", params)
    en = [_shown_text(a) for a in recorded]
    assert zh and en, f"no map drawn on {name}"
    data_only = _one_language_data()
    for text in en:
        chinese = sorted(set(CJK.findall(_without(text, data_only))))
        assert chinese == [], f"Chinese text in the English {name} map: {chinese[:10]}"
    for text in zh:
        leaked = [n for n in english_names if n in text]
        assert leaked == [], f"English county names in the Chinese {name} map: {leaked[:5]}"


# Every page's map built from its spec alone (geo/web/mapspecs.py), in both languages: the spec's fields are
# the map's cache key, so a map that depended on something its spec leaves out would show up here.
EVERYTHING = Overlays(labels=True, values=True, poor=True, yt=True)
CHOSEN = ("pv", "tourism")


def _programmes_indicator() -> str | None:
    ds = loaders.load_dataset()
    return pg.default_map_indicator(ds, pg.map_indicators(ds, CHOSEN))


SPECS = {  # id -> the spec in a language, as the page makes it
    "overview": lambda lang: mapspecs.OverviewMap("poor_county_type", None, "quantiles", lang, Overlays()),
    "overview-all-overlays": lambda lang: mapspecs.OverviewMap(
        "registered_poor_population", 2014, "natural_breaks", lang, EVERYTHING, ("130624",)
    ),
    "overview-exit-year": lambda lang: mapspecs.OverviewMap("exit_year", 2018, "quantiles", lang, EVERYTHING),
    "overview-city": lambda lang: mapspecs.OverviewMap(
        "registered_poor_villages", None, "quantiles", lang, Overlays(values=True)
    ),
    "locator": lambda lang: mapspecs.LocatorMap("130624", lang),
    "programmes": lambda lang: mapspecs.ProgrammesMap((), (), None, None, basemaps.DEFAULT_BASEMAP, lang),
    "programmes-indicator": lambda lang: mapspecs.ProgrammesMap(
        CHOSEN, ("130624", "130681"), _programmes_indicator(), None, basemaps.DEFAULT_BASEMAP, lang
    ),
    **{
        f"slide-{n}-{theme}": lambda lang, n=n, theme=theme: mapspecs.SlideMap(loaders.deck_key(), n, theme, lang)
        for n in (1, 3, 6, 12, N_SLIDES)
        for theme in themes.THEMES
    },
}


def test_every_kind_of_map_is_built_here():
    assert {type(make("zh")) for make in SPECS.values()} == set(mapspecs.SPECS)
    for kind in mapspecs.SPECS:  # the language is a field of each, so it is in the key
        assert "lang" in {f.name for f in dataclasses.fields(kind)}


@pytest.mark.parametrize("name", list(SPECS))
def test_each_spec_builds_its_map_in_its_language(name):
    zh_spec, en_spec = SPECS[name]("zh"), SPECS[name]("en")
    assert mapelement.spec_key(zh_spec) != mapelement.spec_key(en_spec)
    zh = _shown_text(mapelement._captured_args(zh_spec.build, "spec_map", None))
    en = _shown_text(mapelement._captured_args(en_spec.build, "spec_map", None))
    chinese = sorted(set(CJK.findall(_without(en, _one_language_data()))))
    assert chinese == [], f"Chinese text in the English map of {en_spec}: {chinese[:10]}"
    counties = read_counties(ROOT / "data" / "counties.geojson")
    leaked = [n for n in counties["name_en"] if n and n in zh]
    assert leaked == [], f"English county names in the Chinese map of {zh_spec}: {leaked[:5]}"
