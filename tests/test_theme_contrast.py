"""Every slide, both themes, on screen and on paper: the colours actually drawn meet WCAG 1.4.11 and the dark
theme draws the data brightest.

Colours are read from what the renderers build, not from the palette's constants: on screen the built
folium map (the county layer's style data, the hatch pattern's script, the legend's markup, the markers'
icons and the map's style sheet); on paper the matplotlib figure's artists (collections, legend handles,
scatter and its path effects). The rules:

- every class fill, legend swatch and place marker has 3:1 against what it sits on (the map's ground,
  the legend's panel, the county fills under the places), or an edge that has 3:1 against both itself and
  that ground (WCAG 1.4.11 counts an object's boundary);
- a county without data is outlined 3:1 against the ground and its stripes stay legible (1.7:1) on their tint;
- every legend swatch is drawn on the map and every colour on the map has its swatch; the places' swatches
  are the markers (same ring colour and inside);
- dark theme: every class fill is brighter (relative luminance) than any colour of the no-data hatch, and a
  sequential legend runs from quiet to bright.
"""

from __future__ import annotations

import re
from itertools import pairwise
from pathlib import Path

import pytest
from matplotlib.collections import LineCollection, PatchCollection, PathCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

from geo.model.colour import contrast, luminance
from geo.model.themes import THEMES
from geo.render.export import figure, fonts
from geo.render.leaflet.compact import CompactGeoJson, elements_in
from geo.render.leaflet.maps import HatchPattern, LegendControl
from geo.render.leaflet.screens import briefing_frame, slide_layers
from geo.views import briefing

DATA = Path(__file__).resolve().parents[1] / "data"
NON_TEXT = 3.0  # WCAG 1.4.11
STRIPES = 1.7  # the no-data stripes on their ground: quiet, still legible


@pytest.fixture(scope="module")
def slide_views(real):
    return [briefing.slide_view(real.deck, i, real.ds, real.counties, real.sites, "zh") for i in range(len(real.deck))]


def blend(colour: str, alpha: float, under: str) -> str:
    a, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5)), (int(under[i : i + 2], 16) for i in (1, 3, 5))
    return "#" + "".join(f"{round(x * alpha + y * (1 - alpha)):02x}" for x, y in zip(a, b))


def hexed(colour: str) -> str:
    return "#" + "".join(c * 2 for c in colour[1:]).lower() if len(colour) == 4 else colour.lower()


def stands_out(colour: str, under: str, edge: str | None = None) -> bool:
    """Non-text contrast: by its own colour, or by an edge that stands out from both it and its ground."""
    if contrast(colour, under) >= NON_TEXT:
        return True
    return edge is not None and contrast(edge, under) >= NON_TEXT and contrast(edge, colour) >= NON_TEXT


def css_rule(page: str, selector: str, prop: str) -> str:
    """The last value the page's style sheets give ``prop`` in a rule for exactly ``selector``."""
    values = []
    for block in re.findall(r"(?:^|[}>])\s*" + re.escape(selector) + r"\{([^}]*)\}", page):
        values += re.findall(rf"(?:^|;){re.escape(prop)}:([^;!]+)", block)
    assert values, f"no {prop} for {selector}"
    return values[-1].strip()


# ---------------------------------------------------------------------------------------------
# What each renderer draws, read from what it built.


