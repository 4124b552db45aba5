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
import ipaddress
import secrets
import threading
import time
from collections import OrderedDict, deque
from dataclasses import dataclass

# OWASP Password Storage Cheat Sheet: scrypt with N=2^17, r=8, p=1 at least.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**17, 8, 1
# p multiplies the time of a check, not its memory: a stored hash may ask for a little more work.
SCRYPT_MAX_P = 4


def scrypt_bytes(n: int, r: int, p: int) -> int:
    """Memory OpenSSL reserves for one scrypt (EVP_PBE_scrypt_ex: Blen + Vlen); beyond maxmem it refuses."""
    return 128 * r * p + 128 * r * (n + 2)


# The memory one password check may take (about 128 MiB at the parameters above): the limit passed to
# OpenSSL, so a check at N=2^17, r=8 runs (Python's default 32 MiB refuses it) and nothing costlier does.
SCRYPT_MAXMEM = scrypt_bytes(SCRYPT_N, SCRYPT_R, SCRYPT_MAX_P)
MAKE_HASH = "make a new one with `python -m geo hash-password` and put it in BAODING_ADMIN_PASSWORD_HASH"
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
    digest = hashlib.scrypt(
        password.encode(), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=32, maxmem=SCRYPT_MAXMEM
    )
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64(salt)}${_b64(digest)}"


@dataclass(frozen=True)
class _Scrypt:
    n: int
    r: int
    p: int
    salt: bytes
    digest: bytes


def _parse(stored: str) -> _Scrypt | None:
    parts = stored.strip().split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return None
    try:
        n, r, p = int(parts[1]), int(parts[2]), int(parts[3])
        salt, digest = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        return None
    return _Scrypt(n, r, p, salt, digest) if 0 < len(salt) <= 64 and 16 <= len(digest) <= 64 else None


def hash_problem(stored: str) -> str:
    """Why this stored hash cannot be used ("" when it can): not a hash, weaker than the minimum, or costlier
    than a check may be. Each message says how to make a new one."""
    if not stored.strip():
        return f"BAODING_ADMIN_PASSWORD_HASH is not set, so nobody can log in: {MAKE_HASH}"
    h = _parse(stored)
    if h is None:
        return f"BAODING_ADMIN_PASSWORD_HASH is not a scrypt$N$r$p$salt$hash line: {MAKE_HASH}"
    if h.n < SCRYPT_N or h.r < SCRYPT_R or h.p < SCRYPT_P or len(h.salt) < 16:
        return (
            f"BAODING_ADMIN_PASSWORD_HASH is too weak (scrypt N={h.n}, r={h.r}, p={h.p}, {len(h.salt)}-byte salt; "
            f"the minimum is N={SCRYPT_N}, r={SCRYPT_R}, p={SCRYPT_P}, 16 bytes): {MAKE_HASH}"
        )
    if h.n & (h.n - 1) or h.p > SCRYPT_MAX_P or scrypt_bytes(h.n, h.r, h.p) > SCRYPT_MAXMEM:
        return f"BAODING_ADMIN_PASSWORD_HASH asks for more work than one check may take here: {MAKE_HASH}"
    return ""


def verify_password(password: str, stored: str) -> bool:
    """Constant-time check against a usable scrypt hash (see hash_problem); False for any other."""
    h = _parse(stored)
    if h is None or hash_problem(stored):
        return False
    got = hashlib.scrypt(password.encode(), salt=h.salt, n=h.n, r=h.r, p=h.p, dklen=len(h.digest), maxmem=SCRYPT_MAXMEM)
    return hmac.compare_digest(got, h.digest)


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


def client_key(address: str | None) -> str:
    """Whose attempts count together: an IPv4 address, an IPv6 /64 (one subscriber's usual block, so
    hopping addresses inside it gains nothing), "local" for a browser on this machine (no address)."""
    if not address:
        return "local"
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


@dataclass
class _Client:
    failures: int = 0
    last: float = 0.0


