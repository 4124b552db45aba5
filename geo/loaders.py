"""The only module of geo/ that imports Streamlit: cached loaders of the bundled data.

Paths come from geo.settings (built from this package's location, never the working
directory). Loaders raise geo.indicators.DataError / geo.boundaries.BoundaryDataError;
app.py turns those into a message that names the file.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import streamlit as st

from geo import boundaries, indicators, settings

COUNTIES = "counties.geojson"


@st.cache_data(show_spinner=False)
def _counties(path: Path) -> gpd.GeoDataFrame:
    return boundaries.read_counties(path)


@st.cache_data(show_spinner=False)
def _dataset(data_dir: Path) -> indicators.Dataset:
    return indicators.load_dataset(data_dir, set(_counties(data_dir / COUNTIES)["adcode"]))


def load_counties() -> gpd.GeoDataFrame:
    return _counties(settings.data_dir() / COUNTIES)


def load_dataset() -> indicators.Dataset:
    return _dataset(settings.data_dir())
