"""Settings: every one documented in both languages of the README; the server shows no error details."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from geo import settings

ROOT = Path(__file__).resolve().parents[1]


def documented(readme: str) -> tuple[set[str], set[str]]:
    """Names in the Chinese table (first cell of each row under "## 设置 Settings") and in the English list."""
    zh = readme.split("## 设置 Settings", 1)[1].split("\n## ", 1)[0]
    table = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", zh, flags=re.M))
    en = readme.split("Settings (environment variables):", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r"`([A-Z][A-Z0-9_]+)`", en))
    return table, listed


def test_every_setting_is_documented_in_chinese_and_english():
    table, listed = documented((ROOT / "README.md").read_text(encoding="utf-8"))
    assert sorted(set(settings.SETTINGS) - table) == [], "missing from the Chinese table"
    assert sorted(set(settings.SETTINGS) - listed) == [], "missing from the English list"
    assert sorted(table - set(settings.SETTINGS)) == [], "documented but not a setting"


def test_a_missing_setting_is_noticed():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table, listed = documented(readme.replace("| `BAODING_PG_SCHEMA` |", "| PG schema |"))
    assert "BAODING_PG_SCHEMA" not in table and "BAODING_PG_SCHEMA" in listed
    table, listed = documented(readme.replace("`BAODING_REGION` (", "BAODING_REGION ("))
    assert "BAODING_REGION" not in listed


def test_an_uncaught_error_shows_no_details():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["client"]["showErrorDetails"] == "none"
    # And Streamlit, started from the repository, reads it so.
    shown = subprocess.run(
        [sys.executable, "-m", "streamlit", "config", "show"], cwd=ROOT, capture_output=True, text=True, timeout=120
    ).stdout
    assert re.search(r'^showErrorDetails = "none"$', shown, flags=re.M), shown[-2000:]


def test_an_empty_region_means_the_whole_country_not_the_default():
    assert settings.value("BAODING_REGION", {"BAODING_REGION": ""}) == ""
    assert settings.value("BAODING_REGION", {}) == "1306"
    assert settings.value("BAODING_REGION", {"BAODING_REGION": "13"}) == "13"


def test_invalid_values_are_refused_with_the_setting_named():
    errors, _ = settings.check({"BAODING_REGION": "13a", "BAODING_TILE_DATUM": "utm", "BAODING_STORE": ""})
    joined = "\n".join(errors)
    assert "BAODING_REGION" in joined and "BAODING_TILE_DATUM" in joined and "BAODING_STORE" in joined
    assert settings.check({})[0] == []


def test_unknown_baoding_variables_are_warned_about():
    _, warnings = settings.check({"BAODING_REGOIN": "13"})
    assert len(warnings) == 1 and "BAODING_REGOIN" in warnings[0]


def test_the_settings_command_lists_every_setting_with_secrets_masked():
    env = {**os.environ, "BAODING_ADMIN_PASSWORD_HASH": "scrypt$secret-hash", "DATABASE_URL": "postgresql://u:pw@h/db"}
    out = subprocess.run(
        [sys.executable, "-m", "geo", "settings"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    for name in settings.SETTINGS:
        assert f"{name}=" in out.stdout
    assert "secret-hash" not in out.stdout and "pw@" not in out.stdout


def test_the_server_refuses_to_start_on_an_invalid_setting():
    env = {**os.environ, "BAODING_TILE_DATUM": "utm"}
    code = "import app"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode != 0 and "BAODING_TILE_DATUM" in out.stderr
