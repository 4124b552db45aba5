"""The server's Streamlit settings that issue 21's measurements rest on (.streamlit/config.toml)."""

import ast
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]


def settings() -> dict:
    return tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))


def test_no_magic_and_no_full_collection_per_run():
    runner = settings()["runner"]
    assert runner["magicEnabled"] is False
    assert runner["postScriptGC"] is False


def test_scripts_write_only_through_calls():
    """With magic off, a bare value on its own line shows nothing: there is none (docstrings aside)."""
    bare = []
    for path in SCRIPTS:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Expr) and not isinstance(node.value, (ast.Call, ast.Await)):
                if not (isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)):
                    bare.append(f"{path.name}:{node.lineno}")
    assert bare == []


def test_every_page_script_is_checked():
    assert {p.name for p in SCRIPTS} >= {"app.py", "overview.py", "county.py", "programmes.py", "briefing.py"}
