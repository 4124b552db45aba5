"""汇报 Briefing: the report's story as slides, a presenter view, and print-ready exports."""

import streamlit as st

from geo.i18n import colon, t
from geo.model import slides, themes
from geo.views import briefing
from geo.views.links import public_light_url, slide_params
from geo.web import downloads, frame, loaders, mapelement, results, styles, widgets
from geo.web import session_keys as K
from geo.web.mapspecs import SlideMap
from geo.web.urlstate import mirror, seed_from_url, write_to_url

lang = frame.page()
ds, counties, sites = loaders.load_dataset(), loaders.load_counties(), loaders.load_sites()
try:
    deck = loaders.load_deck()
except slides.SlideError as exc:
    frame.stop_with_file_error(t("slides_error_title", lang), exc.path, exc.reason)
n = len(deck)
seed_from_url(K.SLIDE, [str(i) for i in range(1, n + 1)], "1")
seed_from_url(K.PRESENT, ["0", "1"], "0", label="present_mode")
seed_from_url(K.THEME, list(themes.THEMES), themes.DEFAULT_THEME)


def go(number: int) -> None:
    K.SLIDE.set(str(min(max(number, 1), n)))


current, presenting = int(K.SLIDE.value()), K.PRESENT.value() == "1"
mirror({K.SLIDE_PAGE: current, K.PRESENT_ON: presenting})
theme = themes.get_theme(K.THEME.value())
st.markdown(styles.page_css(theme, presenting), unsafe_allow_html=True)

bar = st.container(horizontal=True, vertical_alignment="center", gap="small", key=K.BRIEFING_BAR)
bar.button(
    t("prev_slide", lang),
    icon=":material/arrow_back:",
    on_click=go,
    args=(current - 1,),
    shortcut="Left",
    disabled=current == 1,
    type="tertiary",
    help=t("keys_help", lang),
    key=K.PREV_SLIDE,
)
with bar:
    st.pagination(n, key=K.SLIDE_PAGE, on_change=lambda: go(K.SLIDE_PAGE.value()), max_visible_pages=7, width=440)
bar.button(
    t("next_slide", lang),
    icon=":material/arrow_forward:",
    icon_position="right",
    on_click=go,
    args=(current + 1,),
    shortcut="Right",
    disabled=current == n,
    type="tertiary",
    help=t("keys_help", lang),
    key=K.NEXT_SLIDE,
)
bar.toggle(
    t("present_mode", lang),
    key=K.PRESENT_ON,
    help=t("present_help", lang),
    on_change=lambda: K.PRESENT.set("1" if K.PRESENT_ON.value() else "0"),
)
# The presenter's own notes: off by default and never in the link, so a shared screen does not show them.
show_notes = bar.toggle(t("speaker_notes_toggle", lang), key=K.SHOW_NOTES)
# A QR code of this slide's light view, for the room's phones: needs the address people reach the server by.
public_url = loaders.public_url()
show_qr = bar.toggle(
    t("qr_toggle", lang),
    key=K.SHOW_QR,
    disabled=not public_url,
    help=t("qr_help", lang) if public_url else t("qr_no_public_url", lang),
)
bar.segmented_control(
    t("theme", lang),
    list(themes.THEMES),
    key=K.THEME,
    format_func=lambda k: t(f"theme_{k}", lang),
    required=True,
    label_visibility="collapsed",
)
for key, default in ((K.SLIDE, "1"), (K.PRESENT, "0"), (K.THEME, themes.DEFAULT_THEME)):
    write_to_url(key, key.value(), default)

context = loaders.load_context()
light = theme.name == "light"
view = results.slide(deck, current - 1, lang, light)
frame.name_maps(t("map_frame_title", lang, what=briefing.map_title(view, lang)))
st.markdown(briefing.title_html(view, lang), unsafe_allow_html=True)
map_key = K.briefing_map(theme.name, lang)


def slide_map(number: int) -> SlideMap:
    """Slide ``number``'s map: the theme's constant frame and the slide's layers."""
    return SlideMap(loaders.deck_key(), number, theme.name, lang)


left, right = st.columns([3, 2], gap="medium")
with left:
    mapelement.show_map(map_key, slide_map(current), height=560, returned_objects=[])
if current < n:  # the presenter's next step: its view and map ready before the key is pressed
    mapelement.prepare(map_key, slide_map(current + 1), returned_objects=[])
with right:
    for fig in view.figures:
        widgets.figure(st, fig.label, fig.value, fig.source, lang, note=fig.note, fig=fig)
        st.markdown(
            briefing.block_html("bd-source", f"{t('source', lang)}{colon(lang)}{fig.short_source}"),
            unsafe_allow_html=True,
        )
        if fig.mark_detail:  # a weak or disputed figure says so on the slide, with both figures and sources
            st.markdown(briefing.block_html("bd-source", f"⚠ {fig.mark_detail}"), unsafe_allow_html=True)
    # For the room's phones, this slide's light view as a QR code beside the caption.
    text, code = st.columns([5, 2], gap="small") if show_qr and public_url else (st.container(), None)
    text.markdown(briefing.block_html("bd-caption", view.caption(lang)), unsafe_allow_html=True)
    if code is not None:
        with code:
            widgets.qr_corner(public_light_url(public_url, "briefing", slide_params(current, lang)), lang)
if show_notes:  # under the slide, full width, as in PowerPoint's presenter view
    with st.container(border=True, key=K.SPEAKER_NOTES):
        st.caption(f"{t('speaker_notes', lang)} · {t('speaker_notes_help', lang)}")
        st.markdown((view.slide.notes(lang) or t("notes_none", lang)).replace("\n", "\n\n"))


with bar.popover(t("downloads", lang), icon=":material/download:"):
    downloads.briefing_menu(deck, view, ds, counties, sites, lang, theme.name, context)
