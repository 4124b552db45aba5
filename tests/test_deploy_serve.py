"""The deployment as it runs: `python -m geo serve` with 2 workers behind nginx, all from deploy/.

One deployment for the module (its own GeoPackage, a short watchdog, HTTPS beside HTTP with a throwaway
certificate). Which worker served a request is read from nginx's access log (the bd_worker cookie a request
carried, the worker that answered).
"""

from __future__ import annotations

import asyncio
import gzip
import http.client
import json
import os
import re
import signal
import ssl
import subprocess
import sys
import threading
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from browser_support import ARTIFACTS, CHROMIUM, MAP_IFRAME, closed_after, eventually, healthy, offline_context
from test_deploy import NGINX

from geo.server import deployfiles

ROOT = Path(__file__).resolve().parents[1]
WATCHDOG_S = 5

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(NGINX is None and not os.environ.get("CI"), reason="Debian nginx-light not installed"),
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Debian chromium not installed"),
]


class Deployment:
    def __init__(self, run_dir: Path, proc: subprocess.Popen, url: str, https: str) -> None:
        self.run_dir, self.proc, self.url, self.https = run_dir, proc, url, https

    def state(self) -> dict:
        return json.loads((self.run_dir / "state.json").read_text())

    def workers(self) -> dict[int, int]:
        """port -> pid"""
        return {int(p): pid for p, pid in self.state()["workers"].items()}

    def log(self) -> str:
        return (self.run_dir / "supervisor.log").read_text(encoding="utf-8")

    def port_of(self, name: str) -> int:
        """The port of the worker a bd_worker cookie names."""
        return self.state()["names"][name]

    def served(self, path: str) -> list[tuple[str, str]]:
        """(cookie the request carried, worker that answered) of each logged request for ``path``.
        A websocket's line is written when it closes."""
        out = []
        for line in (self.run_dir / "access.log").read_text().splitlines():
            m = re.search(r'"GET (\S+) .* worker=(\S*) served=(\S*) ', line)
            if m and m.group(1).split("?")[0] == path:
                out.append((m.group(2), m.group(3)))
        return out

    def wait_healthy(self, port: int, timeout: float = 120) -> None:
        assert healthy(f"http://127.0.0.1:{port}", timeout), f"worker :{port} did not come back"

    def env(self, **extra: str) -> dict[str, str]:
        return {**os.environ, "BAODING_STORE": str(self.run_dir.parent / "baoding.gpkg"), **extra}


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    base = tmp_path_factory.mktemp("deployment")
    cert, key = base / "cert.pem", base / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    port, tls_port = deployfiles_free_ports(2)
    env = {
        **os.environ,
        "BAODING_STORE": str(base / "baoding.gpkg"),
        "BAODING_TLS_CERT": str(cert),
        "BAODING_TLS_KEY": str(key),
    }
    run_dir = base / "run"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "geo",
            "serve",
            "--workers",
            "2",
            "--listen",
            f"127.0.0.1:{port}",
            "--first-port",
            "0",
            "--watchdog",
            str(WATCHDOG_S),
            "--run-dir",
            str(run_dir),
            "--tls-listen",
            f"127.0.0.1:{tls_port}",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = []
    for line in proc.stdout:  # the URL line once everything answers
        lines.append(line)
        if line.startswith("serving at "):
            break
    else:
        raise RuntimeError("python -m geo serve did not start:\n" + "".join(lines[-40:]))
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining its output
    d = Deployment(run_dir, proc, f"http://127.0.0.1:{port}", f"https://127.0.0.1:{tls_port}")
    yield d
    proc.send_signal(signal.SIGINT)  # as Ctrl-C
    assert proc.wait(timeout=30) == 0
    for pid in [*d.workers().values(), d.state()["nginx"]]:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # nothing left running


def deployfiles_free_ports(n: int) -> list[int]:
    from geo.server.supervisor import free_port

    ports: set[int] = set()
    while len(ports) < n:
        ports.add(free_port())
    return sorted(ports)


def worker_of(context) -> str:
    """The worker nginx named in this browser's stickiness cookie."""
    return next(c["value"] for c in context.cookies() if c["name"] == "bd_worker")


