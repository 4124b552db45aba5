"""AppTest of the data page: visitors see history and diffs only; administrators import and roll back."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from geo import store as st
from geo.store import auth
from geo.web import login as login_glue

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PASSWORD = "correct horse battery"


@pytest.fixture
def admin_hash(monkeypatch):
    monkeypatch.setenv("BAODING_ADMIN_PASSWORD_HASH", auth.hash_password(PASSWORD))
    login_glue._guard.clear()  # one guard per server process: each test starts with no failures counted


def data_page(**params: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    at.switch_page("pages/data.py")
    at.run()
    assert not at.exception, at.exception
    return at


def labels(at: AppTest, kind: str) -> list[str]:
    return [w.label for w in at.get(kind)]


def login(at: AppTest, password: str = PASSWORD, name: str = "李管理") -> AppTest:
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    next(b for b in at.button if b.label == "登录").click()
    at.run()
    assert not at.exception, at.exception
    return at


def add_version() -> None:
    store = st.open_store()
    store.ensure()
    rows = pd.DataFrame(
        [
            {
                "indicator_id": "village_exits",
                "adcode": "130624",
                "year": "2016",
                "value": "5",
                "status": "reported",
                "source_id": "report2016",
                "locator": "",
                "note": "",
            }
        ]
    )
    store.commit({"values": st.Change(rows)}, st.Meta("seed-test", "x.csv"))


def test_visitor_sees_history_but_no_write_action(admin_hash):
    add_version()
    at = data_page()
    assert any("版本历史" in h.value for h in at.header)
    assert labels(at, "file_uploader") == []
    buttons = labels(at, "button") + labels(at, "form_submit_button")
    assert not any(b in buttons for b in ("提交为新版本", "回滚", "退出登录"))
    assert "rollback_to" not in [s.key for s in at.selectbox]
    assert at.selectbox(key="diff_from").value == 1 and at.selectbox(key="diff_to").value == 2
    assert any("village_exits" in str(df.value) for df in at.dataframe)  # the diff of versions 1 -> 2
    assert at.text_input(key="login_password") is not None


def test_wrong_password_is_refused_and_slowed_down(admin_hash):
    at = data_page()
    for _ in range(2):
        login(at, "wrong password")
        assert any("密码不正确" in e.value for e in at.error)
    login(at, "wrong password")
    login(at, PASSWORD)  # refused without checking while the back-off runs
    assert any("秒后再试" in e.value for e in at.error)
    assert labels(at, "file_uploader") == []


def test_without_a_configured_hash_nobody_logs_in(monkeypatch):
    monkeypatch.delenv("BAODING_ADMIN_PASSWORD_HASH", raising=False)
    at = login(data_page(), PASSWORD)
    assert any("hash-password" in e.value for e in at.error)
    assert labels(at, "file_uploader") == []


def roll_back_to_version_1(at: AppTest) -> AppTest:
    """Pick version 1, confirm, press 回滚 (as an administrator would)."""
    at.selectbox(key="rollback_to").select(1)
    at.checkbox(key="rollback_confirm").check()
    at.run()
    next(b for b in at.button if b.label == "回滚").click()
    at.run()
    assert not at.exception
    return at


def test_administrator_gets_import_and_rolls_back(admin_hash):
    add_version()
    at = login(data_page())
    assert any("李管理" in c.value for c in at.caption)
    assert len(at.get("file_uploader")) == 1
    roll_back_to_version_1(at)
    assert any("版本 3" in s.value for s in at.success)
    (v3, *_) = st.open_store().versions()
    assert (v3.id, v3.who, v3.note) == (3, "李管理", "rollback to version 1")
    next(b for b in at.button if b.label == "退出登录").click()
    at.run()
    assert labels(at, "file_uploader") == []


def history(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if "SHA-256" in df.value.columns)


def test_history_shows_china_standard_time_and_notes_in_the_page_language(admin_hash):
    add_version()
    at = roll_back_to_version_1(login(data_page()))
    stored = {v.id: v for v in st.open_store().versions()}
    table = history(at).set_index("版本")
    assert "时间（北京时间，UTC+8）" in table.columns
    for vid, version in stored.items():
        utc = datetime.fromisoformat(version.at.replace("Z", "+00:00"))
        shown = datetime.strptime(table.loc[vid, "时间（北京时间，UTC+8）"], "%Y-%m-%d %H:%M:%S")
        assert shown - utc.replace(tzinfo=None) == timedelta(hours=8)
    assert table.loc[1, "说明"] == "种子文件（首次运行，或种子文件有改动）"
    assert table.loc[3, "说明"] == "回滚到版本 1"
    assert table.loc[2, "说明"] == ""  # a version without a note stays empty
    at.segmented_control(key="lang").set_value("en").run()
    table = history(at).set_index("Version")
    assert "When (China Standard Time, UTC+8)" in table.columns
    assert table.loc[1, "Note"] == "Seed files (first run, or they changed)"
    assert table.loc[3, "Note"] == "Rollback to version 1"


def test_import_notes_name_the_kind_in_the_page_language():
    from geo.web.imports import shown_note

    assert shown_note("sites import", "zh") == "导入：项目地点"
    assert shown_note("values import", "en") == "Import: Figures"
    assert (
        shown_note("县界更新：2017 年民政局文件", "en") == "县界更新：2017 年民政局文件"
    )  # an administrator's own words


def test_english_data_page():
    at = data_page()
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert any("Version history" in h.value for h in at.header)


def test_the_app_runs_on_postgis(monkeypatch):
    """Same pages, PostGIS store: DATABASE_URL switches the backend, the seed is loaded on first run."""
    import uuid

    from conftest import postgis_url

    url = postgis_url()
    schema = f"test_app_{uuid.uuid4().hex[:10]}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("BAODING_PG_SCHEMA", schema)
    try:
        at = data_page()
        assert any("PostGIS" in c.value for c in at.caption)
        at.switch_page("pages/sources.py").run()
        assert not at.exception and len(at.dataframe[0].value) >= 60
    finally:
        st.PostGISStore(url, schema).drop()
