"""Every UI text comes from geo.i18n.STRINGS: no sentence or Chinese text hard-coded in pages/ or app.py."""

import ast
import re
from pathlib import Path

import pytest

from geo.i18n import STRINGS

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
CJK = re.compile(r"[\u3400-\u9fff]")
SENTENCE = re.compile(r"[A-Za-z]{2,}\s+[A-Za-z]{2,}")  # two words: text a person reads
ALLOWED = re.compile(r"^(:material/\w+:|pages/[\w/]+\.py|[\w/.-]+\.(csv|png|xlsx|pdf)|text/csv|[\w-]+/[\w.+-]+)$")


def ui_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
            text = node.value.strip()
            if ALLOWED.match(text) or text.startswith("<style>"):
                continue
            if CJK.search(text) and not set(text) <= set("：（），、·"):
                found.append((node.lineno, text))
            elif SENTENCE.search(text):
                found.append((node.lineno, text))
    return found


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_ui_text_outside_the_catalogue(path):
    assert ui_literals(path) == []


def test_catalogue_keys_used_by_pages_exist():
    used = set()
    for path in FILES:
        used |= set(re.findall(r"""\bt\(\s*["']([a-z0-9_]+)["']""", path.read_text(encoding="utf-8")))
    assert used and used <= set(STRINGS), sorted(used - set(STRINGS))


def test_the_scan_finds_hard_coded_text(tmp_path):
    page = tmp_path / "page.py"
    page.write_text(
        '"""Doc."""\nimport streamlit as st\nst.title("总览")\nst.button("Clear the selection")\n'
        'st.selectbox(t("x"), [], key="indicator", icon=":material/map:")\n',
        encoding="utf-8",
    )
    assert [text for _, text in ui_literals(page)] == ["总览", "Clear the selection"]
