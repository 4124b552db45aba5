"""The data page's import and history panels (Streamlit edge): widgets in, geo.store calls out.

An upload is checked in a child process with time and memory limits (geo.store.imports.child), with
a progress bar; the result is kept in the session per (file, options) so a rerun does not check again.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pandas as pd
import streamlit as st

from geo import store as gs
from geo.i18n import STRINGS, md_literal, t
from geo.model import indicators as ind
from geo.model.outlets import GRADES, host_of, outlet_by_host
from geo.render import tables
from geo.store import admin, auth
from geo.store import imports as importer
from geo.store.imports.child import prepare_in_child
from geo.web import loaders
from geo.web import session_keys as K

DATUMS = ["", "WGS-84", "CGCS2000", "GCJ-02", "BD-09"]


def backend_name(store: gs.Store) -> str:
    return "postgis" if isinstance(store, gs.PostGISStore) else "gpkg"


def template_bytes(ds: ind.Dataset, counties: pd.DataFrame) -> bytes:
    """The import template as XLSX, written by the one spreadsheet writer (no cell becomes a formula)."""
    return tables.workbook_xlsx([tables.Sheet(*sheet) for sheet in importer.template_sheets(ds, counties)])


def import_options(ds: ind.Dataset, lang: str) -> importer.ImportOptions:
    """The import form: what the file holds, its year, its source, and for geometries the datum and mode."""
    c1, c2, c3 = st.columns(3)
    kind = c1.selectbox(t("import_kind", lang), importer.KINDS, format_func=lambda k: t(f"kind_{k}", lang))
    year = c2.number_input(t("file_year", lang), min_value=1949, max_value=2100, value=None, step=1)
    sources = ["", *ds.sources["source_id"], "+"]
    labels = {
        "": t("no_file_source", lang),
        "+": t("new_source", lang),
        **dict(zip(ds.sources["source_id"], ds.sources["title"])),
    }
    source_id = c3.selectbox(t("file_source", lang), sources, format_func=lambda s: labels.get(s, s))
    spec = importer.SourceSpec(source_id if source_id != "+" else "")
    if source_id == "+":
        s1, s2, s3 = st.columns(3)
        title, publisher = s1.text_input(t("source_title", lang)), s2.text_input(t("source_publisher", lang))
        date = s3.text_input(t("source_date", lang))
        u1, u2 = st.columns([2, 1])
        url = u1.text_input(t("source_url", lang), help=t("source_url_help", lang))
        grade = u2.selectbox(t("grade", lang), ["", *GRADES], help=t("grades_explained", lang))
        spec = importer.SourceSpec("", title, publisher, date, url, grade)
    datum, mode = "", "extend"
    if kind in ("sites", "boundaries", "auto"):
        d1, d2 = st.columns(2)
        datum = d1.selectbox(t("datum", lang), DATUMS, format_func=lambda d: d or t("datum_default", lang))
        mode = d2.radio(t("boundary_mode", lang), importer.BOUNDARY_MODES, format_func=lambda m: t(f"mode_{m}", lang))
    return importer.ImportOptions(kind, int(year) if year else None, "reported", spec, datum, mode)


def checked_upload(upload, options: importer.ImportOptions, ds: ind.Dataset, counties, lang: str):
    """The upload checked in a child process (once per file and options), with a progress bar."""
    cache_key = (upload.file_id, options)
    if K.IMPORT_KEY.get() != cache_key:
        bar = st.progress(0.0, text=t("checking", lang, text="…"))

        def report(fraction: float, text: str) -> None:
            bar.progress(min(max(fraction, 0.0), 1.0), text=t("checking", lang, text=text))

        result = prepare_in_child(upload.getvalue(), upload.name, ds, counties, options, report)
        bar.empty()
        K.IMPORT_KEY.set(cache_key)
        K.IMPORT.set(result)
    return K.IMPORT.value()


def show_result(result: importer.ImportResult, store: gs.Store, user: auth.Admin, lang: str) -> None:
    """Problems, or the preview of each table and the commit button."""
    if result.problems:
        st.error(t("problems_found", lang, n=len(result.problems)), icon=":material/error:")
        cols = {"row": t("problem_row", lang), "column": t("problem_column", lang), "reason": t("problem_reason", lang)}
        st.dataframe(importer.problems_frame(result.problems).rename(columns=cols), hide_index=True, width="stretch")
        return
    st.subheader(t("preview_title", lang))
    new_sources = result.changeset.get("sources")
    if new_sources is not None and new_sources.rows is not None:
        listed = outlet_by_host(store.dataset().outlets)
        for url in new_sources.rows["url"]:
            if (host := host_of(url)) and host not in listed:  # accepted; shown as text until an outlet is listed
                st.info(md_literal(t("import_unreviewed_host", lang, host=host)), icon=":material/link_off:")
    for table, diff in store.preview(result.changeset).items():
        st.markdown(f"**{t('table_name', lang, name=table)}**")
        m1, m2, m3 = st.columns(3)
        m1.metric(t("added", lang), len(diff.added))
        m2.metric(t("changed", lang), len(diff.changed))
        m3.metric(t("unchanged", lang), diff.unchanged)
        st.dataframe(gs.diff_frame(table, diff), hide_index=True, width="stretch")
    if st.button(t("commit", lang), type="primary", icon=":material/save:"):
        version = admin.commit_import(user, store, result)
        K.UPLOADS.set(K.UPLOADS.get() + 1)
        K.IMPORT_KEY.pop()
        loaders.data_changed()
        done = t("committed", lang, n=version.id) if version else t("nothing_changed", lang)
        K.DATA_MESSAGE.set(done)
        st.rerun()


# Versions are stored with UTC times; the page shows them in China Standard Time (no daylight saving).
CST = timezone(timedelta(hours=8), "UTC+8")


def shown_time(at: str) -> str:
    """A stored UTC time (ISO 8601, ``…Z``) as China Standard Time, ``YYYY-MM-DD HH:MM:SS``."""
    when = datetime.fromisoformat(at.replace("Z", "+00:00"))
    if when.tzinfo is None:  # written before times carried their zone: they were UTC too
        when = when.replace(tzinfo=UTC)
    return when.astimezone(CST).strftime("%Y-%m-%d %H:%M:%S")


def shown_note(note: str, lang: str) -> str:
    """The app's own version notes in the page's language; an administrator's note as written."""
    parts = gs.note_parts(note)
    if parts is None:
        return note
    what, fields = parts
    if what == "import":
        kind = fields["kind"]
        fields = {"kind": t(f"kind_{kind}", lang) if f"kind_{kind}" in STRINGS else kind}
    return t(f"note_{what}", lang, **fields)


