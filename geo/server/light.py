"""The light view: ``/light/P?Q`` is app page P with query Q as one plain HTML page, drawn on the server.

For phones in chat apps, old WebViews, JavaScript off, slow links. It takes exactly the app's own query
parameters, checked as the app checks them (geo.web.params.resolve / parse_county_list against the
same valid values): a bad or hostile value gets the default and the app's notice, as text. The views
are the app's (geo.views.*), drawn by geo.render.svg.

One render serves a room of phones: the response is kept per data version and query, sent gzipped,
with an ``ETag`` made of the store's version, the slides file, the query and this renderer's code,
and ``Cache-Control: public`` so a proxy in between may serve it too (revalidating after MAX_AGE_S;
an unchanged view answers 304).
"""

from __future__ import annotations

import gzip
import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from geo.i18n import DEFAULT_LANG, LANGS, STRINGS, t
from geo.model import indicators as ind
from geo.model import slides, themes
from geo.model.classify import DEFAULT_SCHEME, SCHEMES
from geo.model.palette import POOR_OUTLINE, YT_OUTLINE
from geo.render.svg import page as html
from geo.render.svg.mapsvg import map_svg
from geo.server import data as server_data
from geo.server.degrade import why_notice
from geo.views import briefing, links
from geo.views import county as profile
from geo.views import overview as views
from geo.views.common import county_names
from geo.web.params import parse_county_list, resolve

MAX_AGE_S = 30
KEPT = 64  # rendered pages kept (both encodings), newest first out last
AUTO = "auto"  # no theme in the link: the phone's own light or dark setting
SELECTION_PAGES = frozenset({"overview", "county", "programmes", "sources"})  # as geo.web.frame
LIGHT_PAGES = ("overview", "county", "briefing")
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"


def _code_revision() -> str:
    """This renderer's code: a new release makes new ETags, so no proxy keeps an old page."""
    h = hashlib.sha256()
    for folder in (Path(__file__).parent, Path(html.__file__).parent):
        for path in sorted(folder.glob("*.py")):
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


REVISION = _code_revision()


# ---------------------------------------------------------------------------
# The link, checked as the app checks it


class Query:
    """The link's parameters, each checked once; rejected values collected as the app's notices, in its order."""

    def __init__(self, raw: Mapping[str, str]):
        self.raw = raw
        self.bad: list[tuple[str, str]] = []  # (UI string key or parameter, rejected value)

    def one(self, key: str, valid, default: str, label: str | None = None) -> str:
        r = resolve(self.raw.get(key), valid, default)
        if r.rejected:
            self.bad.append((label or key, r.rejected))
        return r.value

    def counties(self, key: str, valid) -> list[str]:
        good, bad = parse_county_list(self.raw.get(key), valid)
        if bad:
            self.bad.append((key, ",".join(bad)))
        return good

    def notices(self, lang: str) -> list[str]:
        return [t("unknown_param", lang, param=t(k, lang) if k in STRINGS else k, value=v) for k, v in self.bad]


@dataclass
class State:
    """What every light page shares: language, colours, selection, and the canonical parameters of the view."""

    page: str
    lang: str
    theme: str
    selection: list[str]
    params: dict[str, str]  # the view's own parameters, defaults left out (as the app writes its links)
    # Where the link back to the app goes in the body: known only once the view's parameters are checked.
    open_mark: str = field(default_factory=lambda: f"<!--open-{secrets.token_hex(8)}-->")


def _base_path() -> str:
    try:
        from streamlit import config

        base = (config.get_option("server.baseUrlPath") or "").strip("/")
    except Exception:  # outside a Streamlit server (tests calling the route directly)
        base = ""
    return f"/{base}" if base else ""


def _href(path: str, params: Mapping[str, str]) -> str:
    return links.with_query(f"{_base_path()}{path}", params)


def _chrome(state: State, data: server_data.Data, q: Query) -> html.Chrome:
    lang = state.lang
    shared = {"lang": lang if lang != DEFAULT_LANG else "", "theme": state.theme if state.theme != AUTO else ""}
    selection = ",".join(state.selection)

    def light(page: str, **params: str) -> str:
        keep = {**shared, **({"county": selection} if page in SELECTION_PAGES and selection else {}), **params}
        return _href(f"/{links.LIGHT}/{page}", keep)

    current = {**state.params, **({"county": selection} if state.page in SELECTION_PAGES and selection else {})}
    pages = [html.Link(t(f"page_{p}", lang), light(p), p == state.page) for p in LIGHT_PAGES]
    languages = [
        html.Link(
            t(f"lang_{code}", lang),
            _href(
                f"/{links.LIGHT}/{state.page}",
                {**current, "lang": code if code != DEFAULT_LANG else "", "theme": shared["theme"]},
            ),
            code == lang,
        )
        for code in LANGS
    ]
    theme_links = [
        html.Link(
            t(f"light_theme_{name}", lang),
            _href(f"/{links.LIGHT}/{state.page}", {**current, "lang": shared["lang"], "theme": name}),
            name == state.theme,
        )
        for name in themes.THEMES
    ]
    interactive = _href(
        f"/{state.page}",
        {
            **current,
            "lang": shared["lang"],
            **({"theme": state.theme} if state.page == "briefing" and state.theme in themes.THEMES else {}),
        },
    )
    footer = [
        t("light_data_version", lang, v=data.version),
        t("export_boundaries", lang),
    ]
    return html.Chrome(lang, state.theme, pages, languages, theme_links, interactive, q.notices(lang), footer)