def screen_colours(view, counties, theme: str) -> dict:
    m = briefing_frame(counties, THEMES[theme], "zh")
    layers = slide_layers(view.map, counties, "zh", theme)
    for layer in layers:
        layer.add_to(m)
    page = m.get_root().render()
    ground = hexed(css_rule(page, ".leaflet-container", "background"))
    (hatch,) = elements_in(m, HatchPattern)
    plain = (hatch.bg_json.strip('"'), hatch.line_json.strip('"'))
    tint_line = hatch.tint_line_json.strip('"')
    fills, painted, hatched, border = [], [], [], None
    for layer in elements_in(layers[0], CompactGeoJson):  # the counties (or the city, then its counties' outlines)
        for f in layer.data["f"]:
            style = layer.data["s"][f["i"]]
            fill = style.get("fillColor", "")
            if style.get("fill") is False or not style.get("fillOpacity", 1) or not fill:
                continue
            border = style["color"] if not style.get("dashArray") else border
            if fill.startswith("url(#nodata-hatch"):
                tint = re.fullmatch(r"url\(#nodata-hatch(?:-([0-9a-f]{6}))?\)", fill).group(1)
                hatched.append(plain if tint is None else ("#" + tint, tint_line))
            else:
                fills.append(hexed(fill))
                painted.append(blend(hexed(fill), style["fillOpacity"], ground))
    legends = [
        LegendControl_markup
        for layer in layers
        for LegendControl_markup in (e.markup for e in elements_in(layer, LegendControl))
    ]
    class_legend = legends[0] if view.map.legend is not None else ""
    site_legend = legends[-1] if view.map.site_legend is not None else ""
    swatch_edge = hexed(re.search(r"\.bd-legend i\{[^}]*border:1px solid (#[0-9a-fA-F]{3,6})", page).group(1))
    swatches = [hexed(c) for c in re.findall(r"<i style='background:(#[0-9a-fA-F]{6})'>", class_legend)]
    swatch_hatches = re.findall(
        r"repeating-linear-gradient\(45deg,(#[0-9a-f]{6}) 0 2px,(#[0-9a-f]{6}) 2px", class_legend
    )
    rings = re.findall(
        r"class='bd-ring-swatch' style='border-color:(#[0-9a-fA-F]{6});background:(#[0-9a-fA-F]{6})'", site_legend
    )
    ring_html = [e.options["html"] for e in elements_in(m) if type(e).__name__ == "DivIcon"]
    ring_css = r"class='bd-ring' style='border-color:(#[0-9a-fA-F]{6});background:(#[0-9a-fA-F]{6})'"
    markers = [tuple(hexed(c) for c in found.groups()) for h in ring_html if (found := re.search(ring_css, h))]
    edge = hexed(re.match(r"0 0 0 [\d.]+px (#[0-9a-fA-F]{6})", css_rule(page, ".bd-ring", "box-shadow")).group(1))
    legend_bg = hexed(css_rule(page, ".bd-legend", "background"))
    callout_border = hexed(css_rule(page, ".bd-callout .bd-callout-box", "border-color"))
    return {
        "ground": ground,
        "fills": fills,
        "painted": painted,
        "hatched": hatched,
        "border": hexed(border or "#000000"),
        "swatches": swatches,
        "swatch_hatches": [tuple(reversed(h)) for h in swatch_hatches],
        "swatch_edge": swatch_edge,
        "legend_bg": legend_bg,
        "rings": [(hexed(a), hexed(b)) for a, b in rings],
        "markers": markers,
        "marker_edge": edge,
        "callout_border": callout_border,
    }


