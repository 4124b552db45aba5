"""Administrator login: hashes, tokens, back-off; write actions refuse without a login."""

from __future__ import annotations

import base64
import hashlib

import pandas as pd
import pytest

from geo import store as st
from geo.store import admin, auth
from geo.store import imports as importer


def test_hash_and_verify():
    hashed = auth.hash_password("s3cret-pass")
    assert hashed.startswith("scrypt$") and auth.valid_hash(hashed)
    assert auth.verify_password("s3cret-pass", hashed)
    assert not auth.verify_password("s3cret-pasS", hashed)
    assert auth.hash_password("s3cret-pass") != hashed  # salted


def test_pbkdf2_hashes_are_accepted_and_garbage_is_not():
    salt = b"0123456789abcdef"
    digest = hashlib.pbkdf2_hmac("sha256", b"pw", salt, 1000)
    stored = f"pbkdf2_sha256$1000${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"
    assert auth.verify_password("pw", stored)
    for bad in ("", "plain-text-password", "scrypt$1$2$3$!!$!!", "scrypt$3$8$1$AAAA$AAAA", "md5$x$y"):
        assert not auth.verify_password("pw", bad)


def test_only_issued_unexpired_tokens_pass():
    token = auth.issue("alice", now=1000.0)
    assert auth.require(token, now=1001.0) is token
    for forged in (None, "admin", auth.Admin("alice", 1000.0, "0" * 64), auth.Admin("mallory", 1000.0, token.mac)):
        with pytest.raises(PermissionError):
            auth.require(forged, now=1001.0)
    with pytest.raises(PermissionError, match="expired"):
        auth.require(token, now=1000.0 + auth.SESSION_MAX_S + 1)


def test_failed_logins_are_slowed_down():
    hashed = auth.hash_password("right-password")
    session, process = auth.Throttle(free=2, base_s=2), auth.Throttle(free=5, base_s=2)
    now = 0.0
    assert auth.login("a", "wrong", hashed, (session, process), now).reason == "wrong"
    second = auth.login("a", "wrong", hashed, (session, process), now)
    assert second.reason == "wrong" and second.wait_s == 2
    # Even the right password is not checked while the back-off runs.
    assert auth.login("a", "right-password", hashed, (session, process), now + 1).reason == "wait"
    third = auth.login("a", "wrong", hashed, (session, process), now + 2)
    assert third.wait_s == 4  # doubled
    ok = auth.login("alice", "right-password", hashed, (session, process), now + 10)
    assert ok.admin is not None and ok.admin.name == "alice" and session.failures == 0


def test_no_configured_hash_means_no_login():
    result = auth.login("a", "anything", "", (auth.Throttle(),))
    assert result.admin is None and result.reason == "not_configured"


def test_write_actions_refuse_a_visitor(tmp_path):
    store = st.GeoPackageStore(tmp_path / "s.gpkg")
    store.ensure()
    ds, counties = store.dataset(), store.counties()
    result = importer.prepare_import(
        "县,指标,年份,数值,来源\n阜平,剩余贫困人口,2016,5,report2016\n".encode(), "a.csv", ds, counties
    )
    assert result.ok
    for visitor in (None, {"name": "admin"}, auth.Admin("admin", 0.0, "")):
        with pytest.raises(PermissionError):
            admin.commit_import(visitor, store, result)
        with pytest.raises(PermissionError):
            admin.rollback(visitor, store, 1)
    assert store.current_version() == 1
    v = admin.commit_import(auth.issue("alice"), store, result)
    assert v.who == "alice" and v.note == "values import"
    bad = importer.ImportResult("b.csv", "", "values", 1, [importer.ImportProblem(2, "x", "bad")], {})
    with pytest.raises(ValueError):
        admin.commit_import(auth.issue("alice"), store, bad)
    assert pd.notna(store.versions()[0].at)