# ---------------------------------------------------------------------------
# One renderer per page


def _overview(q: Query, state: State, data: server_data.Data) -> tuple[str, str]:
    ds, counties, lang = data.ds, data.counties, state.lang
    ids = ind.indicator_ids(ds)
    indicator_id = q.one("indicator", ids, views.DEFAULT_INDICATOR)
    scheme = q.one("scheme", list(SCHEMES), DEFAULT_SCHEME)
    options, default = views.year_options(ds, indicator_id)
    chosen = q.one("year", options, default)
    if len(options) <= 1:
        chosen = default
    year = None if chosen == views.LATEST else int(chosen)
    entry = ind.get_indicator(ds, indicator_id)
    has_scheme = entry.kind == "numeric" and entry.level == "county"
    scheme = scheme if has_scheme else DEFAULT_SCHEME
    flags = {k: q.one(k, ["0", "1"], "1" if on else "0") == "1" for k, (_label, on) in views.MAP_FLAGS.items()}
    state.params.update(
        {
            "indicator": indicator_id if indicator_id != views.DEFAULT_INDICATOR else "",
            "year": chosen if chosen != default else "",
            "scheme": scheme if has_scheme and scheme != DEFAULT_SCHEME else "",
            **{k: ("1" if v else "0") for k, v in flags.items() if v != views.MAP_FLAGS[k][1]},
        }
    )
    context = data.context if not data.context.empty else None
    view = views.overview(ds, counties, indicator_id, year, scheme, lang, context=context)
    overlays = views.Overlays(**flags)
    mapv = views.with_overlays(ds, counties, view, overlays, lang=lang, selection=state.selection)
    heading = f"{view.indicator.name(lang)} · {view.period(lang)}"
    extra = []
    if overlays.yt:
        extra.append(html.Swatch(t("outline_yt", lang), YT_OUTLINE))
    if overlays.poor:
        extra.append(html.Swatch(t("outline_poor", lang), POOR_OUTLINE))
    names = county_names(counties, lang)
    if state.selection:
        chosen_names = (
            "、".join(names[a] for a in state.selection)
            if lang == "zh"
            else ", ".join(names[a] for a in state.selection)
        )
        extra.append(
            html.Swatch(
                f"{t('light_selected', lang)}：{chosen_names}"
                if lang == "zh"
                else f"{t('light_selected', lang)}: {chosen_names}",
                "",
                "selected",
            )
        )
    svg = map_svg(mapv, counties, lang, t("map_frame_title", lang, what=heading), context, names=overlays.labels)
    caption = [view.coverage_text, view.city_text or "", t("light_hover_hint", lang)]
    body = [
        '<div class="layout"><div>',
        html.map_block(svg, heading, caption, t("page_overview", lang), state.open_mark),
        "</div><div class='side'>",
        html.legend_html(mapv.legend, lang, extra),
        _selected_html(view, state.selection, names, lang),
        html.figures_html(views.key_figures(ds, lang), lang, t("key_figures", lang)),
        "</div></div>",
        html.table_html(_plain(view.table), t("map_as_table", lang), t("source", lang)),
    ]
    return heading, "".join(body)


def _plain(table):
    """A view's table as shown: the columns people read (no adcode, no raw number)."""
    if table is None or table.empty:
        return table
    return table.drop(columns=[c for c in ("adcode", "number", "indicator_id") if c in table.columns])


def _selected_html(view: views.OverviewView, selection: list[str], names, lang: str) -> str:
    """The selected counties' figures, as the app shows them beside the map."""
    if not selection:
        return ""
    import pandas as pd

    rows = []
    for a in selection:
        for label, value in view.county_info.get(a, []):
            rows.append({t("county", lang): names[a], t("indicator", lang): label, t("value", lang): value})
    return html.table_html(pd.DataFrame(rows), t("selected_county", lang), open_=True)


