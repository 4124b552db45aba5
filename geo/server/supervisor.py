"""Run the deployment without systemd: N app workers and nginx from deploy/, with a watchdog.

``python -m geo serve`` (``make serve``, the deployment tests) starts each worker with the ExecStart of
deploy/systemd/baoding@.service, renders the nginx site of deploy/nginx/ into a run folder and runs nginx in
the foreground on it. Once a second it looks at every worker: one that exited is started again; one whose
``/_stcore/health`` has not answered for ``watchdog`` seconds (a wedged or stopped process, which looks alive)
is killed and started again, with a log line saying why. Ctrl-C (or SIGTERM) stops nginx, then the workers.

The same watchdog runs on a real server as its own service (``python -m geo watchdog``, restarting
``baoding@PORT`` through systemctl): deploy/systemd/baoding-watchdog.service.
"""

from __future__ import annotations

import json
import logging
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from geo.server import deployfiles

log = logging.getLogger("geo.serve")

START_GRACE_S = 120  # a worker that has just started gets this long to answer its first health check
CHECK_EVERY_S = 1.0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def healthy(port: int, timeout: float) -> bool:
    """Whether the worker on ``port`` answers /_stcore/health with 200 within ``timeout`` seconds."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=timeout) as r:
            return r.status == 200
    except (OSError, ValueError):
        return False


class Watchdog:
    """Which workers have not answered their health check for ``seconds``.

    One probe thread per worker asks /_stcore/health again and again, each time waiting up to ``seconds``
    for the answer: a worker that is only busy (a burst of sessions, a slow machine) and answers late still
    counts as alive; one that is wedged or stopped never answers, and is stale ``seconds`` after its last
    answer.
    """

    def __init__(self, ports: list[int], seconds: float) -> None:
        self.seconds = seconds
        now = time.monotonic()
        self.last_ok: dict[int, float] = {p: now for p in ports}
        self.started: dict[int, float] = {p: now for p in ports}
        self.seen_ok: dict[int, bool] = {p: False for p in ports}
        self._lock = threading.Lock()
        self._closed = threading.Event()
        for port in ports:
            threading.Thread(target=self._probe, args=(port,), name=f"health-{port}", daemon=True).start()

    def _probe(self, port: int) -> None:
        while not self._closed.is_set():
            asked = time.monotonic()
            if healthy(port, self.seconds):
                with self._lock:
                    if asked >= self.started[port]:  # not an answer of the process before a restart
                        self.last_ok[port] = time.monotonic()
                        self.seen_ok[port] = True
                self._closed.wait(CHECK_EVERY_S)
            else:
                self._closed.wait(0.5)

    def close(self) -> None:
        self._closed.set()

    def restarted(self, port: int) -> None:
        with self._lock:
            now = time.monotonic()
            self.last_ok[port] = self.started[port] = now
            self.seen_ok[port] = False

    def stale(self) -> list[tuple[int, str]]:
        """(port, why) of every worker to restart now."""
        now = time.monotonic()
        out = []
        with self._lock:
            for port, last in self.last_ok.items():
                if self.seen_ok[port] and now - last >= self.seconds:
                    out.append((port, f"/_stcore/health has not answered for {now - last:.0f} s"))
                elif not self.seen_ok[port] and now - self.started[port] >= START_GRACE_S:
                    out.append((port, f"/_stcore/health never answered in {START_GRACE_S} s after start"))
        return out


def _die_with_parent() -> None:
    """In the child before exec: get SIGTERM if the supervisor itself dies (even by kill -9)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


@dataclass
class Worker:
    port: int
    proc: subprocess.Popen | None = None
    restarts: int = 0
    started_at: float = 0.0
    quick_exits: int = 0