class LoginGuard:
    """Who may try a password now; every attempt counted before its check; few checks at once.

    Per client (``client_key``): ``free`` tries, then a wait of base_s·2^k (capped at cap_s) between tries;
    a success resets the count, and a day without failures forgets it. Across the server: when guesses
    come from many clients (``alarm`` failures within ``window_s``), each client gets one free try instead
    of ``free``. Nothing counted against other clients ever stops a client with no failures of its own: the
    administrator, from an address of their own, is always checked — others' failures cannot lock them out.

    An attempt is counted as a failure when it is let through (under the lock), before its password is
    checked, and taken back if it succeeds: parallel guesses cannot all pass the count. At most ``checks``
    scrypt checks run at once, so guessing costs at most checks × SCRYPT_MAXMEM of memory.
    """

    def __init__(
        self,
        free: int = 3,
        base_s: float = 2.0,
        cap_s: float = 300.0,
        forget_s: float = 86_400.0,
        alarm: int = 20,
        window_s: float = 900.0,
        checks: int = 1,
        max_clients: int = 10_000,
    ) -> None:
        self.free, self.base_s, self.cap_s, self.forget_s = free, base_s, cap_s, forget_s
        self.window_s, self.max_clients = window_s, max_clients
        self._clients: OrderedDict[str, _Client] = OrderedDict()
        self._recent: deque[float] = deque(maxlen=alarm)  # times of the latest failures, any client
        self._lock = threading.Lock()
        self._checks = threading.BoundedSemaphore(checks)

    def _alarm(self, now: float) -> bool:
        return len(self._recent) == self._recent.maxlen and now - self._recent[0] < self.window_s

    def _wait(self, client: str, now: float) -> float:
        record = self._clients.get(client)
        if record is None or now - record.last > self.forget_s:
            return 0.0
        free = 1 if self._alarm(now) else self.free
        if record.failures < free:
            return 0.0
        delay = min(self.cap_s, self.base_s * 2 ** (record.failures - free))
        return max(0.0, record.last + delay - now)

    def wait(self, client: str, now: float) -> float:
        """Seconds until this client may try again (0 = now)."""
        with self._lock:
            return self._wait(client, now)

    def reserve(self, client: str, now: float) -> float:
        """0 and the attempt is counted (as a failure until ``succeeded``), or the seconds to wait."""
        with self._lock:
            wait = self._wait(client, now)
            if wait > 0:
                return wait
            record = self._clients.pop(client, None)
            if record is None or now - record.last > self.forget_s:
                record = _Client()
            record.failures += 1
            record.last = now
            self._clients[client] = record  # most recent last: the oldest are dropped first
            while len(self._clients) > self.max_clients:
                self._clients.popitem(last=False)
            self._recent.append(now)
            return 0.0

    def failed(self, client: str, at: float) -> None:
        """The attempt counted at ``reserve`` failed: the back-off runs from when its answer was known."""
        with self._lock:
            record = self._clients.get(client)
            if record is not None:
                record.last = max(record.last, at)

    def succeeded(self, client: str, reserved_at: float) -> None:
        with self._lock:
            self._clients.pop(client, None)
            if reserved_at in self._recent:
                self._recent.remove(reserved_at)

    def check(self, password: str, stored: str) -> bool:
        """verify_password, with at most ``checks`` running at once (each takes up to SCRYPT_MAXMEM)."""
        with self._checks:
            return verify_password(password, stored)


@dataclass(frozen=True)
class LoginResult:
    admin: Admin | None
    reason: str  # "", "not_configured", "bad_hash", "wait", "wrong"
    wait_s: float = 0.0


def login(
    name: str, password: str, stored_hash: str, guard: LoginGuard, client: str = "local", now: float | None = None
) -> LoginResult:
    """Check a password from ``client``; refused without checking while the guard says wait."""
    now = time.time() if now is None else now
    if not stored_hash.strip():
        return LoginResult(None, "not_configured")
    if hash_problem(stored_hash):
        return LoginResult(None, "bad_hash")
    wait = guard.reserve(client, now)
    if wait > 0:
        return LoginResult(None, "wait", wait)
    started = time.monotonic()
    if not guard.check(password, stored_hash):
        answered = now + (time.monotonic() - started)
        guard.failed(client, answered)
        return LoginResult(None, "wrong", guard.wait(client, answered))
    guard.succeeded(client, now)
    return LoginResult(issue(name.strip() or "admin", now), "")