def light_view_colours(view, counties, theme: str) -> dict:
    """What the light view (geo/render/svg) paints in ``theme``: its map and legend, the CSS custom properties
    resolved as a browser would under ``<html data-theme=theme>``."""
    from geo.model.palette import HATCH_POOR
    from geo.render.svg import page as light_page
    from geo.render.svg.mapsvg import colour_var, map_svg

    svg = map_svg(view.map, counties, "zh", "map")
    legend = light_page.legend_html(view.map.legend, "zh", sites=view.map.site_legend)
    values = dict(light_page.theme_vars(THEMES[theme]))
    own = re.search(r"<style>:root\{([^}]*)\}:root\[data-theme=dark\]\{([^}]*)\}", svg)
    values |= dict(d.split(":", 1) for d in own.group(1 if theme == "light" else 2).split(";") if d)

    def paint(value: str) -> str:
        while found := re.search(r"var\((--[\w-]+)(?:,([^()]*))?\)", value):
            value = value[: found.start()] + values.get(found.group(1), found.group(2) or "") + value[found.end() :]
        return hexed(value.strip())

    pattern = re.compile(
        r'<pattern id="([\w-]+)"[^>]*><rect [^>]*style="fill:([^"]+)"/><rect [^>]*style="fill:([^"]+)"/>'
    )
    patterns = {pid: (paint(bg), paint(line)) for pid, bg, line in pattern.findall(svg)}
    fills = [paint(f) for f in re.findall(r'<path (?:id="c\d+"|class="city") d="[^"]*" style="fill:([^"]+)"', svg)]
    hatched = [patterns[p] for p in re.findall(r'<path id="c\d+" d="[^"]*" fill="url\(#([\w-]+)\)"', svg)]
    sites_title = view.map.site_legend.title if view.map.site_legend is not None else "\x00"
    class_legend, _, site_legend = legend.partition(f'<p class="kicker">{light_page.esc(sites_title)}')
    swatches = [paint(c) for c in re.findall(r'<span class="sw " style="background:([^"]+)"', class_legend)]
    hatch_keys = {
        "hatch": ("var(--m-hatch-bg)", "var(--m-hatch-line)"),
        "hatch-poor": (colour_var(HATCH_POOR), "var(--m-hatch-tint)"),
    }
    keys = re.findall(r'<span class="sw (hatch|hatch-poor)"', class_legend)
    swatch_hatches = [(paint(hatch_keys[k][0]), paint(hatch_keys[k][1])) for k in keys]
    marker = re.compile(r'<circle [^>]*style="stroke:([^;]+);fill:([^"]+)"')
    markers = [(paint(ring), paint(inside)) for ring, inside in marker.findall(svg)]
    inside_of = dict(markers)
    # The legend's dot is the ring (the light view's legend has no filled/hollow key of its own).
    dots = [paint(c) for c in re.findall(r'<span class="sw dot" style="border-color:([^"]+)"', site_legend)]
    rings = [(r, inside_of.get(r, paint("var(--m-site-hollow)"))) for r in dots]
    edge = values["--m-site-edge"] if '<circle class="edge"' in svg else None
    return {
        "ground": values["--map-bg"],
        "fills": fills,
        "painted": fills,
        "hatched": hatched,
        "border": values["--m-border"],
        "swatches": swatches,
        "swatch_hatches": swatch_hatches,
        "swatch_edge": values["--m-swatch-edge"],
        "legend_bg": values["--bg"],
        "rings": rings,
        "markers": markers,
        "marker_edge": edge,
        "callout_border": values["--legend-text"] if view.map.callouts else None,
    }


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_slide_in_the_light_view_meets_non_text_contrast(real, slide_views, theme):
    """The light view's SVG follows the theme (issue 20): no bright hatch on the dark ground, the same rules."""
    counties, views = real.counties, slide_views
    found = {}
    for view in views:
        drawn = light_view_colours(view, counties, theme)
        if theme == "dark":
            assert "#f2f2f2" not in {c for pair in drawn["hatched"] for c in pair}, view.number
        if issues := problems(drawn, theme, light_classes(view)):
            found[view.number] = issues
    assert found == {}


def test_the_light_view_draws_the_screens_colours(real, slide_views):
    """Class fills, hatches and place rings of the light view are those of the slide on screen, in both themes."""
    counties, views = real.counties, slide_views
    for view in views:
        for theme in ("light", "dark"):
            screen, svg = screen_colours(view, counties, theme), light_view_colours(view, counties, theme)
            assert set(svg["fills"]) == set(screen["fills"]), (view.number, theme)
            assert set(svg["hatched"]) == set(screen["hatched"]), (view.number, theme)
            assert {r for r, _ in svg["markers"]} == {r for r, _ in screen["markers"]}, (view.number, theme)