def _county(q: Query, state: State, data: server_data.Data) -> tuple[str, str]:
    ds, counties, lang = data.ds, data.counties, state.lang
    adcodes = counties["adcode"].tolist()
    compare = q.one("compare", ["", *adcodes], "", label="compare_with")
    current = state.selection[0] if state.selection else profile.richest_county(ds, adcodes)
    state.selection = state.selection or [current]
    if compare == current:
        compare = ""
    state.params.update({"compare": compare})
    p = profile.county_profile(ds, counties, current, lang)
    designation = views.overview(ds, counties, profile.DESIGNATION, None, DEFAULT_SCHEME, lang).county_info
    mapv = profile.locator_view(counties, current, lang, {a: r[:1] + r[2:] for a, r in designation.items()})
    heading = f"{t('page_county', lang)} · {p.name}"
    svg = map_svg(mapv, counties, lang, t("map_frame_title", lang, what=f"{t('locator_map', lang)} · {p.name}"))
    from geo.views.figures import KeyFigure

    facts = [KeyFigure(f.label, f.value, f.source) for f in (p.designation, p.exit_year) if f]
    known = p.table["indicator_id"].nunique() if not p.table.empty else 0
    facts.append(KeyFigure(t("profile_known", lang), str(known), t("light_count_source", lang)))
    figures_table = _plain(p.table) if not p.table.empty else None
    body = [
        '<div class="layout"><div>',
        html.map_block(
            svg, heading, [profile.missing_text(p, len(ds.indicators), lang)], t("page_county", lang), state.open_mark
        ),
        "</div><div class='side'>",
        html.legend_html(mapv.legend, lang),
        html.figures_html(facts, lang, t("light_figures", lang)),
        "</div></div>",
        html.figure_groups_html(_county_groups(p, lang), lang, t("profile_all_figures", lang))
        if figures_table is not None
        else f"<p>{html.esc(t('profile_no_figures', lang))}</p>",
        html.table_html(
            _plain(profile.sites_table(data.sites, ds, current, lang)), t("profile_sites", lang), t("source", lang)
        ),
        html.table_html(p.ranks, t("profile_ranks", lang)),
    ]
    if compare:
        other = profile.county_profile(ds, counties, compare, lang)
        body.append(
            html.table_html(
                profile.compare_table(p, other, lang),
                f"{t('compare_title', lang)} · {p.name} · {other.name}",
                open_=True,
            )
        )
    return heading, "".join(body)


def _county_groups(p: profile.CountyProfile, lang: str):
    """The county's figures by programme, each as a sourced card (value, year and status, note)."""
    from geo.views.figures import KeyFigure

    groups: dict[str, list[KeyFigure]] = {}
    for r in p.table.to_dict("records"):
        note = f"{r[t('year', lang)]} · {r[t('status', lang)]}"
        label = r[t("indicator", lang)] + (
            f"（{r[t('note', lang)]}）"
            if lang == "zh" and r[t("note", lang)]
            else f" ({r[t('note', lang)]})"
            if r[t("note", lang)]
            else ""
        )
        groups.setdefault(r[t("programme", lang)], []).append(
            KeyFigure(label, str(r[t("value", lang)]), str(r[t("source", lang)]), note)
        )
    return list(groups.items())


def _briefing(q: Query, state: State, data: server_data.Data) -> tuple[str, str]:
    ds, counties, lang = data.ds, data.counties, state.lang
    deck = server_data.deck(data)
    n = len(deck)
    number = int(q.one("slide", [str(i) for i in range(1, n + 1)], "1"))
    q.one("present", ["0", "1"], "0", label="present_mode")
    state.params.update({"slide": str(number) if number != 1 else ""})
    context = data.context if not data.context.empty else None
    view = briefing.slide_view(deck, number - 1, ds, counties, data.sites, lang, context)
    heading = view.title(lang)
    svg = map_svg(view.map, counties, lang, t("map_frame_title", lang, what=briefing.map_title(view, lang)), context)

    def slide_link(k: int) -> str:
        params = {"lang": lang if lang != DEFAULT_LANG else "", "theme": state.theme if state.theme != AUTO else ""}
        return _href(f"/{links.LIGHT}/briefing", {**params, "slide": str(k) if k != 1 else ""})

    counter = t("slide_counter", lang, n=number, total=n)
    prev = html.Link(t("prev_slide", lang), slide_link(number - 1)) if number > 1 else None
    nxt = html.Link(t("next_slide", lang), slide_link(number + 1)) if number < n else None
    numbers = [html.Link(str(k), slide_link(k), k == number) for k in range(1, n + 1)]
    sources = briefing.sources_line(view, ds, lang)
    body = [
        '<div class="layout"><div>',
        html.map_block(svg, heading, [sources], f"{t('page_briefing', lang)} · {counter}", state.open_mark),
        "</div><div class='side'>",
        html.figures_html(view.figures, lang, t("key_figures_slide", lang)),
        f'<p class="caption">{html.esc(view.caption(lang))}</p>',
        html.legend_html(view.map.legend, lang, sites=view.map.site_legend),
        "</div></div>",
        html.slide_nav(numbers, lang, prev, nxt),
    ]
    if view.overview is not None:
        body.append(html.table_html(_plain(view.overview.table), t("map_as_table", lang), t("source", lang)))
    return heading, "".join(body)


