"""Build a region's counties for the benchmark: python bench/build_region.py PREFIX TOLERANCE OUT.

The same steps as `python -m geo build-boundaries --prefix ... --tolerance ...`, but the file
is written even when the coverage check finds gaps: the whole country's union has holes
that are not slivers (see RESULTS.md), and the bench only needs the shapes to draw.
Prints the build metrics as JSON.
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from geo.build import boundaries

prefix, tolerance, out = sys.argv[1], float(sys.argv[2]), Path(sys.argv[3])
counties, metrics = boundaries.build_counties(boundaries.read_cnmaps_units(prefix), tolerance)
boundaries.write_geojson(counties, out)
print(json.dumps({k: v for k, v in metrics.items() if isinstance(v, (int, float, str))}, default=str))
