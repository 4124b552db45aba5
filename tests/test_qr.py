"""QR codes that lead to a slide's light view: read back by a decoder nobody here wrote (zxing-cpp).

The exports draw them (PDF/PNG as vector modules, PPTX as a picture) when BAODING_PUBLIC_URL is set and
``--no-qr`` is not given; the presenter view shows one behind a toggle that is off by default and says why
it cannot be turned on without the setting; the copy-link popover offers both links.
"""

from __future__ import annotations

import base64
import io
import re
from pathlib import Path

import pytest
from PIL import Image
from pptx import Presentation
from streamlit.testing.v1 import AppTest

from geo import settings
from geo.__main__ import main
from geo.i18n import t
from geo.model import qr, slides
from geo.views import links
from geo.views.briefing import slide_view

zxingcpp = pytest.importorskip("zxingcpp")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"
BASE = "http://192.0.2.7:8501/baoding/"  # an address with a path and a trailing slash


def decoded(png: bytes) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))]


def matrix_png(text: str, module: int = 8) -> bytes:
    """The library's matrix drawn plainly (4 modules of quiet zone): what any renderer of it must show."""
    rows = qr.matrix(text)
    n = len(rows) + 2 * qr.QUIET
    img = Image.new("L", (n, n), 255)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + qr.QUIET, y + qr.QUIET), 0)
    out = io.BytesIO()
    img.resize((n * module, n * module), Image.NEAREST).save(out, format="PNG")
    return out.getvalue()


def test_slide_light_url():
    assert links.public_light_url(BASE, "briefing", links.slide_params(3, "zh")) == (
        "http://192.0.2.7:8501/baoding/light/briefing?slide=3"
    )
    assert links.public_light_url(BASE, "briefing", links.slide_params(12, "en")).endswith("?lang=en&slide=12")
    assert links.light_url("http://h:1/base/county", {"county": "130624,130630"}) == (
        "http://h:1/base/light/county?county=130624,130630"
    )
    assert links.light_url("http://h:1/", {}) == "http://h:1/light/overview"


def test_the_matrix_decodes_to_its_text():
    url = links.public_light_url(BASE, "briefing", links.slide_params(19, "en"))
    assert decoded(matrix_png(url)) == [url]


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_slide_png_carries_a_code_of_its_light_view(real, theme):
    from geo.render.export import deck as export

    ds, counties, sites, deck, context = real.ds, real.counties, real.sites, real.deck, real.context
    view = slide_view(deck, 4, ds, counties, sites, "en", context)
    png = export.slide_png(view, ds, counties, "en", theme, context, qr_base=BASE)
    assert decoded(png) == [links.public_light_url(BASE, "briefing", links.slide_params(5, "en"))]
    assert decoded(export.slide_png(view, ds, counties, "en", theme, context)) == []  # no address, no code


def test_pptx_slides_carry_a_code_each(real):
    from geo.render.export import pptx

    ds, counties, sites, deck = real.ds, real.counties, real.sites, real.deck
    small = slides.Deck(deck.path, deck.slides[:2])
    prs = Presentation(io.BytesIO(pptx.deck_pptx(small, ds, counties, sites, "zh", qr_base=BASE)))
    for number, slide in enumerate(prs.slides, 1):
        (picture,) = [s for s in slide.shapes if s.name == "QR code"]
        assert decoded(picture.image.blob) == [
            links.public_light_url(BASE, "briefing", links.slide_params(number, "zh"))
        ]
        assert picture.left + picture.width <= prs.slide_width and picture.top + picture.height <= prs.slide_height
    plain = Presentation(io.BytesIO(pptx.deck_pptx(small, ds, counties, sites, "zh")))
    assert not [s for s in plain.slides[0].shapes if s.name == "QR code"]


def _two_slides(tmp_path: Path) -> Path:
    blocks = (DATA / "slides.toml").read_text(encoding="utf-8").split("\n[[slides]]\n")
    path = tmp_path / "two.toml"
    path.write_text("".join(f"[[slides]]\n{b}\n" for b in blocks[1:3]), encoding="utf-8")
    return path


def test_export_command_draws_codes_unless_told_not_to(tmp_path, monkeypatch, capsys):
    deck = _two_slides(tmp_path)
    out = tmp_path / "b.pptx"
    monkeypatch.setenv("BAODING_PUBLIC_URL", BASE)
    assert main(["export-deck", str(out), "--slides", str(deck)]) == 0
    assert all(any(s.name == "QR code" for s in slide.shapes) for slide in Presentation(str(out)).slides)
    assert main(["export-deck", str(out), "--slides", str(deck), "--no-qr"]) == 0
    assert not any(s.name == "QR code" for slide in Presentation(str(out)).slides for s in slide.shapes)
    monkeypatch.delenv("BAODING_PUBLIC_URL")
    capsys.readouterr()
    assert main(["export-deck", str(out), "--slides", str(deck)]) == 0
    assert "BAODING_PUBLIC_URL" in capsys.readouterr().err  # says why there is no code
    assert not any(s.name == "QR code" for slide in Presentation(str(out)).slides for s in slide.shapes)


def test_public_url_setting_is_checked():
    assert (
        settings.value("BAODING_PUBLIC_URL", {"BAODING_PUBLIC_URL": "http://10.0.0.5:8501/"}) == "http://10.0.0.5:8501"
    )
    for bad in ("10.0.0.5:8501", "ftp://x", "http://x/?a=1", "http://a b"):
        with pytest.raises(settings.SettingError, match="BAODING_PUBLIC_URL"):
            settings.value("BAODING_PUBLIC_URL", {"BAODING_PUBLIC_URL": bad})


# ---------------------------------------------------------------------------
# The presenter view and the copy-link popover (AppTest)


def run_briefing(**params: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/briefing.py")
    at.run()
    return at


def svg_png(svg: str, module: int = 8) -> bytes:
    """The SVG the page sends (geo.model.qr.svg: one square of path per run of dark modules) as a PNG."""
    size = int(re.search(r'viewBox="0 0 (\d+) \d+"', svg).group(1))
    img = Image.new("L", (size, size), 255)
    for x, y, w in re.findall(r"M(\d+) (\d+)h(\d+)v1h-\d+z", svg):
        for dx in range(int(w)):
            img.putpixel((int(x) + dx, int(y)), 0)
    out = io.BytesIO()
    img.resize((size * module, size * module), Image.NEAREST).save(out, format="PNG")
    return out.getvalue()


def images(at: AppTest) -> list:
    return [e for e in at.main if e.type == "image"]


def test_presenter_qr_toggle_is_off_by_default_and_shows_the_slides_light_view(monkeypatch):
    monkeypatch.setenv("BAODING_PUBLIC_URL", BASE)
    at = run_briefing(slide="4", present="1", lang="en")
    toggle = at.toggle(key="show_qr")
    assert toggle.value is False and not toggle.proto.disabled
    assert images(at) == []
    toggle.set_value(True).run()
    assert not at.exception
    (image,) = images(at)
    data_url = image.proto.imgs[0].url
    assert data_url.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(data_url.split(",", 1)[1]).decode()
    url = links.public_light_url(BASE, "briefing", links.slide_params(4, "en"))
    assert decoded(svg_png(svg)) == [url]
    assert image.proto.imgs[0].caption == t("qr_caption", "en")


def test_presenter_qr_toggle_says_why_without_the_setting(monkeypatch):
    monkeypatch.delenv("BAODING_PUBLIC_URL", raising=False)
    at = run_briefing(slide="2")
    toggle = at.toggle(key="show_qr")
    assert toggle.proto.disabled
    assert "BAODING_PUBLIC_URL" in toggle.help