def open_map(page, url: str) -> None:
    page.goto(f"{url}/?indicator=poor_county_type")
    page.wait_for_selector(MAP_IFRAME, timeout=90_000)
    frame = page.frame_locator(MAP_IFRAME).first
    frame.locator("path.leaflet-interactive").first.wait_for(timeout=90_000)
    assert frame.locator("path.leaflet-interactive").count() == 24


def session_on(browser, deployment, port: int, tries: int = 12):
    """A browser context whose session nginx placed on the worker at ``port`` (new contexts until one is)."""
    for _ in range(tries):
        context, _ = offline_context(browser, deployment.url)
        page = context.new_page()
        page.goto(f"{deployment.url}/data")
        if deployment.port_of(worker_of(context)) == port:
            return context, page
        context.close()
    raise AssertionError(f"no session landed on :{port} in {tries} tries")


def test_overview_map_paints_through_nginx_with_its_headers(browser, deployment):
    context, external = offline_context(browser, deployment.url)
    page = context.new_page()
    with closed_after(context, page, "deploy-overview"):
        response = page.goto(f"{deployment.url}/?indicator=poor_county_type")
        headers = response.headers
        assert headers["content-encoding"] == "gzip"  # the shell, compressed by nginx
        assert headers["x-content-type-options"] == "nosniff" and headers["referrer-policy"] == "same-origin"
        assert "frame-ancestors 'self'" in headers["content-security-policy"]
        assert "strict-transport-security" not in headers  # plain HTTP: no HSTS
        open_map(page, deployment.url)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "deploy-overview.png"))
        name = worker_of(context)
        assert name in deployment.state()["names"]
        assert external == []
    # The websocket's line is written once the context closed it: the session went where the cookie says.
    assert eventually(lambda: (name, name) in deployment.served("/_stcore/stream"), 10, every=0.2)


def test_the_maps_geometry_script_is_answered_by_every_worker(browser, deployment):
    """The boundaries' script the map names (geo/render/leaflet/geomlink.py) is made by the worker that drew
    the map; the other answers it too (the shared cache folder, or made from its own data)."""
    context, external = offline_context(browser, deployment.url)
    page = context.new_page()
    fetched = []
    page.on("response", lambda r: fetched.append(r) if "/_bd/geom/" in r.url else None)
    with closed_after(context, page, "deploy-geometry"):
        open_map(page, deployment.url)
        # One script: the first HTML's prefetch and the frame's own request may both show when the map (from memory)
        # comes before the prefetch is in; never another URL, never a third fetch.
        assert 1 <= len(fetched) <= 2 and len({r.url for r in fetched}) == 1
        assert all(r.status == 200 for r in fetched)
        path = urlsplit(fetched[0].url).path
        body = fetched[0].body()
        assert external == []
    for port in deployment.workers():
        request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=30) as r:
            assert r.status == 200 and "immutable" in r.headers["Cache-Control"], port
            assert gzip.decompress(r.read()) == body, port


def test_https_server_adds_hsts(deployment):
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with urllib.request.urlopen(f"{deployment.https}/_stcore/health", context=ctx, timeout=10) as r:
        assert r.status == 200
        assert r.headers["Strict-Transport-Security"] == "max-age=31536000"
        assert r.headers["X-Content-Type-Options"] == "nosniff"


def test_a_static_file_comes_compressed_and_the_same_after_decoding(deployment):
    shell = urllib.request.urlopen(deployment.url, timeout=10).read().decode()
    script = re.search(r'src="\.?/?(static/js/index\.[^"]+\.js)"', shell).group(1)
    on_disk = (deployfiles.streamlit_static() / script).read_bytes()
    for path, original in [(f"/{script}", on_disk), ("/app/static/vendor/leaflet-1.9.3/leaflet.js", None)]:
        request = urllib.request.Request(deployment.url + path, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request, timeout=10) as r:
            assert r.headers["Content-Encoding"] == "gzip", path
            body = gzip.decompress(r.read())
        if original is None:
            worker = next(iter(deployment.workers()))
            original = urllib.request.urlopen(f"http://127.0.0.1:{worker}{path}", timeout=10).read()
        assert body == original and len(body) > 10_000, path


