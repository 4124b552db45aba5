"""Administrator login: hashes, tokens, counting guesses; write actions refuse without a login."""

from __future__ import annotations

import base64
import hashlib
import threading
import time

import pandas as pd
import pytest

from geo import store as st
from geo.i18n import t
from geo.store import admin, auth
from geo.store import imports as importer

RIGHT = "right-password"


def test_a_hash_made_by_hash_password_verifies():
    hashed = auth.hash_password("s3cret-pass")
    assert hashed.startswith(f"scrypt${2**17}$8$1$") and auth.hash_problem(hashed) == ""
    assert auth.verify_password("s3cret-pass", hashed)
    assert not auth.verify_password("s3cret-pasS", hashed)
    assert auth.hash_password("s3cret-pass") != hashed  # salted
    # One check at these parameters needs about 128 MiB: more than Python's default limit (32 MiB), which
    # is why such a hash never verified before; the limit the app passes lets it and nothing costlier.
    needed = auth.scrypt_bytes(2**17, 8, 1)
    assert 32 * 2**20 < needed <= auth.SCRYPT_MAXMEM <= 129 * 2**20


def _scrypt_line(password: str, n: int, r: int = 8, p: int = 1, salt: bytes = b"0123456789abcdef") -> str:
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=32, maxmem=2**30)
    return f"scrypt${n}${r}${p}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def test_a_weak_stored_hash_is_refused_with_how_to_make_a_new_one():
    weak = _scrypt_line("pw", 2**14)  # what hash-password made before: 16 MiB per check
    problem = auth.hash_problem(weak)
    assert "too weak" in problem and "N=16384" in problem and "python -m geo hash-password" in problem
    assert not auth.verify_password("pw", weak)  # the right password, and still refused
    result = auth.login("a", "pw", weak, auth.LoginGuard())
    assert result.admin is None and result.reason == "bad_hash"
    salt = b"0123456789abcdef"
    pbkdf2 = (
        f"pbkdf2_sha256$1000${base64.b64encode(salt).decode()}$"
        + base64.b64encode(hashlib.pbkdf2_hmac("sha256", b"pw", salt, 1000)).decode()
    )
    too_costly = "scrypt$1048576$8$1$MDEyMzQ1Njc4OWFiY2RlZg==$" + "A" * 44  # 1 GiB per check
    for bad in (pbkdf2, "plain-text-password", "scrypt$1$2$3$!!$!!", "scrypt$3$8$1$AAAA$AAAA", "md5$x$y", too_costly):
        assert "python -m geo hash-password" in auth.hash_problem(bad), bad
        assert not auth.verify_password("pw", bad)
    assert "more work" in auth.hash_problem(too_costly)
    for lang in ("zh", "en"):  # what the data page says to anyone who tries to log in
        assert "python -m geo hash-password" in t("login_bad_hash", lang)


def test_only_issued_unexpired_tokens_pass():
    token = auth.issue("alice", now=1000.0)
    assert auth.require(token, now=1001.0) is token
    for forged in (None, "admin", auth.Admin("alice", 1000.0, "0" * 64), auth.Admin("mallory", 1000.0, token.mac)):
        with pytest.raises(PermissionError):
            auth.require(forged, now=1001.0)
    with pytest.raises(PermissionError, match="expired"):
        auth.require(token, now=1000.0 + auth.SESSION_MAX_S + 1)


def test_failed_logins_are_slowed_down(counted_checks):
    guard = auth.LoginGuard(free=2, base_s=2)
    stored, now = auth.hash_password(RIGHT), 0.0
    assert auth.login("a", "wrong", stored, guard, "10.0.0.1", now).reason == "wrong"
    second = auth.login("a", "wrong", stored, guard, "10.0.0.1", now)
    assert second.reason == "wrong" and second.wait_s == 2  # counted from the answer, not the question
    # Even the right password is not checked while the back-off runs.
    assert auth.login("a", RIGHT, stored, guard, "10.0.0.1", now + 1).reason == "wait"
    third = auth.login("a", "wrong", stored, guard, "10.0.0.1", now + 3)
    assert third.wait_s == 4  # doubled
    assert auth.login("a", RIGHT, stored, guard, "10.0.0.1", now + 6).reason == "wait"
    ok = auth.login("alice", RIGHT, stored, guard, "10.0.0.1", now + 10)
    assert ok.admin is not None and ok.admin.name == "alice" and guard.wait("10.0.0.1", now + 10) == 0
    assert counted_checks["checks"] == 4