def paper_colours(view, counties, theme: str) -> dict:
    fonts.configure()
    fig = Figure(figsize=(6.4, 4.8), dpi=60, facecolor=THEMES[theme].bg)
    ax = fig.add_axes((0, 0, 1, 1))
    figure.draw_map(ax, view.map, counties, THEMES[theme], "zh")
    ground = to_hex(ax.get_facecolor())
    fills, hatched, border, markers, edge = [], [], None, [], None
    for c in ax.collections:
        if isinstance(c, PatchCollection) and c.get_zorder() == 2:
            faces = [to_hex(x) for x in c.get_facecolor()]
            if c.get_hatch():
                lines = [to_hex(x) for x in (c.get_hatchcolor() if hasattr(c, "get_hatchcolor") else c.get_edgecolor())]
                hatched += list(zip(faces, lines if len(lines) == len(faces) else lines * len(faces)))
            else:
                fills += faces
        elif isinstance(c, LineCollection) and c.get_zorder() == 3:
            border = to_hex(c.get_color()[0])
        elif isinstance(c, PathCollection) and c.get_zorder() == 5:
            markers = list(zip((to_hex(x) for x in c.get_edgecolor()), (to_hex(x) for x in c.get_facecolor())))
            edge = to_hex(c.get_path_effects()[0]._gc["foreground"])
    legend = ax.get_legend()
    swatches, swatch_hatches, rings, swatch_edge = [], [], [], None
    legend_bg = ground
    if legend is not None:
        legend_bg = blend(to_hex(legend.get_frame().get_facecolor()), legend.get_frame().get_alpha() or 1, ground)
        for h in legend.legend_handles:
            if isinstance(h, Patch) and h.get_fill() and h.get_facecolor()[3] > 0:
                if h.get_hatch():
                    swatch_hatches.append((to_hex(h.get_facecolor()), to_hex(h.get_edgecolor())))
                elif h._unscaled_dash_pattern[1] is None:  # solid: not the dashed/dotted outline keys
                    swatches.append(to_hex(h.get_facecolor()))
                    swatch_edge = to_hex(h.get_edgecolor())
            elif isinstance(h, Line2D) and h.get_marker() == "o":
                rings.append((to_hex(h.get_markeredgecolor()), to_hex(h.get_markerfacecolor())))
    return {
        "ground": ground,
        "fills": fills,
        "painted": fills,
        "hatched": hatched,
        "border": border,
        "swatches": swatches,
        "swatch_hatches": swatch_hatches,
        "swatch_edge": swatch_edge,
        "legend_bg": legend_bg,
        "rings": rings,
        "markers": markers,
        "marker_edge": edge,
        "callout_border": None,
    }


# ---------------------------------------------------------------------------------------------
# The rules.


