"""The light view's page: one view result laid out as plain, self-contained HTML.

Mobile first (one column on a phone, map beside the figures on a desktop), both themes from
geo.model.themes (checked for contrast there) as CSS variables, the dark one by ``theme=dark`` or the
phone's own setting. Every text from the data or the link is escaped here; nothing runs in the page.
The server (geo/server/light.py) decides what goes in (view results, notices, links); this module only
draws it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from geo.i18n import colon, paren, t
from geo.model.classify import Legend, LegendEntry
from geo.model.palette import (
    HATCH_POOR,
    HATCH_POOR_SWATCH,
    PLANNED_SWATCH,
    SELECTED,
    XIONGAN_SWATCH,
)
from geo.model.themes import THEMES, Theme
from geo.render.svg.mapsvg import AUTO_DARK, DARK_SELECTOR, colour_var, declarations, esc, map_vars
from geo.views.figures import KeyFigure

HTML_LANG = {"zh": "zh-CN", "en": "en"}
FONTS = (
    'system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Source Han Sans SC",'
    '"Microsoft YaHei",sans-serif'
)


@dataclass(frozen=True)
class Link:
    label: str
    href: str
    current: bool = False


@dataclass(frozen=True)
class Swatch:
    """A legend line the view result does not carry itself: an outline drawn by an option (poor counties…)."""

    label: str
    color: str
    kind: str = "outline"  # outline: a strong line round a group; selected: the selection's outline


@dataclass
class Chrome:
    """What surrounds a view: where the page sits among the others, and the links out of it."""

    lang: str
    theme: str  # "auto" (the phone decides), "light" or "dark"
    pages: list[Link]
    languages: list[Link]
    themes: list[Link]
    interactive: str  # the same view in the app
    notices: list[str] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)


CONTEXT = {"light": ("#e9e8e4", "#b5b3ad", "#5f5d58"), "dark": ("#26344a", "#3b4b63", "#c9d3e0")}  # fill, line, text
WARN = {"light": ("#fff4d6", "#4a3500"), "dark": ("#3a2f0b", "#ffe7a3")}  # notice: background, text


def theme_vars(theme: Theme) -> dict[str, str]:
    """Every colour of the page and its map in ``theme``, as CSS custom properties."""
    c = theme.colors()
    ctx, warn = CONTEXT[theme.name], WARN[theme.name]
    return {
        "--bg": c["bg"],
        "--surface": c["surface"],
        "--text": c["text"],
        "--muted": c["muted"],
        "--accent": c["accent"],
        "--border": c["border"],
        "--map-bg": c["map_bg"],
        "--legend-bg": c["legend_bg"],
        "--legend-text": c["legend_text"],
        "--halo": c["halo"],
        "--ctx-fill": ctx[0],
        "--ctx-line": ctx[1],
        "--ctx-text": ctx[2],
        "--warn-bg": warn[0],
        "--warn-text": warn[1],
        **map_vars(theme.name),
        "color-scheme": theme.name,
    }


def style() -> str:
    light, dark = declarations(theme_vars(THEMES["light"])), declarations(theme_vars(THEMES["dark"]))
    return (
        f":root{{{light}}}{DARK_SELECTOR}{{{dark}}}{AUTO_DARK % dark}"
        "*{box-sizing:border-box}"
        f"html{{-webkit-text-size-adjust:100%}}body{{margin:0;background:var(--bg);color:var(--text);font-family:{FONTS};"
        "font-size:16px;line-height:1.55}"
        "a{color:var(--accent)}a:focus-visible{outline:3px solid var(--accent);outline-offset:2px}"
        "header.top{border-bottom:1px solid var(--border);background:var(--surface)}"
        ".bar{max-width:1180px;margin:0 auto;padding:10px 16px;display:flex;flex-wrap:wrap;gap:6px 14px;"
        "align-items:center;justify-content:space-between}"
        ".brand{font-weight:700;font-size:15px;line-height:1.3;margin:0}.brand small{display:inline-block;"
        "margin-left:6px;padding:1px 7px;border:1px solid var(--border);border-radius:99px;font-weight:600;"
        "font-size:12px;color:var(--muted)}"
        "nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:4px}"
        "nav a{display:inline-block;padding:6px 10px;min-height:36px;border-radius:8px;text-decoration:none;"
        "color:var(--text);font-size:14px}nav a[aria-current]{background:var(--accent);color:var(--bg);font-weight:700}"
        "nav a:hover{text-decoration:underline}"
        ".pages{max-width:1180px;margin:0 auto;padding:0 10px 8px}"
        "main{max-width:1180px;margin:0 auto;padding:12px 16px 28px}"
        "h1{font-size:1.45rem;line-height:1.25;margin:.4rem 0 .2rem}h2{font-size:1.08rem;margin:1.3rem 0 .5rem}"
        ".kicker{color:var(--muted);font-size:.9rem;margin:0}"
        ".notice{background:var(--warn-bg);color:var(--warn-text);border-radius:8px;padding:8px 12px;margin:8px 0;"
        "font-size:.95rem;overflow-wrap:anywhere}"
        ".layout{display:grid;gap:8px 28px}"
        "@media (min-width:900px){.layout{grid-template-columns:minmax(0,3fr) minmax(0,2fr);align-items:start}"
        ".layout>.side{padding-top:.4rem}}"
        "figure{margin:.5rem 0 0}"
        "svg.map{display:block;width:100%;height:auto;max-height:78vh;border:1px solid var(--border);"
        "border-radius:10px;background:var(--map-bg);--k:1}"
        "@media (min-width:520px){svg.map{--k:.8}}@media (min-width:900px){svg.map{--k:.62}}"
        "figcaption{color:var(--muted);font-size:.88rem;margin-top:.45rem}"
        ".open{display:inline-flex;align-items:center;gap:8px;margin:12px 0 4px;padding:10px 16px;min-height:44px;"
        "border-radius:10px;background:var(--accent);color:var(--bg);font-weight:700;text-decoration:none}"
        ".open:hover{text-decoration:underline}"
        ".legend ul{list-style:none;margin:0;padding:0;display:grid;gap:5px}"
        ".legend li{display:flex;gap:9px;align-items:center;font-size:.93rem;line-height:1.3}"
        ".legend .n{color:var(--muted)}.legend .note{color:var(--muted);font-size:.85rem;margin:.4rem 0 0}"
        ".sw{flex:0 0 auto;width:22px;height:16px;border-radius:3px;border:1px solid var(--m-swatch-edge)}"
        ".sw.hatch{background:repeating-linear-gradient(45deg,var(--m-hatch-bg) 0 3px,var(--m-hatch-line) 3px 5px)}"
        f".sw.hatch-poor{{background:repeating-linear-gradient(45deg,{colour_var(HATCH_POOR)} 0 3px,"
        "var(--m-hatch-tint) 3px 5px)}"
        ".sw.planned{background:var(--m-site-hollow);border:2px dashed var(--m-planned)}"
        ".sw.xiongan{background:var(--m-site-hollow);border:2.5px dotted var(--m-xiongan)}"
        ".sw.outline{background:transparent;border-width:3px}"
        ".sw.dot{width:16px;height:16px;border-radius:50%;border-width:3.5px;background:var(--m-site-hollow)}"
        "h3{font-size:.98rem;margin:1rem 0 .4rem;color:var(--muted)}"
        ".cards{list-style:none;margin:0;padding:0;display:grid;gap:10px;"
        "grid-template-columns:repeat(auto-fill,minmax(200px,1fr))}"
        ".card{background:var(--surface);border:1px solid var(--border);border-radius:10px;padding:10px 12px}"
        ".card .lab{margin:0;color:var(--muted);font-size:.85rem;line-height:1.3}"
        ".card .val{margin:.15rem 0;font-size:1.35rem;font-weight:700;line-height:1.2;overflow-wrap:anywhere}"
        ".card .val small{font-size:.8rem;font-weight:400;color:var(--muted);margin-left:6px}"
        ".card .src{margin:0;color:var(--muted);font-size:.78rem;line-height:1.35;overflow-wrap:anywhere}"
        ".caption{font-size:1.05rem;line-height:1.6;margin:.9rem 0}"
        "details{margin:1rem 0;border:1px solid var(--border);border-radius:10px;padding:0 12px}"
        "summary{cursor:pointer;padding:10px 0;font-weight:700}"
        ".scroll{overflow-x:auto;margin-bottom:10px}"
        "table{border-collapse:collapse;width:100%;min-width:540px;font-size:.88rem}"
        "th,td{text-align:left;vertical-align:top;padding:6px 8px;border-top:1px solid var(--border)}"
        "th{color:var(--muted);font-weight:600}td.src{color:var(--muted);font-size:.8rem;min-width:12rem}"
        ".slides ol{list-style:none;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:6px}"
        ".slides a{display:inline-block;min-width:40px;min-height:40px;line-height:40px;text-align:center;"
        "border:1px solid var(--border);border-radius:8px;text-decoration:none;color:var(--text)}"
        ".slides a[aria-current]{background:var(--accent);color:var(--bg);font-weight:700;border-color:var(--accent)}"
        ".steps{display:flex;justify-content:space-between;gap:10px;margin:12px 0}"
        ".steps a{padding:8px 12px;min-height:44px;display:inline-flex;align-items:center;"
        "border:1px solid var(--border);border-radius:10px;text-decoration:none;color:var(--text)}"
        "footer{max-width:1180px;margin:0 auto;padding:14px 16px 30px;color:var(--muted);font-size:.8rem;"
        "border-top:1px solid var(--border)}footer p{margin:.25rem 0}"
        # The map's own parts (geo.render.svg.mapsvg): theme colours, type sized from --u and --k.
        ".map .bg{fill:var(--map-bg)}"
        ".map .ctx path{fill:var(--ctx-fill);stroke:var(--ctx-line);stroke-width:.6px;vector-effect:non-scaling-stroke}"
        ".map .ctx-names text{fill:var(--ctx-text);font-size:calc(var(--u)*var(--k)*10.5px);text-anchor:middle;"
        "dominant-baseline:middle}"
        ".map .halo{fill:none;stroke:var(--halo);stroke-width:3.2px;vector-effect:non-scaling-stroke}"
        ".map .city{stroke:none}"
        ".map .counties path{stroke:var(--m-border);stroke-width:.7px;vector-effect:non-scaling-stroke;"
        "stroke-linejoin:round}"
        ".map .planned{fill:none;stroke:var(--m-planned);stroke-width:1.8px;stroke-dasharray:5 3;"
        "vector-effect:non-scaling-stroke}"
        ".map .group{fill:none;stroke-width:2.6px;vector-effect:non-scaling-stroke;stroke-linejoin:round}"
        ".map .xiongan{fill:none;stroke:var(--m-xiongan);stroke-width:2.2px;stroke-dasharray:.5 4;stroke-linecap:round;"
        "vector-effect:non-scaling-stroke}"
        ".map .sel{fill:none;stroke-width:3.5px;vector-effect:non-scaling-stroke;stroke-linejoin:round}"
        ".map .names text{font-size:calc(var(--u)*var(--k)*12.5px);font-weight:700;fill:var(--m-label);"
        "stroke:var(--m-label-halo);stroke-width:calc(var(--u)*var(--k)*3px);stroke-linejoin:round;"
        "paint-order:stroke;text-anchor:middle;dominant-baseline:middle}"
        ".map .names .v{font-weight:400;fill:var(--m-label-small)}"
        ".map .sites circle{stroke-width:2.6px;vector-effect:non-scaling-stroke}"
        # A thin line round every place's ring, as on the interactive map: it stands out from any fill.
        ".map .sites .edge{fill:none;stroke:var(--m-site-edge);stroke-width:4.6px}"
        ".map .symbols circle{fill:var(--m-symbol);fill-opacity:.62;stroke:var(--m-symbol-edge);stroke-width:1px;"
        "vector-effect:non-scaling-stroke}"
        ".map .callouts rect{fill:var(--legend-bg);stroke:var(--legend-text);stroke-width:1.1px;"
        "vector-effect:non-scaling-stroke}.map .callouts line{stroke:var(--legend-text);stroke-width:1.3px;"
        "vector-effect:non-scaling-stroke}.map .callouts .anchor{fill:var(--legend-text)}"
        ".map .callouts text{fill:var(--legend-text);font-size:calc(var(--u)*13px);font-weight:700;text-anchor:middle}"
    )


def _nav(label: str, links: Sequence[Link], cls: str = "") -> str:
    items = "".join(
        f'<li><a href="{esc(link.href)}"{" aria-current=page" if link.current else ""}>{esc(link.label)}</a></li>'
        for link in links
    )
    return f'<nav aria-label="{esc(label)}"{f" class={cls}" if cls else ""}><ul>{items}</ul></nav>'


def document(chrome: Chrome, title: str, body: str) -> str:
    """The whole page around ``body`` (the view's part of ``<main>``)."""
    lang = chrome.lang
    notices = "".join(f'<p class="notice" role="note">{esc(n)}</p>' for n in chrome.notices)
    footer = "".join(f"<p>{esc(line)}</p>" for line in chrome.footer)
    return (
        f'<!doctype html><html lang="{HTML_LANG.get(lang, lang)}" data-theme="{esc(chrome.theme)}"><head>'
        '<meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="color-scheme" content="light dark">'
        f'<meta name="description" content="{esc(t("light_intro", lang))}">'
        f"<title>{esc(title)} · {esc(t('app_title', lang))}</title><style>{style()}</style></head><body>"
        '<header class="top"><div class="bar">'
        f'<p class="brand">{esc(t("app_title", lang))}<small>{esc(t("light_badge", lang))}</small></p>'
        f"{_nav(t('light_settings', lang), [*chrome.languages, *chrome.themes])}</div>"
        f'<div class="pages">{_nav(t("light_pages", lang), chrome.pages)}</div></header>'
        f'<main id="main">{notices}{body}'
        f'<p class="kicker">{esc(t("light_intro", lang))}</p></main>'
        f"<footer>{footer}</footer></body></html>"
    )


def _swatch_class(entry: LegendEntry) -> tuple[str, str]:
    """(class, inline style) of a legend key."""
    special = {"hatch": "hatch", HATCH_POOR_SWATCH: "hatch-poor", PLANNED_SWATCH: "planned", XIONGAN_SWATCH: "xiongan"}
    if entry.swatch in special:
        return special[entry.swatch], ""
    return "", f"background:{colour_var(entry.color)}"


def legend_html(
    legend: Legend | None, lang: str, extra: Sequence[Swatch] = (), sites: Legend | None = None, heading: str = ""
) -> str:
    """The map's legend as a list: each class with its count, then outlines, then places."""
    if legend is None and sites is None and not extra:
        return ""
    title = esc(heading or t("light_legend", lang))
    parts = [f'<section class="legend" aria-labelledby="legend-h"><h2 id="legend-h">{title}</h2>']
    if legend is not None:
        parts.append(f'<p class="kicker">{esc(legend.title)}</p><ul>')
        for e in legend.entries:
            cls, css = _swatch_class(e)
            count = f' <span class="n">{esc(paren(e.count, lang))}</span>' if e.count is not None else ""
            parts.append(
                f'<li><span class="sw {cls}" style="{esc(css)}" aria-hidden="true"></span>'
                f"<span>{esc(e.label)}{count}</span></li>"
            )
        parts.append("</ul>")
    if extra:
        parts.append("<ul>")
        for s in extra:
            color = SELECTED if s.kind == "selected" else s.color
            parts.append(
                f'<li><span class="sw outline" style="border-color:{esc(colour_var(color))}" aria-hidden="true"></span>'
                f"<span>{esc(s.label)}</span></li>"
            )
        parts.append("</ul>")
    if legend is not None and legend.note:
        parts.append(f'<p class="note">{esc(legend.note)}</p>')
    if sites is not None:
        parts.append(f'<p class="kicker">{esc(sites.title)}</p><ul>')
        for e in sites.entries:
            count = f' <span class="n">{esc(paren(e.count, lang))}</span>' if e.count is not None else ""
            parts.append(
                f'<li><span class="sw dot" style="border-color:{esc(colour_var(e.color))}" '
                f'aria-hidden="true"></span><span>{esc(e.label)}{count}</span></li>'
            )
        parts.append("</ul>")
        if sites.note:
            parts.append(f'<p class="note">{esc(sites.note)}</p>')
    parts.append("</section>")
    return "".join(parts)


def figures_html(figures: Sequence[KeyFigure], lang: str, heading: str) -> str:
    """Sourced key figures as cards: label, value with its year, and the source under it."""
    if not figures:
        return ""
    return f'<section aria-labelledby="figs-h"><h2 id="figs-h">{esc(heading)}</h2>{_cards(figures, lang)}</section>'


def _cards(figures: Sequence[KeyFigure], lang: str) -> str:
    cards = []
    for f in figures:
        note = f"<small>{esc(f.note)}</small>" if f.note else ""
        source = f.short_source or f.source
        cards.append(
            f'<li class="card"><p class="lab">{esc(f.label)}</p><p class="val">{esc(f.value)}{note}</p>'
            f'<p class="src">{esc(t("source", lang))}{esc(colon(lang))}{esc(source)}</p></li>'
        )
    return f'<ul class="cards">{"".join(cards)}</ul>'


def table_html(frame: pd.DataFrame, caption: str, source_col: str | None = None, *, open_: bool = False) -> str:
    """A table from a view result (as text, in a fold): the map as text, a county's figures."""
    if frame is None or frame.empty:
        return ""
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in frame.columns)
    rows = []
    for rec in frame.itertuples(index=False):
        cells = []
        for col, value in zip(frame.columns, rec):
            shown = "" if value is None or (isinstance(value, float) and pd.isna(value)) else value
            cells.append(f"<td{' class=src' if col == source_col else ''}>{esc(shown)}</td>")
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return (
        f"<details{' open' if open_ else ''}><summary>{esc(caption)}</summary>"
        f'<div class="scroll" role="region" aria-label="{esc(caption)}" tabindex="0"><table>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div></details>"
    )


