"""The briefing deck as an editable PowerPoint file (python-pptx), for presenters who rework it
in PowerPoint, WPS or LibreOffice before a meeting.

One 16:9 slide per deck slide. Title, key figures (value, unit, year, status), their sources,
the caption and the slide number are native text boxes a presenter can edit; the map is a
picture drawn by the same matplotlib renderer as the PDF (classes, colours, legend, scale bar,
north arrow, hatched no-data), at 300 dpi; the speaker notes go into the slide's notes.

Fonts: every run names Microsoft YaHei as its Latin and East-Asian (``a:ea``) typeface, the
Simplified-Chinese sans that PowerPoint and WPS on Windows have, with its PANOSE and GB2312
charset so Office substitutes a like font where it is missing. Every run is also tagged
Simplified Chinese (``lang``/``altLang`` zh-CN); that is what LibreOffice falls back on: its
substitution list for zh-CN text (VCL.xcu: Source Han Sans SC, Noto Sans SC, Noto Sans CJK SC,
Microsoft YaHei, ...) and fontconfig (``fc-match "Microsoft YaHei:lang=zh-cn"``) both resolve a
missing YaHei to Noto Sans CJK SC, the font of the PDF (checked in tests/test_pptx.py with
pdffonts). OOXML has no per-run list of fonts to try ("A;B" works in LibreOffice but is one
unknown name to Office), so the language tag is the fallback. The theme's fonts are Microsoft
YaHei too, for text a presenter adds in PowerPoint.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from dataclasses import dataclass

import geopandas as gpd
from lxml import etree
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image, ImageChops
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_CONNECTOR, MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from geo.i18n import colon, t
from geo.model import indicators as ind
from geo.model import qr
from geo.model.slides import Deck
from geo.model.themes import DEFAULT_THEME, Theme, get_theme
from geo.render.export import figure, fonts
from geo.render.export.deck import slide_url
from geo.render.export.notes import em_width, wrap_ems
from geo.views.briefing import SlideView, map_title, slide_view, sources_line
from geo.views.figures import figure_mark

FONT = "Microsoft YaHei"
FONT_PANOSE = "020B0503020204020204"
FONT_CHARSET = "-122"  # GB2312, signed as OOXML writes it
FONT_PITCH = "34"  # variable pitch, sans-serif (swiss)
FALLBACK_FONT = "Noto Sans CJK SC"  # what LibreOffice draws a missing YaHei with (see above)
LANG_TAG = {"zh": "zh-CN", "en": "en-US"}
SLIDE_IN = (13.333, 7.5)  # 16:9, PowerPoint's default widescreen size
MAP_BOX = (0.4, 1.12, 7.45, 5.5)  # left, top, width, height in inches
PANEL = (8.1, 1.12, 4.83, 5.5)
QR_BOX = (12.13, 6.67, 0.8)  # left, top, size in inches: the bottom right corner, under the figures
QR_QUIET = 2
MAP_DPI = 300
LINE = 1.45  # single line spacing in ems: Noto Sans CJK's (LibreOffice); YaHei's is less, so text never overflows
INSET = 0.09  # text inset inside a figure card, inches
MIME = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


def _rgb(color: str) -> RGBColor:
    return RGBColor.from_string(color.lstrip("#").upper())


def _set_fonts(rpr: etree._Element, lang: str) -> None:
    """Microsoft YaHei as Latin, East-Asian and complex-script typeface; the run tagged zh-CN for the fallback."""
    for tag in ("a:latin", "a:ea", "a:cs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    # Schema order inside a:rPr: fills and effects, then latin, ea, cs, then hyperlinks.
    anchor = rpr.find(qn("a:hlinkClick"))
    for tag in ("a:latin", "a:ea", "a:cs"):
        el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", FONT)
        el.set("panose", FONT_PANOSE)
        el.set("pitchFamily", FONT_PITCH)
        el.set("charset", FONT_CHARSET)
        if anchor is not None:
            anchor.addprevious(el)
    rpr.set("lang", LANG_TAG[lang])
    rpr.set("altLang", "zh-CN")


def _run(paragraph, text: str, size: float, color: str, lang: str, *, bold: bool = False):
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = _rgb(color)
    _set_fonts(run._r.get_or_add_rPr(), lang)
    return run


def _text_box(slide, box: tuple[float, float, float, float], name: str):
    left, top, width, height = box
    shape = slide.shapes.add_textbox(Inches(left), Inches(top), Inches(width), Inches(height))
    shape.name = name
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    for side in ("left", "right", "top", "bottom"):
        setattr(tf, f"margin_{side}", 0)
    return shape


def _lines(text: str, width_in: float, size: float, margin: float = 0.94) -> int:
    """Lines ``text`` takes at ``size`` points in a box ``width_in`` wide (a margin for font differences)."""
    return len(wrap_ems(text, margin * width_in * 72 / size))


# ---------------------------------------------------------------------------
# The map: the PDF's renderer, drawn at the picture's size on the slide


def _map_picture(
    view: SlideView, counties: gpd.GeoDataFrame, context: gpd.GeoDataFrame | None, lang: str, theme: Theme
) -> bytes:
    """The slide's map as a PNG at ``MAP_DPI``, the same drawing as the PDF's map (one call site,
    so the export's map function can be swapped here alone). Drawn at the size it has on the
    slide, so its type has the same point sizes as the PDF's; the empty band the figure keeps
    for a title and a source line (both native text here) is trimmed off."""
    _, _, w_in, h_in = MAP_BOX
    # map_figure puts the map in 94 % x 80 % of the figure; the rest is trimmed below.
    size = (round(w_in / 0.94 * MAP_DPI), round(h_in / 0.80 * MAP_DPI))
    fig = figure.map_figure(view.map, counties, "", "", lang, theme.name, context, size, MAP_DPI)
    buf = io.BytesIO()
    FigureCanvasAgg(fig).print_png(buf, metadata={"Software": None})
    return _trim(buf.getvalue(), theme.bg)


def _trim(png: bytes, background: str) -> bytes:
    """Cut the margins of the figure's background colour around what is drawn."""
    img = Image.open(io.BytesIO(png)).convert("RGB")
    bbox = ImageChops.difference(img, Image.new("RGB", img.size, background)).getbbox()
    if bbox is None or bbox == (0, 0, *img.size):
        return png
    out = io.BytesIO()
    img.crop(bbox).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _add_map(slide, png: bytes, alt: str) -> None:
    left, top, w_in, h_in = MAP_BOX
    with Image.open(io.BytesIO(png)) as img:
        px_w, px_h = img.size
    scale = min(w_in / px_w, h_in / px_h)
    width, height = px_w * scale, px_h * scale
    pic = slide.shapes.add_picture(
        io.BytesIO(png), Inches(left + (w_in - width) / 2), Inches(top), Inches(width), Inches(height)
    )
    pic.name = "Map"
    pic._element.nvPicPr.cNvPr.set("descr", alt)  # alt text for screen readers and the selection pane


# ---------------------------------------------------------------------------
# Text: title, number, figures, caption, sources, notes


@dataclass(frozen=True)
class _Card:
    label: str
    value: str
    note: str
    source: str


def _card_height(card: _Card, width_in: float, scale: float) -> float:
    """Height in inches of a figure card at ``scale``, from the lines each part needs."""
    inner = width_in - 2 * INSET
    label_pt, value_pt, note_pt, source_pt = 12 * scale, 26 * scale, 12 * scale, 9 * scale
    value_em = em_width(card.value) + (em_width("  " + card.note) * note_pt / value_pt if card.note else 0)
    value_lines = max(1, math.ceil(value_em * value_pt / (0.94 * inner * 72)))
    height_pt = (
        _lines(card.label, inner, label_pt) * label_pt * LINE
        + value_lines * value_pt * LINE
        + _lines(card.source, inner, source_pt) * source_pt * LINE
    )
    return height_pt / 72 + 2 * INSET


def _panel_layout(cards: list[_Card], caption: str) -> tuple[float, list[float], float]:
    """The largest type scale at which the cards and the caption fit the panel; the cards' heights
    and the caption's height at that scale."""
    _, _, width, height = PANEL
    gap = 0.1
    for scale in (1.0, 0.93, 0.86, 0.8, 0.74, 0.68):
        heights = [_card_height(c, width, scale) for c in cards]
        caption_pt = 15 * scale
        caption_h = _lines(caption, width, caption_pt) * caption_pt * LINE / 72
        if sum(heights) + gap * len(cards) + 0.12 + caption_h <= height:
            break
    return scale, heights, caption_h


def _add_card(slide, card: _Card, box: tuple[float, float, float, float], scale: float, theme: Theme, lang: str):
    left, top, width, height = box
    shape = slide.shapes.add_shape(
        MSO_SHAPE.ROUNDED_RECTANGLE, Inches(left), Inches(top), Inches(width), Inches(height)
    )
    shape.name = "Key figure"
    shape.adjustments[0] = 0.06
    shape.fill.solid()
    shape.fill.fore_color.rgb = _rgb(theme.surface)
    shape.line.color.rgb = _rgb(theme.border)
    shape.line.width = Pt(0.75)
    shape.shadow.inherit = False
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.MIDDLE  # the estimate errs on the tall side: spare room splits evenly
    for side in ("left", "right", "top", "bottom"):
        setattr(tf, f"margin_{side}", Inches(INSET))
    label, value, source = tf.paragraphs[0], tf.add_paragraph(), tf.add_paragraph()
    for p in (label, value, source):
        p.alignment = PP_ALIGN.LEFT
    _run(label, card.label, 12 * scale, theme.muted, lang)
    _run(value, card.value, 26 * scale, theme.text, lang, bold=True)
    if card.note:
        _run(value, "  " + card.note, 12 * scale, theme.muted, lang)
    _run(source, card.source, 9 * scale, theme.muted, lang)


def _add_slide_number(slide, number: int, total: int, theme: Theme, lang: str) -> None:
    """The number as a slide-number field (PowerPoint renumbers it when slides move) and the total."""
    shape = _text_box(slide, (11.53, 0.34, 1.4, 0.5), "Slide number")
    p = shape.text_frame.paragraphs[0]
    p.alignment = PP_ALIGN.RIGHT
    field = etree.SubElement(p._p, qn("a:fld"))
    field.set("id", "{B6F15528-21DE-4FAA-801E-634DDDAF4B2B}")
    field.set("type", "slidenum")
    rpr = etree.SubElement(field, qn("a:rPr"))
    etree.SubElement(field, qn("a:t")).text = str(number)
    run = _run(p, f" / {total}", 16, theme.accent, lang, bold=True)
    # The field's look is the run's look.
    rpr.getparent().replace(rpr, etree.fromstring(etree.tostring(run._r.get_or_add_rPr())))


def _add_text(slide, box, text: str, size: float, color: str, lang: str, name: str, *, bold: bool = False):
    shape = _text_box(slide, box, name)
    tf = shape.text_frame
    for i, para in enumerate(text.split("\n")):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        _run(p, para, size, color, lang, bold=bold)
    return shape


def _notes_text(view: SlideView, lang: str) -> str:
    sources = "\n".join(f"· {f.label}{colon(lang)}{f.source}{figure_mark(f)}" for f in view.figures)
    return f"{view.slide.notes(lang) or t('notes_none', lang)}\n\n{t('source', lang)}\n{sources}"


def _set_notes(slide, text: str, lang: str, theme: Theme) -> None:
    tf = slide.notes_slide.notes_text_frame
    for i, para in enumerate(text.split("\n")):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        _run(p, para, 12, "#000000", lang)  # notes pages print on white, whatever the slide's theme


def qr_png(url: str, module_px: int = 12) -> bytes:
    """The code as a PNG, one square of ``module_px`` per module (no smoothing: every edge sharp)."""
    rows = qr.matrix(url)
    n = len(rows) + 2 * QR_QUIET
    img = Image.new("1", (n, n), 1)
    for y, row in enumerate(rows):
        for x, dark in enumerate(row):
            if dark:
                img.putpixel((x + QR_QUIET, y + QR_QUIET), 0)
    out = io.BytesIO()
    img.resize((n * module_px, n * module_px), Image.NEAREST).save(out, format="PNG", optimize=True)
    return out.getvalue()


def _add_qr(slide, url: str, lang: str) -> None:
    left, top, size = QR_BOX
    pic = slide.shapes.add_picture(io.BytesIO(qr_png(url)), Inches(left), Inches(top), Inches(size), Inches(size))
    pic.name = "QR code"
    pic._element.nvPicPr.cNvPr.set("descr", f"{t('qr_caption', lang)}: {url}")


def _build_slide(
    prs, view: SlideView, ds: ind.Dataset, map_png: bytes, theme: Theme, lang: str, qr_url: str | None = None
) -> None:
    slide = prs.slides.add_slide(prs.slide_layouts[6])  # "Blank": no placeholders to clear
    slide.background.fill.solid()
    slide.background.fill.fore_color.rgb = _rgb(theme.bg)
    title_lines = _lines(view.title(lang), 11.0, 26)
    _add_text(
        slide,
        (0.4, 0.3, 11.0, 0.42 * title_lines + 0.1),
        view.title(lang),
        26 if title_lines == 1 else 22,
        theme.text,
        lang,
        "Title",
        bold=True,
    )
    _add_slide_number(slide, view.number, view.total, theme, lang)
    _add_map(slide, map_png, map_title(view, lang))

    cards = [
        _Card(f.label, f.value, f.note, f"{t('source', lang)}{colon(lang)}{f.short_source or f.source}{figure_mark(f)}")
        for f in view.figures
    ]
    scale, heights, caption_h = _panel_layout(cards, view.caption(lang))
    left, top, width, _ = PANEL
    y = top
    for card, h in zip(cards, heights):
        _add_card(slide, card, (left, y, width, h), scale, theme, lang)
        y += h + 0.1
    rule = slide.shapes.add_connector(MSO_CONNECTOR.STRAIGHT, Inches(left), Inches(y), Inches(left + width), Inches(y))
    rule.line.color.rgb = _rgb(theme.border)
    rule.line.width = Pt(0.75)
    _add_text(
        slide, (left, y + 0.12, width, caption_h + 0.05), view.caption(lang), 15 * scale, theme.text, lang, "Caption"
    )

    source = sources_line(view, ds, lang) + " · " + t("export_boundaries", lang)
    width = QR_BOX[0] - 0.15 - 0.4 if qr_url else 12.53  # beside the code, when there is one
    source_h = _lines(source, width, 8) * 8 * LINE / 72
    _add_text(slide, (0.4, 6.72, width, source_h), source, 8, theme.muted, lang, "Sources")
    if qr_url:
        _add_qr(slide, qr_url, lang)
    _set_notes(slide, _notes_text(view, lang), lang, theme)


def _theme_fonts(prs) -> None:
    """Microsoft YaHei as the theme's Latin and East-Asian font, for text a presenter adds."""
    master = prs.slide_master
    theme_part = next(rel.target_part for rel in master.part.rels.values() if rel.reltype.endswith("/theme"))
    root = etree.fromstring(theme_part.blob)
    for font in root.iter(qn("a:majorFont"), qn("a:minorFont")):
        for tag in ("a:latin", "a:ea"):
            font.find(qn(tag)).set("typeface", FONT)
    theme_part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def deck_pptx(
    deck: Deck,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    sites: gpd.GeoDataFrame,
    lang: str,
    theme_name: str = DEFAULT_THEME,
    progress: Callable[[int, int], None] | None = None,
    context: gpd.GeoDataFrame | None = None,
    qr_base: str | None = None,
) -> bytes:
    """The whole deck as a PPTX, one slide per deck slide; ``progress(done, total)`` after each.

    ``context``: the grey neighbours, drawn in the light theme as on screen and in the PDF; ``qr_base``: the
    public address, for a QR code of each slide's light view in its bottom right corner.
    """
    theme = get_theme(theme_name)
    fonts.configure()
    prs = Presentation()
    prs.slide_width, prs.slide_height = Emu(Inches(SLIDE_IN[0])), Emu(Inches(SLIDE_IN[1]))
    _theme_fonts(prs)
    props = prs.core_properties
    props.title = t("app_title", lang)
    props.subject = t("page_briefing", lang)
    props.author = props.last_modified_by = ""
    props.language = LANG_TAG[lang]
    drawn_context = context if theme.name == "light" else None
    for i in range(len(deck)):
        view = slide_view(deck, i, ds, counties, sites, lang, drawn_context)
        _build_slide(
            prs,
            view,
            ds,
            _map_picture(view, counties, drawn_context, lang, theme),
            theme,
            lang,
            slide_url(view, qr_base, lang),
        )
        if progress is not None:
            progress(i + 1, len(deck))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
