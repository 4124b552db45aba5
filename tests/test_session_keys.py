"""geo/web/session_keys.py is the one place session state is touched and session keys are written: a scan of
the code (app.py, pages/, geo/) for any other place."""

from __future__ import annotations

import ast
from pathlib import Path

from conftest import ROOT

from geo.web import session_keys as K

REGISTRY = ROOT / "geo" / "web" / "session_keys.py"
# The app's own functions whose first argument is a session key (or names one, as a URL parameter does).
KEY_TAKERS = {
    "seed_from_url", "seed_quietly", "seed_list_from_url", "write_to_url", "take_step", "follow",
    "take_map_click", "show_map", "args_for", "prepare", "Key",
}  # fmt: skip


def _is_literal(node: ast.AST | None) -> bool:
    """A key written out: a string, or an f-string."""
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str))


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def violations(source: str) -> list[tuple[int, str]]:
    """(line, what) for each use of st.session_state, and each widget or session key written as a string."""
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "session_state":
            found.append((node.lineno, "st.session_state"))
        elif isinstance(node, ast.ImportFrom) and any(alias.name == "session_state" for alias in node.names):
            found.append((node.lineno, "from streamlit import session_state"))
        elif isinstance(node, ast.Call):
            name = _called_name(node)
            if any(kw.arg == "key" and _is_literal(kw.value) for kw in node.keywords):
                found.append((node.lineno, f"{name}(key=<string>)"))
            elif name in KEY_TAKERS | {"form"} and node.args and _is_literal(node.args[0]):
                found.append((node.lineno, f"{name}(<string>, ...)"))
    return sorted(found)


def _app_files() -> list[Path]:
    files = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "geo").rglob("*.py"))]
    return [f for f in files if f != REGISTRY]


def test_no_session_key_is_written_outside_the_registry():
    found = [
        f"{path.relative_to(ROOT)}:{line}: {what}"
        for path in _app_files()
        for line, what in violations(path.read_text(encoding="utf-8"))
    ]
    assert found == [], "session state or keys outside geo.web.session_keys:\n" + "\n".join(found)


def test_the_scan_finds_each_kind_of_planted_key():
    planted = """
import streamlit as st
from streamlit import session_state
from geo.web import session_keys as K
st.session_state["playing"] = True
x = st.session_state[f"flag_{name}"]
st.session_state.deck_pdf = (1, b"")
y = st.session_state.get("last_click")
st.session_state.pop("_uploads", None)
st.session_state.update(_import=1)
ok = "lang" in st.session_state
st.toggle("Label", key="show_notes")
st.button("Go", key=f"quick_{choice}")
with st.form("login"):
    pass
seed_from_url("indicator", ids, "x")
widgets.take_map_click("overview_map")
K.Key("made_up")
# What the registry's way looks like, and what names no key: none of these is reported.
K.PLAYING.set(True)
st.toggle("Label", key=K.SHOW_NOTES)
K.Key(args["key"]).get()
sorted(items, key=lambda item: item[0])
d = {"key": "value"}
"""
    found = violations(planted)
    assert [line for line, _ in found] == [3, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18], found


def test_the_registry_names_each_key_once():
    keys = {name: value for name, value in vars(K).items() if isinstance(value, K.Key)}
    assert len(keys) > 40
    names = [str(k) for k in keys.values()]
    assert len(set(names)) == len(names), sorted(n for n in names if names.count(n) > 1)
    # A key made from a value (flag_…, _url_…) cannot be one of the constants.
    derived = [K.flag(""), K.url_marker(""), K.quick_pick(""), K.programme_year(""), K.upload_widget(0)[:-1]]
    derived.append(K.briefing_map("", "")[: -len("_")])
    assert not [n for n in names if any(n.startswith(str(prefix)) for prefix in derived)]


def test_a_key_is_a_widget_key_and_reads_its_value():
    """A Key given as ``key=`` is the widget's key (a plain string to Streamlit), and reads the widget's value."""
    from streamlit.testing.v1 import AppTest

    def script():
        import streamlit as st

        from geo.web import session_keys as K

        st.toggle("notes", key=K.SHOW_NOTES)
        K.PLAYING.set(not K.PLAYING.get())
        st.write(f"notes {K.SHOW_NOTES.get()!r}, playing {K.PLAYING.get()!r}, uploads {K.UPLOADS.get()!r}")

    at = AppTest.from_function(script)
    at.run()
    assert at.markdown[0].value == "notes False, playing True, uploads 0"
    at.toggle(key="show_notes").set_value(True).run()
    assert not at.exception
    assert at.markdown[0].value == "notes True, playing False, uploads 0"