@dataclass
class Supervisor:
    workers: int
    listen: str
    run_dir: Path
    first_port: int = 0  # 0: free ports
    watchdog_seconds: float = 30
    server_name: str = "_"
    tls_cert: str = ""
    tls_key: str = ""
    tls_listen: str = ""
    python: str = sys.executable
    nginx: str = ""
    env: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.run_dir = Path(self.run_dir).resolve()
        self.nginx = self.nginx or shutil.which("nginx") or "/usr/sbin/nginx"
        self.pool: list[Worker] = []
        self.proxy: subprocess.Popen | None = None
        self.stopping = threading.Event()

    # --- files -------------------------------------------------------------------------------------

    def url(self) -> str:
        host, _, port = self.listen.rpartition(":")
        return f"http://{host or '127.0.0.1'}:{port}"

    def render(self) -> Path:
        conf_dir = self.run_dir / "nginx"
        site = deployfiles.Site(
            workers=[f"127.0.0.1:{w.port}" for w in self.pool],
            listen=self.listen,
            conf_dir=conf_dir,
            server_name=self.server_name,
            access_log=str(self.run_dir / "access.log"),
            tls_cert=self.tls_cert,
            tls_key=self.tls_key,
            tls_listen=self.tls_listen or "443",
        )
        deployfiles.render_site(site)
        return deployfiles.render_supervised_nginx(self.run_dir, conf_dir)

    def write_state(self, ready: bool) -> None:
        state = {
            "ready": ready,
            "url": self.url(),
            "supervisor": os.getpid(),
            "nginx": self.proxy.pid if self.proxy else None,
            "workers": {str(w.port): (w.proc.pid if w.proc else None) for w in self.pool},
            "names": {f"w{k + 1}": w.port for k, w in enumerate(self.pool)},  # as Site.names() orders them
            "restarts": {str(w.port): w.restarts for w in self.pool},
        }
        tmp = self.run_dir / "state.json.tmp"
        tmp.write_text(json.dumps(state, indent=1), encoding="utf-8")
        tmp.replace(self.run_dir / "state.json")

    # --- processes ---------------------------------------------------------------------------------

    def start_worker(self, w: Worker) -> None:
        cmd = deployfiles.worker_command(w.port, self.python)
        out = open(self.run_dir / f"worker-{w.port}.log", "ab")
        w.proc = subprocess.Popen(
            cmd,
            cwd=deployfiles.ROOT,
            env={**os.environ, **self.env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        out.close()
        w.started_at = time.monotonic()
        log.info("worker :%d started (pid %d)", w.port, w.proc.pid)

    def start_nginx(self, conf: Path) -> None:
        cmd = [self.nginx, "-p", str(self.run_dir), "-c", str(conf), "-e", str(self.run_dir / "nginx-error.log")]
        test = subprocess.run([*cmd, "-t", "-q"], capture_output=True, text=True)
        if test.returncode != 0:
            raise RuntimeError(f"nginx refused the configuration:\n{test.stderr.strip()}")
        self.proxy = subprocess.Popen(cmd, start_new_session=True, preexec_fn=_die_with_parent)
        log.info("nginx started (pid %d) on %s", self.proxy.pid, self.listen)

    def kill_worker(self, w: Worker) -> None:
        if w.proc and w.proc.poll() is None:
            w.proc.kill()  # SIGKILL also ends a stopped (SIGSTOP) process
            w.proc.wait(timeout=30)

    def stop(self) -> None:
        self.stopping.set()
        if self.proxy and self.proxy.poll() is None:
            self.proxy.terminate()
        for w in self.pool:
            if w.proc and w.proc.poll() is None:
                w.proc.terminate()
        deadline = time.monotonic() + 10
        for p in [self.proxy, *(w.proc for w in self.pool)]:
            if p is None:
                continue
            try:
                p.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=10)
        log.info("stopped")

    def prepare_store(self) -> None:
        """Create or update the store once, before the workers (they would otherwise race to seed it)."""
        from geo import settings, store

        s = store.open_store()
        s.ensure(settings.data_dir())
        log.info("store %s at version %d", s.label, s.current_version())

    # --- running -----------------------------------------------------------------------------------

    def start(self) -> None:
        if not Path(self.nginx).exists():
            raise RuntimeError("nginx is not installed: apt-get install nginx-light (make serve installs it)")
        self.run_dir.mkdir(parents=True, exist_ok=True)
        self.run_dir.chmod(0o755)  # nginx's worker processes (user nobody under root) read the site here
        self.prepare_store()
        ports = [self.first_port + k if self.first_port else free_port() for k in range(self.workers)]
        self.pool = [Worker(p) for p in ports]
        for w in self.pool:
            self.start_worker(w)
        deadline = time.monotonic() + START_GRACE_S
        waiting = {w.port for w in self.pool}
        while waiting:
            for w in self.pool:
                if w.port in waiting and w.proc.poll() is not None:
                    raise RuntimeError(
                        f"worker :{w.port} exited with code {w.proc.returncode}; "
                        f"see {self.run_dir / f'worker-{w.port}.log'}"
                    )
            waiting = {p for p in waiting if not healthy(p, 2)}
            if waiting and time.monotonic() > deadline:
                raise RuntimeError(f"workers {sorted(waiting)} did not answer their health check")
            if waiting:
                time.sleep(0.3)
        self.start_nginx(self.render())
        self.write_state(ready=True)

    def loop(self) -> None:
        watchdog = Watchdog([w.port for w in self.pool], self.watchdog_seconds)
        try:
            self._watch(watchdog)
        finally:
            watchdog.close()

    def _watch(self, watchdog: Watchdog) -> None:
        by_port = {w.port: w for w in self.pool}
        while not self.stopping.wait(CHECK_EVERY_S):
            changed = False
            if self.proxy and self.proxy.poll() is not None:
                log.warning("nginx exited with code %s; starting it again", self.proxy.returncode)
                self.start_nginx(self.run_dir / "nginx.conf")
                changed = True
            for w in self.pool:
                if w.proc.poll() is not None and not self.stopping.is_set():
                    code = w.proc.returncode
                    why = f"killed by signal {-code}" if code < 0 else f"exited with code {code}"
                    quick = time.monotonic() - w.started_at < 10
                    w.quick_exits = w.quick_exits + 1 if quick else 0
                    delay = min(30, 2**w.quick_exits - 1)
                    log.warning(
                        "worker :%d (pid %d) %s; starting it again%s",
                        w.port,
                        w.proc.pid,
                        why,
                        f" in {delay} s" if delay else "",
                    )
                    if delay and self.stopping.wait(delay):
                        return
                    w.restarts += 1
                    self.start_worker(w)
                    watchdog.restarted(w.port)
                    changed = True
            for port, why in watchdog.stale():
                w = by_port[port]
                if self.stopping.is_set():
                    return
                log.warning("watchdog: worker :%d (pid %d) %s; killing it and starting it again", port, w.proc.pid, why)
                self.kill_worker(w)
                w.restarts += 1
                self.start_worker(w)
                watchdog.restarted(port)
                changed = True
            if changed:
                self.write_state(ready=True)


def run_watchdog(ports: list[int], seconds: float, restart: Callable[[int], None]) -> None:
    """The watchdog alone, for a service manager's workers: ``restart(port)`` when one stops answering."""
    watchdog = Watchdog(ports, seconds)
    while True:
        time.sleep(CHECK_EVERY_S)
        for port, why in watchdog.stale():
            log.warning("watchdog: worker :%d %s; restarting it", port, why)
            restart(port)
            watchdog.restarted(port)


def restart_command(template: str) -> Callable[[int], None]:
    """A restart action from a command template such as ``systemctl restart baoding@{port}.service``."""

    def restart(port: int) -> None:
        cmd = [arg.replace("{port}", str(port)) for arg in shlex.split(template)]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            log.error("watchdog: %s failed: %s", " ".join(cmd), done.stderr.strip()[-500:])

    return restart


def serve(sup: Supervisor) -> int:
    """Start everything, print the URL, watch until Ctrl-C or SIGTERM, stop cleanly."""

    def on_signal(signum: int, frame: object) -> None:
        sup.stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        sup.start()
        ports = ", ".join(str(w.port) for w in sup.pool)
        print(
            f"serving at {sup.url()}  ({len(sup.pool)} workers on ports {ports}; logs in {sup.run_dir}; Ctrl-C stops)",
            flush=True,
        )
        sup.loop()
    except (RuntimeError, ValueError) as exc:
        log.error("%s", exc)
        return 1
    finally:
        sup.stop()
    return 0


def setup_logging(run_dir: Path | None = None) -> None:
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if run_dir is not None:
        run_dir.mkdir(parents=True, exist_ok=True)
        handlers.append(logging.FileHandler(run_dir / "supervisor.log", encoding="utf-8"))
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s", handlers=handlers, force=True)
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