def test_a_60_mb_upload_is_refused_at_the_proxy_with_a_readable_page(deployment):
    host, port = deployment.url.removeprefix("http://").split(":")
    con = http.client.HTTPConnection(host, int(port), timeout=30)
    size = 60 * 1024 * 1024
    con.putrequest("PUT", "/_stcore/upload_file/some-session/some-file")
    con.putheader("Content-Type", "multipart/form-data; boundary=x")
    con.putheader("Content-Length", str(size))
    con.endheaders()
    sent = 0
    try:
        chunk = b"\0" * (1024 * 1024)
        while sent < size:
            con.send(chunk)
            sent += len(chunk)
    except OSError:
        pass  # nginx answered and closed before the body was in: the point
    response = con.getresponse()
    body = response.read().decode("utf-8")
    assert response.status == 413
    assert response.headers["Content-Type"].startswith("text/html")
    assert "文件太大" in body and "File too large" in body and "50 MB" in body
    for worker in deployment.workers():  # no worker saw it
        assert "upload_file" not in (deployment.run_dir / f"worker-{worker}.log").read_text(errors="replace")


async def _flood(url: str, attempts: int, hold_s: float, under_way: threading.Event) -> dict[str, int]:
    """Open ``attempts`` websockets at once from another address (127.0.0.2), hold the ones let in
    (``under_way`` is set once the server has answered the first)."""
    import websockets

    ws_url = url.replace("http://", "ws://") + "/_stcore/stream"
    counts = {"open": 0, "refused": 0, "other": 0}
    sockets = []

    async def one() -> None:
        try:
            ws = await websockets.connect(
                ws_url, subprotocols=["streamlit"], local_addr=("127.0.0.2", 0), open_timeout=20
            )
            sockets.append(ws)
            counts["open"] += 1
        except websockets.InvalidStatus as exc:
            counts["refused" if exc.response.status_code == 429 else "other"] += 1
        except (OSError, TimeoutError, websockets.WebSocketException):
            counts["other"] += 1
        under_way.set()

    await asyncio.gather(*(one() for _ in range(attempts)))
    await asyncio.sleep(hold_s)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    return counts


def test_a_client_flooding_the_websocket_is_limited_while_another_clients_map_paints(browser, deployment):
    result: dict[str, int] = {}
    under_way = threading.Event()
    flood = threading.Thread(target=lambda: result.update(asyncio.run(_flood(deployment.url, 400, 8, under_way))))
    flood.start()
    context, external = offline_context(browser, deployment.url)
    page = context.new_page()
    with closed_after(context, page, "deploy-flood"):
        assert under_way.wait(60), "the server answered none of the flood's websockets"
        open_map(page, deployment.url)
        assert external == []
    flood.join(90)
    assert not flood.is_alive()
    # At most the burst (and what the rate adds meanwhile) gets in, never more than the per-address cap.
    assert result["open"] <= deployfiles.STREAM_CONN, result
    assert result["refused"] >= 400 - deployfiles.STREAM_CONN, result
    for pid in deployment.workers().values():
        assert len(os.listdir(f"/proc/{pid}/fd")) < 1000  # far from a default 1,024 descriptor table