@pytest.fixture
def counted_checks(monkeypatch):
    """verify_password replaced by a slow stand-in that records how many checks ran, and how many at once."""
    seen = {"checks": 0, "running": 0, "most_at_once": 0}
    lock = threading.Lock()

    def check(password: str, stored: str) -> bool:
        with lock:
            seen["checks"] += 1
            seen["running"] += 1
            seen["most_at_once"] = max(seen["most_at_once"], seen["running"])
        time.sleep(0.02)  # long enough for the other threads to pile up behind the count
        with lock:
            seen["running"] -= 1
        return password == RIGHT

    monkeypatch.setattr(auth, "verify_password", check)
    return seen


def race(
    guard: auth.LoginGuard, attempts: list[tuple[str, str]], stored: str, now: float | None = None
) -> list[auth.LoginResult]:
    """Each (client, password) from its own thread, all let go at the same instant."""
    start = threading.Barrier(len(attempts))
    results: list[auth.LoginResult | None] = [None] * len(attempts)

    def attempt(i: int, client: str, password: str) -> None:
        start.wait()
        results[i] = auth.login("x", password, stored, guard, client, now)

    threads = [threading.Thread(target=attempt, args=(i, *a)) for i, a in enumerate(attempts)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return results


def test_parallel_guesses_are_counted_before_they_are_checked(counted_checks):
    guard = auth.LoginGuard(free=3)
    results = race(guard, [("203.0.113.9", f"guess {i}") for i in range(40)], auth.hash_password(RIGHT))
    assert counted_checks["checks"] == 3  # the free tries, not 40
    assert sorted(r.reason for r in results) == ["wait"] * 37 + ["wrong"] * 3
    assert counted_checks["most_at_once"] == 1  # one scrypt check (up to SCRYPT_MAXMEM) at a time


def test_others_failures_do_not_keep_the_administrator_out(counted_checks):
    guard = auth.LoginGuard(free=3, alarm=20)
    stored = auth.hash_password(RIGHT)
    now = 1000.0
    # One address guessing for an hour, then 100 more addresses guessing at once: the server is alarmed.
    for k in range(60):
        auth.login("x", "guess", stored, guard, "198.51.100.7", now + 60 * k)
    later = now + 3600
    attackers = [f"192.0.2.{i}" for i in range(50)] + [f"2001:db8:{i}::1" for i in range(50)]
    assert [r.reason for r in race(guard, [(a, "guess") for a in attackers], stored, later)] == ["wrong"] * 100
    assert auth.login("x", "guess", stored, guard, "192.0.2.1", later).reason == "wait"  # one free try each now
    # The administrator from an address of their own: checked at once, and let in.
    ok = auth.login("admin", RIGHT, stored, guard, "100.64.1.2", later)
    assert ok.admin is not None and ok.reason == ""
    # A typo while the alarm lasts costs them one short wait, not the attackers' back-off.
    typo = auth.login("admin", "rigth-password", stored, guard, "100.64.7.7", later)
    assert typo.reason == "wrong" and typo.wait_s == 2
    assert auth.login("admin", RIGHT, stored, guard, "100.64.7.7", later + 3).admin is not None


def test_attempts_count_per_address_not_per_session():
    assert auth.client_key(None) == "local"  # a browser on the server itself
    assert auth.client_key("203.0.113.9") == "203.0.113.9"
    assert auth.client_key("::ffff:203.0.113.9") == "203.0.113.9"
    # Hopping addresses within one IPv6 /64 (one subscriber) does not give fresh tries.
    assert auth.client_key("2001:db8:1:2::1") == auth.client_key("2001:db8:1:2:ffff::9") == "2001:db8:1:2::/64"
    assert auth.client_key("2001:db8:1:3::1") != auth.client_key("2001:db8:1:2::1")


def test_the_guard_remembers_a_bounded_number_of_clients():
    guard = auth.LoginGuard(max_clients=100)
    for i in range(1000):
        guard.reserve(f"client {i}", 0.0)
    assert len(guard._clients) == 100


def test_no_configured_hash_means_no_login():
    result = auth.login("a", "anything", "", auth.LoginGuard())
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
