"""Tile layers for a chosen basemap (geo.model.basemaps): none for the offline default."""

from __future__ import annotations

import html

import folium

from geo.model.basemaps import Choice


def tile_layers(choice: Choice) -> list[folium.TileLayer]:
    """Tile layers to add under everything else; none for the offline basemap."""
    if choice.unavailable:
        raise ValueError(f"basemap {choice.key!r} is unavailable: set {choice.unavailable}")
    attribution = html.escape(choice.attribution)
    layers = []
    for i, t in enumerate(choice.tiles):
        layers.append(
            folium.TileLayer(
                tiles=t.url,
                attr=attribution if i == 0 else " ",
                name=f"{choice.key}_{i}",
                max_zoom=t.max_zoom,
                subdomains=t.subdomains or "abc",
                control=False,
                overlay=i > 0,
            )
        )
    return layers