def _admin_import(page, url: str, tmp_path: Path, county: str, value: str) -> None:
    from conftest import TEST_ADMIN_PASSWORD

    page.goto(f"{url}/data")
    page.get_by_text("版本历史", exact=True).wait_for(timeout=60_000)
    page.get_by_test_id("stExpander").get_by_text("管理员登录").click()
    page.get_by_label("您的姓名（记入版本历史）").fill("部署测试")
    page.get_by_label("密码").fill(TEST_ADMIN_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.get_by_text("已作为管理员登录：部署测试").wait_for(timeout=60_000)
    csv_file = tmp_path / f"{county}.csv"
    csv_file.write_bytes(f"县,指标,年份,数值,来源\n{county},深度贫困村,2017,{value}个,report2016\n".encode("gbk"))
    page.locator("input[type='file']").set_input_files(str(csv_file))
    page.get_by_text("提交前预览").wait_for(timeout=60_000)
    page.get_by_role("button", name="提交为新版本").click()
    page.get_by_text("已提交：版本").wait_for(timeout=60_000)
    assert page.locator("[data-testid='stException']").count() == 0


def geo_cli(env: dict[str, str], *args: str, timeout: float = 60, check: bool = False):
    """``python -m geo ARGS`` against the deployment's store (``env``), its output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "geo", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=check,
    )


def _versions(deployment) -> list[str]:
    out = geo_cli(deployment.env(), "versions", check=True).stdout
    return out.splitlines()


def test_imports_from_each_worker_then_one_killed_mid_session(browser, deployment, tmp_path):
    """An administrator imports from a session on each worker; then worker A is killed with kill -9 while its
    session is open: a new session of that browser goes to worker B, A is started again, no import is lost."""
    (a, pid_a), (b, _) = sorted(deployment.workers().items())
    on_a, page_a = session_on(browser, deployment, a)
    on_b, page_b = session_on(browser, deployment, b)
    try:
        _admin_import(page_a, deployment.url, tmp_path, "易县", "12")
        _admin_import(page_b, deployment.url, tmp_path, "涞水县", "9")
        before = _versions(deployment)
        assert sum("部署测试" in v for v in before) == 2
        name_a, name_b = worker_of(on_a), worker_of(on_b)

        os.kill(pid_a, signal.SIGKILL)  # mid-session: page_a's websocket is open
        again = browser.new_context(viewport={"width": 1400, "height": 900}, locale="zh-CN")
        again.add_cookies([{"name": "bd_worker", "value": name_a, "url": deployment.url}])
        page = again.new_page()
        with closed_after(again, page, "deploy-after-kill"):
            open_map(page, deployment.url)  # the same browser, a new session: on B, and the cookie says so
            assert (name_a, name_b) in deployment.served("/")
            assert worker_of(again) == name_b
            assert eventually(lambda: deployment.workers()[a] != pid_a, 120, every=0.5)
            deployment.wait_healthy(a)
            assert f"worker :{a} (pid {pid_a}) killed by signal 9; starting it again" in deployment.log()
            page.goto(f"{deployment.url}/data")  # A is back; this browser's session stays on B
            page.get_by_text("版本历史", exact=True).wait_for(timeout=60_000)
            assert deployment.served("/data")[-1] == (name_b, name_b)
        # The page open on A when it died reconnected its websocket: to B, and its cookie followed (Set-Cookie
        # on the websocket's 101), so its uploads and media reach the session there.
        assert eventually(lambda: worker_of(on_a) == name_b, 60, every=0.5), worker_of(on_a)
        assert _versions(deployment) == before
        check = geo_cli(deployment.env(), "check-store")
        assert check.returncode == 0 and "whole" in check.stdout, check.stdout + check.stderr
    finally:
        on_a.close()
        on_b.close()


def test_backup_while_it_runs_and_restore(deployment, tmp_path):
    env = deployment.env()
    done = geo_cli(env, "backup", str(tmp_path / "b.gpkg"), timeout=120)
    assert done.returncode == 0, done.stderr
    restored = deployment.env(BAODING_STORE=str(tmp_path / "restored.gpkg"))
    done = geo_cli(restored, "restore", str(tmp_path / "b.gpkg"), timeout=120)
    assert done.returncode == 0 and "integrity check passed" in done.stdout, done.stdout + done.stderr
    again = geo_cli(restored, "versions", check=True).stdout.splitlines()
    assert again == _versions(deployment)


def test_the_watchdog_restarts_a_worker_whose_health_check_is_blocked(deployment):
    """SIGSTOP: the process is there, its port accepts, nothing answers. The watchdog kills and restarts it."""
    port, pid = sorted(deployment.workers().items())[-1]
    os.kill(pid, signal.SIGSTOP)
    try:
        assert eventually(lambda: deployment.workers()[port] != pid, WATCHDOG_S + 60, every=0.5)
    finally:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    line = next(x for x in deployment.log().splitlines() if f"watchdog: worker :{port} (pid {pid})" in x)
    assert "/_stcore/health has not answered for" in line and "killing it and starting it again" in line
    deployment.wait_healthy(port)
    check = geo_cli(deployment.env(), "check-store")
    assert check.returncode == 0 and "whole" in check.stdout