def open_link(chrome: Chrome) -> str:
    """The way back to the full app: the same view, interactive."""
    return f'<p><a class="open" href="{esc(chrome.interactive)}">{esc(t("light_open_app", chrome.lang))} →</a></p>'


def map_block(svg: str, heading: str, caption_lines: Sequence[str], kicker: str, after: str = "") -> str:
    """Heading, the map with its caption, and what follows it (the link to the same view in the app)."""
    caps = "".join(f"<span>{esc(c)}</span><br>" for c in caption_lines if c)
    return (
        f'<p class="kicker">{esc(kicker)}</p>' if kicker else ""
    ) + f"<h1>{esc(heading)}</h1><figure>{svg}<figcaption>{caps}</figcaption></figure>{after}"


def figure_groups_html(groups: Sequence[tuple[str, Sequence[KeyFigure]]], lang: str, heading: str) -> str:
    """Many sourced figures in groups (a county's figures by programme): a heading and cards per group."""
    if not groups:
        return ""
    parts = [f'<section aria-labelledby="groups-h"><h2 id="groups-h">{esc(heading)}</h2>']
    for title, figures in groups:
        parts.append(f"<h3>{esc(title)}</h3>")
        parts.append(_cards(figures, lang))
    parts.append("</section>")
    return "".join(parts)


def slide_nav(links: Sequence[Link], lang: str, prev: Link | None, next_: Link | None) -> str:
    """Previous and next, then every slide's number (the current one marked)."""
    back = f'<a href="{esc(prev.href)}" rel="prev">← {esc(prev.label)}</a>' if prev else "<span></span>"
    forth = f'<a href="{esc(next_.href)}" rel="next">{esc(next_.label)} →</a>' if next_ else "<span></span>"
    items = "".join(
        f'<li><a href="{esc(link.href)}"{" aria-current=page" if link.current else ""}>{esc(link.label)}</a></li>'
        for link in links
    )
    label = esc(t("light_slides", lang))
    return f'<div class="steps">{back}{forth}</div><nav class="slides" aria-label="{label}"><ol>{items}</ol></nav>'
