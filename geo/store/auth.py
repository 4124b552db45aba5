"""Administrator login: password hashes, session tokens, and slowing down guessing.

Viewing needs no login; writing to the store (import, rollback, boundary changes) needs
an Admin token, which only ``login`` (the page) and ``issue`` (the command line, whose
user already holds the files or the database) hand out. The hash lives in the
environment (BAODING_ADMIN_PASSWORD_HASH) or .streamlit/secrets.toml, never in the
repository; ``python -m geo hash-password`` makes one.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
PBKDF2_ITERATIONS = 600_000
SESSION_MAX_S = 8 * 3600
# Process secret: tokens are worthless outside the server process that issued them.
_KEY = secrets.token_bytes(32)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def hash_password(password: str, salt: bytes | None = None) -> str:
    """``scrypt$N$r$p$salt$hash`` (base64), for BAODING_ADMIN_PASSWORD_HASH."""
    if not password:
        raise ValueError("empty password")
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


def valid_hash(stored: str) -> bool:
    parts = stored.strip().split("$")
    try:
        if parts[0] == "scrypt" and len(parts) == 6:
            int(parts[1]), int(parts[2]), int(parts[3])
        elif parts[0] == "pbkdf2_sha256" and len(parts) == 4:
            int(parts[1])
        else:
            return False
        base64.b64decode(parts[-2], validate=True), base64.b64decode(parts[-1], validate=True)
    except (ValueError, IndexError):
        return False
    return True


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check against a scrypt (or pbkdf2_sha256$iterations$salt$hash) hash."""
    if not valid_hash(stored):
        return False
    parts = stored.strip().split("$")
    salt, expected = base64.b64decode(parts[-2]), base64.b64decode(parts[-1])
    if parts[0] == "scrypt":
        n, r, p = (int(x) for x in parts[1:4])
        try:
            got = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r, p=p, dklen=len(expected), maxmem=2**27)
        except ValueError:  # parameters OpenSSL refuses (memory limit, n not a power of two)
            return False
    else:
        got = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, int(parts[1]), dklen=len(expected))
    return hmac.compare_digest(got, expected)


@dataclass(frozen=True)
class Admin:
    """Proof of a login in this process; pass it to every write action."""

    name: str
    issued: float
    mac: str


def _mac(name: str, issued: float) -> str:
    return hmac.new(_KEY, f"{name}|{issued!r}".encode(), hashlib.sha256).hexdigest()


def issue(name: str, now: float | None = None) -> Admin:
    issued = time.time() if now is None else now
    return Admin(name, issued, _mac(name, issued))


def require(admin: object, now: float | None = None) -> Admin:
    """The admin token, if it is one this process issued and it has not expired; else PermissionError."""
    if not isinstance(admin, Admin) or not hmac.compare_digest(admin.mac, _mac(admin.name, admin.issued)):
        raise PermissionError("an administrator login is needed for this action")
    if (time.time() if now is None else now) - admin.issued > SESSION_MAX_S:
        raise PermissionError("the administrator login has expired; log in again")
    return admin


class Throttle:
    """Failed logins: a few free tries, then a wait that doubles with each failure (capped)."""

    def __init__(self, free: int = 3, base_s: float = 2.0, cap_s: float = 300.0) -> None:
        self.free, self.base_s, self.cap_s = free, base_s, cap_s
        self.failures = 0
        self.last = 0.0
        self._lock = threading.Lock()

    def wait(self, now: float) -> float:
        """Seconds until another attempt is allowed (0 = now)."""
        with self._lock:
            if self.failures < self.free:
                return 0.0
            delay = min(self.cap_s, self.base_s * 2 ** (self.failures - self.free))
            return max(0.0, self.last + delay - now)

    def failed(self, now: float) -> None:
        with self._lock:
            self.failures += 1
            self.last = now

    def succeeded(self) -> None:
        with self._lock:
            self.failures = 0


@dataclass(frozen=True)
class LoginResult:
    admin: Admin | None
    reason: str  # "", "not_configured", "wait", "wrong"
    wait_s: float = 0.0


def login(
    name: str, password: str, stored_hash: str, throttles: tuple[Throttle, ...], now: float | None = None
) -> LoginResult:
    """Check a password; refused without checking while any throttle (session, process) says wait."""
    now = time.time() if now is None else now
    if not valid_hash(stored_hash):
        return LoginResult(None, "not_configured")
    wait = max(t.wait(now) for t in throttles)
    if wait > 0:
        return LoginResult(None, "wait", wait)
    if not verify_password(password, stored_hash):
        for t in throttles:
            t.failed(now)
        return LoginResult(None, "wrong", max(t.wait(now) for t in throttles))
    for t in throttles:
        t.succeeded()
    return LoginResult(issue(name.strip() or "admin", now), "")
