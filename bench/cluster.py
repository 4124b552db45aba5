"""Two app servers behind nginx sharing one PostGIS store, measured with the load scripts.

The layout for when one machine (or one Python process) is not enough: Streamlit runs a
session's script in its server process, so one process uses at most about one core. Needs
Debian nginx and a PostGIS server: `eval "$(bash .ci/postgis)"` prints DATABASE_URL_TEST,
used here with its own schema (BAODING_PG_SCHEMA=bench_cluster) so tests are not touched.
nginx runs the deployment's site (deploy/nginx/, rendered by geo/server/deployfiles.py): a new browser
goes to the less busy of two servers and stays there (a cookie). Bounded: the load scripts stop by
themselves; everything started here is stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common as c

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geo.server import deployfiles

BENCH = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--ws-users", type=int, default=20)
    parser.add_argument("--browser-users", type=int, default=5)
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    database_url = os.environ.get("DATABASE_URL_TEST") or os.environ.get("DATABASE_URL")
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not database_url or not Path(nginx).exists():
        print('needs nginx (apt-get install nginx-light) and eval "$(bash .ci/postgis)"', file=sys.stderr)
        return 2
    env = {"DATABASE_URL": database_url, "BAODING_PG_SCHEMA": "bench_cluster"}
    servers = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-nginx-"))
    tmp.chmod(0o755)  # nginx's workers (user nobody when started as root) keep their proxy buffers here
    proxy = None
    try:
        for k in range(args.servers):
            s = c.Server(f"app{k + 1}", c.ROOT / "app.py", env=env).start()
            c_url = s.url + "/?indicator=poor_county_type"
            urllib.request.urlopen(c_url, timeout=30).read()
            servers.append(s)
        port = c.free_port()
        # The deployment's own nginx site (deploy/nginx/), rendered for these servers.
        site = deployfiles.Site(
            [f"127.0.0.1:{s.port}" for s in servers],
            listen=f"127.0.0.1:{port}",
            conf_dir=tmp / "site",
            access_log=str(tmp / "access.log"),
        )
        deployfiles.render_site(site)
        conf = deployfiles.render_supervised_nginx(tmp, tmp / "site")
        proxy = subprocess.Popen(
            [nginx, "-p", str(tmp), "-c", str(conf), "-e", str(tmp / "error.log")], stderr=subprocess.STDOUT
        )
        time.sleep(1.0)
        url = f"http://127.0.0.1:{port}"
        pids = ",".join(str(s.proc.pid) for s in servers)
        note = f"{len(servers)} Streamlit servers behind nginx (deploy/nginx/), one PostGIS store;"
        py = c.PYTHON
        # The first session on each server creates/reads the store: one warm-up visit each, through nginx.
        warm = ["--users", str(args.servers), "--seconds", "5", "--name", "warm-up", "--out", str(tmp / "warmup.md")]
        subprocess.run([py, str(BENCH / "wsload.py"), "--url", url, "--pids", pids, *warm], check=True)
        subprocess.run(
            [
                py,
                str(BENCH / "wsload.py"),
                "--url",
                url,
                "--pids",
                pids,
                "--users",
                str(args.ws_users),
                "--seconds",
                str(args.seconds),
                "--name",
                f"{len(servers)} servers + nginx + PostGIS, websocket clients",
                "--note",
                note,
            ],
            check=True,
        )
        subprocess.run(
            [
                py,
                str(BENCH / "load.py"),
                "--url",
                url,
                "--pids",
                pids,
                "--users",
                str(args.browser_users),
                "--seconds",
                str(args.seconds),
                "--name",
                f"{len(servers)} servers + nginx + PostGIS, {args.browser_users} browser users",
                "--note",
                note,
            ],
            check=True,
        )
    finally:
        if proxy and proxy.poll() is None:
            proxy.terminate()
            proxy.wait(timeout=10)
        for s in servers:
            s.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