def versions_table(versions: list[gs.Version], lang: str) -> pd.DataFrame:
    headers = {
        "id": t("version", lang), "who": t("who", lang), "at": t("when_cst", lang), "file_name": t("file", lang),
        "added": t("added", lang), "changed": t("changed", lang), "removed": t("removed", lang),
        "note": t("note", lang), "file_sha256": t("sha256", lang),
    }  # fmt: skip
    frame = gs.versions_frame(versions)
    frame["at"] = frame["at"].map(shown_time)
    frame["note"] = frame["note"].map(lambda n: shown_note(n, lang))
    return frame.rename(columns=headers)


def show_diff(store: gs.Store, older: int, newer: int, lang: str) -> None:
    diffs = store.diff(older, newer)
    if not diffs:
        st.caption(t("no_differences", lang))
    for table, diff in diffs.items():
        st.markdown(f"**{t('table_name', lang, name=table)}**")
        st.dataframe(gs.diff_frame(table, diff), hide_index=True, width="stretch")


def rollback(store: gs.Store, user: auth.Admin, target: int, lang: str) -> None:
    version = admin.rollback(user, store, target)
    done = t("rolled_back", lang, n=version.id, v=target) if version else t("nothing_changed", lang)
    loaders.data_changed()
    K.DATA_MESSAGE.set(done)
    st.rerun()
