"""Check an upload in a child process with time and memory limits, so a hostile file cannot exhaust the server.

The app and ``python -m geo import`` call ``prepare_in_child``; it starts ``python -m geo.store.imports.child``,
which sets its own limits (resource.setrlimit: address space and CPU time) before reading anything, checks
the file with ``prepare_import`` and sends back progress and the result. A child that runs out of memory or
time, or dies for any other reason, becomes one problem naming the limit; nothing is written either way
(the child never touches the store: only the parent commits a result without problems).

The child's temporary files (an unpacked Shapefile, a GeoPackage copy) go into a folder the parent makes
and removes when the child has ended, however it ended: a child killed at its CPU or memory limit
cannot clean up after itself.

Messages on the child's stdout: a 4-byte big-endian length, then a pickle of ("progress", fraction,
text) or ("result", ImportResult). Pickle is safe here: both ends are this module, on this machine.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import resource
import select
import shutil
import signal
import struct
import subprocess
import sys
import tempfile
import time
from typing import Any, BinaryIO

import geopandas as gpd

from geo import settings
from geo.model import indicators as ind
from geo.store.imports import ImportOptions, ImportResult, limits, prepare_import
from geo.store.imports.options import ProgressFn
from geo.store.imports.problems import FILE_COLUMN, ImportProblem


def _send(out: BinaryIO, message: tuple[Any, ...]) -> None:
    blob = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    out.write(struct.pack(">I", len(blob)) + blob)
    out.flush()


def prepare_in_child(
    data: bytes,
    file_name: str,
    ds: ind.Dataset,
    counties: gpd.GeoDataFrame,
    options: ImportOptions | None = None,
    progress: ProgressFn | None = None,
    seconds: float | None = None,
    memory_bytes: int | None = None,
    grace_s: float = 15.0,
) -> ImportResult:
    """``prepare_import`` in a child process with limits (defaults: limits.CHILD_SECONDS, CHILD_MEMORY_BYTES)."""
    seconds = limits.CHILD_SECONDS if seconds is None else seconds
    memory_bytes = limits.CHILD_MEMORY_BYTES if memory_bytes is None else memory_bytes
    sha = hashlib.sha256(data).hexdigest()

    def refused(reason: str) -> ImportResult:
        return ImportResult(
            file_name, sha, (options or ImportOptions()).kind, 0, [ImportProblem(1, FILE_COLUMN, reason)], {}
        )

    folder = tempfile.mkdtemp(prefix="geo-import-")
    job = pickle.dumps((data, file_name, ds, counties, options, seconds, memory_bytes, folder))
    proc = subprocess.Popen(
        [sys.executable, *_CHILD_COMMAND],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=settings.ROOT,
        env={**os.environ, "TMPDIR": folder, "CPL_TMPDIR": folder},
    )
    deadline = time.monotonic() + seconds + grace_s  # the child's CPU limit comes first; this catches waiting
    try:
        try:
            proc.stdin.write(job)
            proc.stdin.close()
        except BrokenPipeError:
            pass
        reader = _Reader(proc.stdout.fileno())
        while True:
            message = reader.next(deadline)
            if message is None:
                break
            if message[0] == "progress" and progress:
                progress(message[1], message[2])
            elif message[0] == "result":
                return message[1]
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        shutil.rmtree(folder, ignore_errors=True)
    code = proc.returncode
    if code == -signal.SIGXCPU or code == -signal.SIGKILL or time.monotonic() >= deadline:
        return refused(limits.refusal("child_time", round(seconds)))
    if code == _OUT_OF_MEMORY:
        return refused(limits.refusal("child_memory", limits.size_text(memory_bytes)))
    return refused(limits.refusal("child_died", "", f"exit code {code}"))


class _Reader:
    """Length-prefixed messages from a pipe, each read before a deadline."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buffer = b""

    def _fill(self, size: int, deadline: float) -> bool:
        while len(self.buffer) < size:
            wait = deadline - time.monotonic()
            if wait <= 0 or not select.select([self.fd], [], [], wait)[0]:
                return False
            piece = os.read(self.fd, 1 << 20)
            if not piece:
                return False
            self.buffer += piece
        return True

    def next(self, deadline: float) -> tuple[Any, ...] | None:
        if not self._fill(4, deadline):
            return None
        (size,) = struct.unpack(">I", self.buffer[:4])
        if not self._fill(4 + size, deadline):
            return None
        blob, self.buffer = self.buffer[4 : 4 + size], self.buffer[4 + size :]
        return pickle.loads(blob)


_CHILD_COMMAND = ["-m", "geo.store.imports.child"]
_OUT_OF_MEMORY = 3  # the child's exit code when the address-space limit stopped it


def main() -> int:
    data, file_name, ds, counties, options, seconds, memory_bytes, folder = pickle.load(sys.stdin.buffer)
    tempfile.tempdir = folder  # the parent removes it, whatever becomes of this process
    # Limits before any work on the file: CPU seconds (SIGXCPU ends the process) and address space
    # (allocations beyond it fail with MemoryError).
    resource.setrlimit(resource.RLIMIT_CPU, (max(1, int(seconds)), max(1, int(seconds)) + 1))
    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    out = sys.stdout.buffer
    try:
        result = prepare_import(
            data, file_name, ds, counties, options, lambda f, text: _send(out, ("progress", f, text))
        )
    except MemoryError:
        return _OUT_OF_MEMORY
    _send(out, ("result", result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