def _elsewhere(q: Query, state: State, data: server_data.Data) -> tuple[str, str]:
    """A page that needs interaction (programmes, sources, data): say so, and lead to the others."""
    lang = state.lang
    title = t(f"page_{state.page}", lang)
    state.params.update({k: v for k, v in q.raw.items() if k not in ("lang", "theme", "county")})
    return title, f"<h1>{html.esc(title)}</h1><p>{html.esc(t('light_not_available', lang, page=title))}</p>"


PAGES: dict[str, Callable[[Query, State, server_data.Data], tuple[str, str]]] = {
    "overview": _overview,
    "county": _county,
    "briefing": _briefing,
    "programmes": _elsewhere,
    "sources": _elsewhere,
    "data": _elsewhere,
}


def render(page: str, raw: Mapping[str, str], data: server_data.Data) -> str:
    """The light view of ``page`` for the link's parameters ``raw``, as an HTML document."""
    q = Query(raw)
    lang = q.one("lang", LANGS, DEFAULT_LANG, label="language")
    theme = q.one("theme", [*themes.THEMES], AUTO)
    selection = q.counties("county", set(data.counties["adcode"])) if page in SELECTION_PAGES else []
    state = State(page, lang, theme, selection, {})
    try:
        title, body = PAGES[page](q, state, data)
    except slides.SlideError as exc:
        title = t("slides_error_title", lang)
        body = f"<h1>{html.esc(title)}</h1><p><code>{html.esc(exc.path)}</code>: {html.esc(exc.reason)}</p>"
    if state.open_mark not in body:
        body += state.open_mark
    chrome = _chrome(state, data, q)
    why = why_notice(raw, lang)  # the app sent the reader here (old browser, JavaScript off): say so first
    if why:
        chrome.notices.insert(0, why)
    return html.document(chrome, title, body.replace(state.open_mark, html.open_link(chrome), 1))


# ---------------------------------------------------------------------------
# The route: conditional requests, compression, a small cache of renders


@dataclass(frozen=True)
class Rendered:
    body: bytes
    gzipped: bytes


_renders: OrderedDict[str, Rendered] = OrderedDict()
_lock = threading.Lock()


def etag_of(page: str, raw: Mapping[str, str], data: server_data.Data) -> str:
    deck = server_data.deck_key() if page == "briefing" else ("", 0.0)
    key = repr((REVISION, data.label, data.version, deck, page, sorted(raw.items())))
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def _render_cached(etag: str, page: str, raw: Mapping[str, str], data: server_data.Data) -> Rendered:
    with _lock:
        found = _renders.get(etag)
        if found is not None:
            _renders.move_to_end(etag)
            return found
    body = render(page, raw, data).encode("utf-8")
    made = Rendered(body, gzip.compress(body, compresslevel=9, mtime=0))
    with _lock:
        _renders[etag] = made
        while len(_renders) > KEPT:
            _renders.popitem(last=False)
    return made


def _headers(etag: str) -> dict[str, str]:
    return {
        "ETag": etag,
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
        "Vary": "Accept-Encoding",
        "Content-Security-Policy": CSP,
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
    }


def _matches(if_none_match: str | None, etag: str) -> bool:
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag in tags


def light_view(request: Request) -> Response:
    """GET/HEAD /light, /light/ and /light/{page} (run in Starlette's thread pool: drawing takes CPU)."""
    page = request.path_params.get("page") or links.DEFAULT_PAGE
    if page not in links.PAGES:
        return Response(f"unknown page; light views: {', '.join(links.PAGES)}\n", 404, media_type="text/plain")
    raw = dict(request.query_params)  # the last value of a repeated parameter, as st.query_params.get
    data = server_data.current()
    etag = etag_of(page, raw, data)
    headers = _headers(etag)
    if _matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    rendered = _render_cached(etag, page, raw, data)
    if "gzip" in request.headers.get("accept-encoding", "").lower():
        headers["Content-Encoding"] = "gzip"
        body = rendered.gzipped
    else:
        body = rendered.body
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


def routes() -> list[BaseRoute]:
    methods = ["GET", "HEAD"]
    return [
        Route(f"/{links.LIGHT}", light_view, methods=methods),
        Route(f"/{links.LIGHT}/", light_view, methods=methods),
        Route(f"/{links.LIGHT}/{{page}}", light_view, methods=methods),
    ]
