"""AppTest of the briefing page: every slide renders with sourced figures; links, presenter view, bad input."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from conftest import shown
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGE = "pages/briefing.py"
N_SLIDES = len(tomllib.loads((ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"])


def run(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page(PAGE)
    at.run()
    return at


def _url_slide(at: AppTest) -> str:
    value = at.query_params.get("slide", "1")  # slide 1 is the default and stays out of the link
    return value[0] if isinstance(value, list) else value


def _title(at: AppTest) -> str:
    return next(md.value for md in at.markdown if "<h2>" in md.value)


def _check_slide(at: AppTest, number: int, lang: str = "zh") -> None:
    assert not at.exception, number
    assert not at.error, number
    assert 1 <= len(at.metric) <= 3, number
    word = "来源" if lang == "zh" else "Source"
    for metric in at.metric:
        assert metric.proto.help.startswith(word), (number, metric.label)  # every figure has a source
        assert metric.value and metric.value != ("无数据" if lang == "zh" else "No data")
    sources = [md.value for md in at.markdown if md.value.startswith("<div class='bd-source'>")]
    assert len(sources) == len(at.metric), number
    assert f"{number} / {N_SLIDES}" in _title(at)
    assert any("bd-caption" in md.value for md in at.markdown)


def test_stepping_through_every_slide():
    at = run()
    seen = []
    for number in range(1, N_SLIDES + 1):
        _check_slide(at, number)
        assert _url_slide(at) == str(number)
        seen.append(_title(at))
        if number < N_SLIDES:
            at.button(key="next_slide").click().run()
    assert len(set(seen)) == N_SLIDES
    assert at.button(key="next_slide").disabled  # the last slide
    at.button(key="prev_slide").click().run()
    assert f"{N_SLIDES - 1} / {N_SLIDES}" in _title(at)


@pytest.mark.parametrize("number", [1, 6, N_SLIDES])
def test_slide_in_the_link_in_english(number):
    at = run(slide=str(number), lang="en")
    _check_slide(at, number, "en")
    assert _url_slide(at) == str(number)


@pytest.mark.parametrize("bad", ["0", "99", "abc", "-1"])
def test_bad_slide_in_the_link_falls_back_to_the_first_with_a_note(bad):
    at = run(slide=bad)
    assert not at.exception
    assert any(bad in shown(w.value) for w in at.warning)
    assert f"1 / {N_SLIDES}" in _title(at)


def test_presenter_view_from_the_link_hides_the_chrome():
    at = run(present="1", theme="dark")
    assert not at.exception
    css = next(md.value for md in at.markdown if md.value.startswith("<style>") and "bd-slide-no" in md.value)
    assert "[data-testid='stSidebar']" in css and "display:none" in css
    assert "#0b1320" in css  # the dark theme
    assert at.toggle(key="present_on").value is True
    at.toggle(key="present_on").set_value(False).run()
    assert "present" not in at.query_params
    css = next(md.value for md in at.markdown if md.value.startswith("<style>") and "bd-slide-no" in md.value)
    assert "[data-testid='stSidebar']" not in css


def test_bad_presenter_and_theme_values_have_notes():
    at = run(present="yes", theme="neon")
    assert not at.exception
    notes = " ".join(shown(w.value) for w in at.warning)
    assert "yes" in notes and "neon" in notes


def test_broken_deck_stops_with_a_message(tmp_path, monkeypatch):
    bad = tmp_path / "deck.toml"
    bad.write_text('[[slides]]\nid = "x"\ntitle_zh = "x"\n', encoding="utf-8")
    monkeypatch.setenv("BAODING_SLIDES", str(bad))
    at = run()
    assert not at.exception
    assert at.error and "deck.toml" in shown(at.error[0].value) and "slide 1 (x)" in shown(at.error[0].value)
    assert not at.metric


def test_speaker_notes_only_on_demand_and_never_in_the_link():
    at = run(slide="3", present="1")
    notes = tomllib.loads((ROOT / "data" / "slides.toml").read_text(encoding="utf-8"))["slides"][2]["notes_zh"]
    first_line = notes.strip().splitlines()[0]

    def shown() -> bool:
        return any(first_line in md.value for md in at.markdown)

    assert at.toggle(key="show_notes").value is False and not shown()  # off by default, also in presenter view
    at.toggle(key="show_notes").set_value(True).run()
    assert shown()
    assert "show_notes" not in at.query_params and "notes" not in str(dict(at.query_params))
    at.button(key="next_slide").click().run()
    assert _url_slide(at) == "4" and not shown()  # the next slide's notes, not this one's
    assert any("注意" in md.value for md in at.markdown)


def test_deck_as_pptx_from_the_download_menu(monkeypatch):
    from geo.render.export import pptx

    calls = []

    def fake(deck, ds, counties, sites, lang, theme, progress=None, context=None, qr_base=None):
        for i in range(len(deck)):
            progress(i + 1, len(deck))
        calls.append((len(deck), lang, theme))
        return b"PK" + b"\0" * 1_500_000

    monkeypatch.setattr(pptx, "deck_pptx", fake)  # what the PPTX holds is tests/test_pptx.py's business
    at = run(lang="en", theme="dark")
    assert not any(b.label.startswith("Download the deck (PowerPoint") for b in at.get("download_button"))
    next(b for b in at.button if b.label == "Make the whole deck as PPTX (editable)").click().run()
    assert not at.exception
    assert calls == [(N_SLIDES, "en", "dark")]
    labels = [b.label for b in at.get("download_button")]
    assert f"Download the deck (PowerPoint, {N_SLIDES} slides, 1.5 MB)" in labels