def problems(drawn: dict, theme: str, light_classes: list[str]) -> list[str]:
    out = []
    ground, border = drawn["ground"], drawn["border"]
    for fill in set(drawn["painted"]):
        if not stands_out(fill, ground, border):
            out.append(f"class fill {fill} on ground {ground} (border {border})")
    for tint, stripe in set(drawn["hatched"]):
        if contrast(border, ground) < NON_TEXT or contrast(border, tint) < NON_TEXT:
            out.append(f"no-data county {tint} not outlined by {border} on {ground}")
        if contrast(stripe, tint) < STRIPES:
            out.append(f"stripes {stripe} on {tint}: {contrast(stripe, tint):.2f}")
    for swatch in drawn["swatches"]:
        if not stands_out(swatch, drawn["legend_bg"], drawn["swatch_edge"]):
            out.append(f"swatch {swatch} on legend {drawn['legend_bg']} (edge {drawn['swatch_edge']})")
    unders = set(drawn["painted"]) | {t for t, _ in drawn["hatched"]} or {ground}
    for ring, _inside in set(drawn["markers"]):
        for under in unders:
            if not stands_out(ring, under, drawn["marker_edge"]):
                out.append(f"marker {ring} on {under} (edge {drawn['marker_edge']})")
    for ring, _inside in set(drawn["rings"]):
        if not stands_out(ring, drawn["legend_bg"], drawn["marker_edge"]):
            out.append(f"place swatch {ring} on legend {drawn['legend_bg']}")
    if drawn["callout_border"] and contrast(drawn["callout_border"], ground) < NON_TEXT:
        out.append(f"callout border {drawn['callout_border']} on {ground}")
    # The legend is what the map draws.
    if set(drawn["swatches"]) != set(drawn["fills"]) and drawn["fills"]:
        out.append(f"legend swatches {sorted(set(drawn['swatches']))} != map fills {sorted(set(drawn['fills']))}")
    if set(drawn["swatch_hatches"]) != set(drawn["hatched"]):
        out.append(f"legend hatches {set(drawn['swatch_hatches'])} != map hatches {set(drawn['hatched'])}")
    if set(drawn["rings"]) - set(drawn["markers"]) or {r for r, _ in drawn["markers"]} - {r for r, _ in drawn["rings"]}:
        out.append(f"place swatches {set(drawn['rings'])} != markers {set(drawn['markers'])}")
    if theme == "dark":
        quiet = [c for pair in drawn["hatched"] for c in pair]
        data = drawn["painted"]
        if quiet and data and min(map(luminance, data)) <= max(map(luminance, quiet)):
            out.append(f"data {min(data, key=luminance)} not brighter than no data {max(quiet, key=luminance)}")
        lum = [luminance(c) for c in light_classes]
        if len(lum) >= 2 and all(a > b for a, b in pairwise(lum)):  # a light sequential ramp ...
            dark = [luminance(c) for c in drawn["swatches"]]
            if not all(a < b for a, b in pairwise(dark)):  # ... runs quiet to bright on the dark ground
                out.append(f"sequential legend not quiet to bright: {drawn['swatches']}")
    return out


def light_classes(view) -> list[str]:
    legend = view.map.legend
    return [e.color for e in legend.entries if e.swatch == "fill"] if legend else []


@pytest.mark.parametrize("medium", ["screen", "paper"])
@pytest.mark.parametrize("theme", ["light", "dark"])
def test_every_slide_meets_non_text_contrast(real, slide_views, theme, medium):
    colours_of = screen_colours if medium == "screen" else paper_colours
    found = {}
    for view in slide_views:
        if issues := problems(colours_of(view, real.counties, theme), theme, light_classes(view)):
            found[view.number] = issues
    assert found == {}


def test_screen_and_paper_draw_the_same_colours(real, slide_views):
    for view in slide_views:
        for theme in ("light", "dark"):
            screen, paper = screen_colours(view, real.counties, theme), paper_colours(view, real.counties, theme)
            assert set(screen["swatches"]) == set(paper["swatches"]), (view.number, theme)
            assert set(screen["hatched"]) == set(paper["hatched"]), (view.number, theme)
            assert set(screen["rings"]) == set(paper["rings"]), (view.number, theme)


def test_the_rules_would_catch_the_old_dark_slide():
    """Slide 3 as the dark theme drew it before: dark-blue data on navy, white hatching, a black site swatch."""
    old = {
        "ground": "#1d2a3d",
        "fills": ["#0072b2"],
        "painted": [blend("#0072b2", 0.85, "#1d2a3d")],
        "hatched": [("#f2f2f2", "#9e9e9e")],
        "border": "#4d4d4d",
        "swatches": ["#0072b2"],
        "swatch_hatches": [("#f2f2f2", "#9e9e9e")],
        "swatch_edge": "#777777",
        "legend_bg": "#0f1a2b",
        "rings": [("#000000", "#000000")],
        "markers": [("#000000", "#ffffff")],
        "marker_edge": "#ffffff",
        "callout_border": "#f5f7fa",
    }
    found = " | ".join(problems(old, "dark", ["#0072b2"]))
    assert "class fill" in found and "not brighter than no data" in found and "place swatches" in found
