"""The file-descriptor budget: raise the soft limit where the process may, and size sessions to it.

An open session holds ``FDS_PER_SESSION`` descriptors (its socket, plus the asyncio loop's epoll
and socketpair of its script thread: measured 4, see README); ``RESERVED_FDS`` are kept for the store,
the import child's pipes, static files and log files. When the table is full, accept() fails and
asyncio logs each failure: the session budget keeps the server below that point.
"""

from __future__ import annotations

import logging

try:
    import resource
except ImportError:  # not POSIX: no limit to raise or read
    resource = None  # type: ignore[assignment]

FDS_PER_SESSION = 4
RESERVED_FDS = 128
TARGET_SOFT_LIMIT = 65_536  # enough for every session memory allows (~1 MB each) on a small server

_log = logging.getLogger(__name__)


def raise_soft_limit(target: int = TARGET_SOFT_LIMIT) -> tuple[int, int]:
    """Raise RLIMIT_NOFILE's soft limit towards ``target`` (never above the hard limit); (soft, hard) after."""
    if resource is None:
        return (0, 0)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = target if hard == resource.RLIM_INFINITY else min(target, hard)
    if soft != resource.RLIM_INFINITY and soft < want:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
            soft = want
        except (ValueError, OSError) as exc:
            _log.warning("could not raise the descriptor limit from %s to %s: %s", soft, want, exc)
    return soft, hard


def session_budget() -> int:
    """How many websocket sessions the current soft descriptor limit allows."""
    if resource is None:
        return 10_000
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft == resource.RLIM_INFINITY:
        return 100_000
    return max(1, (soft - RESERVED_FDS) // FDS_PER_SESSION)
