"""The briefing as an editable PPTX: one slide per deck slide, text as text (title, figures,
sources, caption), the map as one high-resolution picture, speaker notes on every slide, the
Chinese font named in the XML; converted by LibreOffice when it is installed; the command."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn

from geo.__main__ import main
from geo.i18n import t
from geo.model import slides
from geo.model.themes import get_theme
from geo.render.export import pptx
from geo.views import briefing

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def zh_pptx(real):
    ds, counties, sites, deck, context = real.ds, real.counties, real.sites, real.deck, real.context
    seen = []
    data = pptx.deck_pptx(deck, ds, counties, sites, "zh", progress=lambda *a: seen.append(a), context=context)
    assert seen == [(i, len(deck)) for i in range(1, len(deck) + 1)]  # progress after every slide
    return data


def texts(slide) -> list[str]:
    return [shape.text_frame.text for shape in slide.shapes if shape.has_text_frame]


def test_one_widescreen_slide_per_deck_slide(zh_pptx, real):
    deck = real.deck
    prs = Presentation(io.BytesIO(zh_pptx))
    assert len(prs.slides) == len(deck)
    assert abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.001


def test_text_is_text_and_the_map_is_one_sharp_picture(zh_pptx, real):
    ds, counties, sites, deck, context = real.ds, real.counties, real.sites, real.deck, real.context
    prs = Presentation(io.BytesIO(zh_pptx))
    for i, slide in enumerate(prs.slides):
        view = briefing.slide_view(deck, i, ds, counties, sites, "zh", context)
        text = "\n".join(texts(slide))
        title = next(s for s in slide.shapes if s.name == "Title")
        assert title.text_frame.text == view.title(lang="zh")
        for fig in view.figures:  # value, year and status, and source: each editable, on the slide
            assert fig.label in text and fig.value in text and fig.short_source in text, (view.slide.id, fig.label)
            if fig.note:
                assert fig.note in text
        assert view.caption("zh") in text
        assert next(s for s in slide.shapes if s.name == "Sources").text_frame.text == (
            briefing.sources_line(view, ds, "zh") + " · " + t("export_boundaries", "zh")
        )
        pictures = [s for s in slide.shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert [p.name for p in pictures] == ["Map"], view.slide.id  # the only picture is the map
        image = Image.open(io.BytesIO(pictures[0].image.blob))
        dpi = image.size[0] / (pictures[0].width / 914400)
        assert dpi >= 290 and image.size[0] >= 2000, (view.slide.id, image.size)
        fields = slide.shapes._spTree.iter(qn("a:fld"))
        assert [(f.get("type"), f.findtext(qn("a:t"))) for f in fields] == [("slidenum", str(i + 1))]


def test_every_slide_has_its_speaker_notes_and_sources(zh_pptx, real):
    ds, counties, sites, deck, context = real.ds, real.counties, real.sites, real.deck, real.context
    prs = Presentation(io.BytesIO(zh_pptx))
    for i, (slide, deck_slide) in enumerate(zip(prs.slides, deck.slides)):
        assert slide.has_notes_slide, deck_slide.id
        notes = slide.notes_slide.notes_text_frame.text
        assert deck_slide.notes("zh") and notes.startswith(deck_slide.notes("zh")), deck_slide.id
        view = briefing.slide_view(deck, i, ds, counties, sites, "zh", context)
        assert all(fig.source in notes for fig in view.figures), deck_slide.id  # the full citation to hand


def test_the_chinese_font_is_named_for_every_run(zh_pptx):
    prs = Presentation(io.BytesIO(zh_pptx))
    for slide in prs.slides:
        for part in (slide, slide.notes_slide):
            runs = list(part.element.iter(qn("a:rPr")))
            assert runs
            for rpr in runs:
                faces = {tag: rpr.find(qn(tag)).get("typeface") for tag in ("a:latin", "a:ea", "a:cs")}
                assert set(faces.values()) == {"Microsoft YaHei"}, faces
                assert rpr.get("lang") == "zh-CN"  # what LibreOffice's fallback to Noto Sans CJK SC goes by
    theme = next(r.target_part for r in prs.slide_master.part.rels.values() if r.reltype.endswith("/theme"))
    assert b'<a:ea typeface="Microsoft YaHei"/>' in theme.blob


def test_dark_theme_colours_and_english(real):
    ds, counties, sites, deck = real.ds, real.counties, real.sites, real.deck
    small = slides.Deck(deck.path, deck.slides[:2])
    prs = Presentation(io.BytesIO(pptx.deck_pptx(small, ds, counties, sites, "en", "dark")))
    dark = get_theme("dark")
    assert len(prs.slides) == 2
    slide = prs.slides[1]
    assert str(slide.background.fill.fore_color.rgb) == dark.bg.lstrip("#").upper()
    title = next(s for s in slide.shapes if s.name == "Title")
    assert title.text_frame.text == "Targeting: the register and the timetable"
    assert str(title.text_frame.paragraphs[0].runs[0].font.color.rgb) == dark.text.lstrip("#").upper()
    cards = [s for s in slide.shapes if s.name == "Key figure"]
    assert len(cards) == 3 and all(str(c.fill.fore_color.rgb) == dark.surface.lstrip("#").upper() for c in cards)
    assert slide.notes_slide.notes_text_frame.text.startswith("This slide is about getting the register right")
    rpr = next(slide.element.iter(qn("a:rPr")))
    assert rpr.get("lang") == "en-US" and rpr.get("altLang") == "zh-CN"


@pytest.mark.skipif(not shutil.which("soffice"), reason="LibreOffice (Debian libreoffice-impress) not installed")
def test_libreoffice_opens_and_draws_the_deck(zh_pptx, real, tmp_path):
    deck = real.deck
    src = tmp_path / "deck.pptx"
    src.write_bytes(zh_pptx)
    profile = (tmp_path / "lo-profile").as_uri()  # a fresh profile: no clash with another soffice running
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation={profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(src),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    pdf = tmp_path / "deck.pdf"
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert f"Pages:           {len(deck)}" in info
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    assert "起点：九个贫困县" in pages[0].replace(" ", "")
    assert "45.35万人" in pages[2].replace(" ", "")  # a key figure, drawn as text
    assert "后来：各县摘帽" in pages[len(deck) - 1].replace(" ", "")
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert "NotoSansCJK" in fonts  # Microsoft YaHei is absent here: the Chinese fell back to Noto Sans CJK


def test_export_deck_command_writes_pptx(tmp_path, capsys):
    blocks = (DATA / "slides.toml").read_text(encoding="utf-8").split("\n[[slides]]\n")
    small = tmp_path / "two.toml"
    small.write_text("".join(f"[[slides]]\n{b}\n" for b in blocks[1:3]), encoding="utf-8")
    out = tmp_path / "briefing.pptx"
    assert main(["export-deck", str(out), "--lang", "en", "--theme", "dark", "--slides", str(small)]) == 0
    assert len(Presentation(str(out)).slides) == 2
    assert "2 slides" in capsys.readouterr().out
    assert main(["export-deck", str(tmp_path / "briefing.docx"), "--slides", str(small)]) == 2
    assert main(["export-deck", str(out), "--notes", "--slides", str(small)]) == 2  # notes pages are for PDF
    assert ".pdf or .pptx" in capsys.readouterr().err


def test_pdf_notes_pages_follow_each_slide(real, tmp_path):
    from geo.render.export import deck as export

    ds, counties, sites, deck = real.ds, real.counties, real.sites, real.deck
    small = slides.Deck(deck.path, deck.slides[:2])
    pdf = export.deck_pdf(small, ds, counties, sites, "en", notes=True)
    path = tmp_path / "notes.pdf"
    path.write_bytes(pdf)
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) not installed")
    pages = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout.split("\f")
    assert len([p for p in pages if p.strip()]) == 4  # slide, notes, slide, notes
    assert "Speaker notes · 1 / 2" in pages[1] and "Open with the scope" in pages[1]
    assert "Speaker notes · 2 / 2" in pages[3] and "Watch out" in pages[3]
    assert "Speaker notes" not in pages[0] + pages[2]
