"""Shared pieces of the benchmarks: servers, region data folders, the offline browser, /proc readings."""

from __future__ import annotations

import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
PYTHON = str(ROOT / ".venv" / "bin" / "python") if (ROOT / ".venv" / "bin" / "python").exists() else sys.executable
CHROMIUM = shutil.which("chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]
BARE_TEXT = "bare page for the benchmark"
MAP_IFRAME = "iframe[data-testid='stCustomComponentV1']"
CLK_TCK = os.sysconf("SC_CLK_TCK")

# JS run in the top page: number of interactive paths inside the map's (same-origin) iframe.
COUNT_PATHS_JS = """() => { let n = 0; for (const f of document.querySelectorAll('iframe')) {
  try { n += f.contentDocument.querySelectorAll('path.leaflet-interactive[fill]').length } catch (e) {} }
  return n }"""
FILLS_JS = """() => { for (const f of document.querySelectorAll('iframe')) { try {
  const ps = f.contentDocument.querySelectorAll('path.leaflet-interactive');
  if (ps.length) return [...ps].map(p => p.getAttribute('fill')).join('|') } catch (e) {} } return '' }"""


def free_port() -> int:
    """A free port on loopback; within ``BENCH_PORTS`` (``8610-8619``) when set, for a shared machine."""
    low, _, high = os.environ.get("BENCH_PORTS", "").partition("-")
    for port in range(int(low), int(high or low) + 1) if low else ():
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            if port not in _TAKEN:
                _TAKEN.add(port)
                return port
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_TAKEN: set[int] = set()  # handed out in this process, maybe not bound yet by the server it is for


@dataclass
class Server:
    name: str
    script: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    proc: subprocess.Popen | None = None
    tmp: Path | None = None
    cwd: Path = ROOT  # another checkout of the app (run.py --baseline) runs from its own folder

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 120) -> Server:
        self.port = self.port or free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"bench-{self.name}-"))
        # Every simulated visitor comes from this machine's one address: the per-address session budgets
        # (geo/server/budgets.py) would meet the bench's users, not an attacker; the per-session ones stay.
        many_visitors = {
            "BAODING_WS_PER_ADDRESS": "1000",
            "BAODING_WS_NEW_PER_MINUTE": "60000",
            "BAODING_WS_RERUNS_PER_ADDRESS_S": "1000",
        }
        env = {**os.environ, **many_visitors, "BAODING_STORE": str(self.tmp / "baoding.gpkg"), **self.env}
        env.pop("DATABASE_URL", None) if "DATABASE_URL" not in self.env else None
        self.proc = subprocess.Popen(
            [
                PYTHON,
                "-m",
                "streamlit",
                "run",
                str(self.script),
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=self.cwd,
            env=env,
            stdout=open(self.tmp / "server.log", "wb"),
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"{self.name} did not start: {(self.tmp / 'server.log').read_text()[-2000:]}")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server process so far (/proc/<pid>/stat)."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def memory_mb(self) -> tuple[float, float]:
        """(current RSS, peak RSS) in MB from /proc/<pid>/status."""
        status = dict(
            line.split(":", 1) for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines() if ":" in line
        )
        return int(status["VmRSS"].split()[0]) / 1024, int(status["VmHWM"].split()[0]) / 1024


def region_data_dir(counties_geojson: Path, keep_context: bool = False) -> Path:
    """A temporary copy of data/ whose counties are another region's (bench only).

    Indicator values exist for Baoding's 24 units only: every other unit shows "no data".
    The grey surroundings are Baoding's, so they are left out unless asked for.
    """
    target = Path(tempfile.mkdtemp(prefix="bench-data-"))
    for f in (ROOT / "data").iterdir():
        if f.is_file() and f.name != "counties.geojson" and (keep_context or f.name != "context.geojson"):
            shutil.copy2(f, target / f.name)
    shutil.copy2(counties_geojson, target / "counties.geojson")
    return target


def unit_count(counties_geojson: Path) -> int:
    return len(json.loads(counties_geojson.read_text(encoding="utf-8"))["features"])


def launch(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def offline_context(browser, host: str, **kwargs):
    """A browser context whose requests outside ``host`` are aborted (the offline meeting room)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN", **kwargs)
    context.blocked = []

    def guard(route):
        url = route.request.url
        if urlparse(url).netloc == host or url.startswith(("data:", "blob:", "about:")):
            route.continue_()
        else:
            context.blocked.append(url)
            route.abort("internetdisconnected")

    context.route("**/*", guard)
    return context


def spread(values: list[float]) -> dict[str, float]:
    values = sorted(values)
    q = statistics.quantiles(values, n=4) if len(values) >= 2 else [values[0]] * 3
    return {
        "n": len(values),
        "median": statistics.median(values),
        "min": values[0],
        "max": values[-1],
        "q1": q[0],
        "q3": q[2],
    }


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = min(len(values) - 1, max(0, round(p / 100 * (len(values) - 1))))
    return values[k]


def machine() -> dict[str, str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        "unknown",
    )
    mem_kb = int(
        next(line for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")).split()[1]
    )
    return {
        "cores": str(os.cpu_count()),
        "ram": f"{mem_kb / 1024 / 1024:.1f} GiB",
        "cpu": cpu,
        "load": " ".join(Path("/proc/loadavg").read_text().split()[:3]),
    }


def versions() -> dict[str, str]:
    from importlib.metadata import version

    out = {"python": sys.version.split()[0]}
    for pkg in ("streamlit", "streamlit-folium", "folium", "playwright"):
        out[pkg] = version(pkg)
    try:
        out["chromium"] = subprocess.run(
            [CHROMIUM, "--version"], capture_output=True, text=True, timeout=20
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        out["chromium"] = "unknown"
    return out


BENCH_BARE = ROOT / "bench" / "bare_app.py"


def error_summary(errors: list[str]) -> str:
    """'none', or each distinct error with its count, most frequent first."""
    kinds: dict[str, int] = {}
    for e in errors:
        kinds[e] = kinds.get(e, 0) + 1
    return "none" if not kinds else "; ".join(f"{n}× {k}" for k, n in sorted(kinds.items(), key=lambda kv: -kv[1]))


class WebSocketMessages:
    """Splits the server-to-browser byte stream of a websocket into messages (RFC 6455 framing).

    Each message's size is what crossed the wire: compressed payload plus frame headers, the
    HTTP 101 response before the first frame not included. Server frames are never masked.
    """

    def __init__(self):
        self.buffer = b""
        self.in_headers = True
        self.sizes: list[int] = []
        self._current = 0

    def feed(self, data: bytes) -> None:
        self.buffer += data
        if self.in_headers:
            end = self.buffer.find(b"\r\n\r\n")
            if end < 0:
                return
            self.buffer = self.buffer[end + 4 :]
            self.in_headers = False
        while len(self.buffer) >= 2:
            fin, length, head = self.buffer[0] & 0x80, self.buffer[1] & 0x7F, 2
            if length == 126:
                if len(self.buffer) < 4:
                    return
                length, head = int.from_bytes(self.buffer[2:4], "big"), 4
            elif length == 127:
                if len(self.buffer) < 10:
                    return
                length, head = int.from_bytes(self.buffer[2:10], "big"), 10
            if len(self.buffer) < head + length:
                return
            opcode = self.buffer[0] & 0x0F
            self.buffer = self.buffer[head + length :]
            if opcode >= 0x8:  # control frames (ping/pong/close) are not messages
                continue
            self._current += head + length
            if fin:
                self.sizes.append(self._current)
                self._current = 0


class CountingProxy:
    """A TCP relay on loopback that counts the bytes the server sends, per connection.

    Playwright reports websocket frames after permessage-deflate has been undone; this
    counts what actually crossed the wire. The websocket is a connection of its own (its
    first request line asks for /_stcore/stream), so its bytes can be told apart; HTTP
    connections are kept alive across requests, so they are only counted together.
    """

    def __init__(self, target_port: int):
        import asyncio
        import threading

        self.target_port = target_port
        self.port = free_port()
        self.connections: list[dict] = []
        self._loop = asyncio.new_event_loop()
        started = threading.Event()

        async def relay(reader, writer, counter=None):
            try:
                while data := await reader.read(65536):
                    if counter is not None:
                        counter["down"] += len(data)
                        if "parser" in counter:
                            counter["parser"].feed(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, OSError):
                pass
            finally:
                writer.close()

        async def handle(client_reader, client_writer):
            try:
                server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
            except OSError:
                client_writer.close()
                return
            first = await client_reader.read(65536)
            conn = {"first": first.split(b"\r\n", 1)[0].decode("latin-1"), "down": 0}
            if b"/_stcore/stream" in conn["first"].encode("latin-1"):
                conn["parser"] = WebSocketMessages()
            self.connections.append(conn)
            server_writer.write(first)
            try:
                await asyncio.gather(relay(client_reader, server_writer), relay(server_reader, client_writer, conn))
            except asyncio.CancelledError:  # the relay is being closed
                pass

        async def serve():
            self._server = await asyncio.start_server(handle, "127.0.0.1", self.port)
            started.set()

        def run():
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        threading.Thread(target=run, daemon=True).start()
        started.wait(10)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def websocket_messages(self) -> list[int]:
        """Wire bytes (frame headers included) of each message the server sent on the websocket(s)."""
        return [n for c in self.connections if "parser" in c for n in c["parser"].sizes]

    def websocket_bytes(self) -> int:
        return sum(c["down"] for c in self.connections if "/_stcore/stream" in c["first"])

    def total_bytes(self) -> int:
        return sum(c["down"] for c in self.connections)

    def close(self) -> None:
        import asyncio

        async def shutdown():
            self._server.close()
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        asyncio.run_coroutine_threadsafe(shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
