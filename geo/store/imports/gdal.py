"""GDAL with one driver: while an upload is read, every other driver is deregistered, so GDAL cannot
hand the file (or a name inside it) to the VRT, SQLite, CSV, WFS or HTTP drivers whatever its content.

pyogrio opens files with every registered driver and has no ``allowed_drivers``; the drivers are
deregistered (and registered again afterwards, in their order) through GDAL's C API, in the libgdal
pyogrio has loaded. When that library cannot be found, nothing is read (fail closed).
"""

from __future__ import annotations

import ctypes
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from geo.store.imports.problems import fail


@cache
def _libgdal() -> ctypes.CDLL | None:
    import pyogrio  # loads libgdal

    mapped = (line.split()[-1] for line in Path("/proc/self/maps").read_text().splitlines() if "/" in line)
    candidates = sorted({path for path in mapped if Path(path).name.startswith("libgdal")})
    if not candidates:
        candidates = [str(p) for p in (Path(pyogrio.__file__).parent.parent / "pyogrio.libs").glob("libgdal*")]
    if not candidates:
        return None
    lib = ctypes.CDLL(candidates[0])
    lib.GDALGetDriverCount.restype = ctypes.c_int
    lib.GDALGetDriver.restype = ctypes.c_void_p
    lib.GDALGetDriver.argtypes = [ctypes.c_int]
    lib.GDALGetDriverShortName.restype = ctypes.c_char_p
    lib.GDALGetDriverShortName.argtypes = [ctypes.c_void_p]
    lib.GDALDeregisterDriver.argtypes = [ctypes.c_void_p]
    lib.GDALRegisterDriver.restype = ctypes.c_int
    lib.GDALRegisterDriver.argtypes = [ctypes.c_void_p]
    return lib


def registered() -> list[str]:
    """The short names of GDAL's registered drivers, in order."""
    lib = _libgdal()
    if lib is None:
        return []
    return [lib.GDALGetDriverShortName(lib.GDALGetDriver(i)).decode() for i in range(lib.GDALGetDriverCount())]


@contextmanager
def only_driver(name: str) -> Iterator[None]:
    """Within the block, ``name`` is GDAL's only registered driver."""
    lib = _libgdal()
    if lib is None:
        raise fail("the file cannot be read safely here: GDAL's drivers cannot be restricted")
    handles = [lib.GDALGetDriver(i) for i in range(lib.GDALGetDriverCount())]
    keep = [h for h in handles if lib.GDALGetDriverShortName(h).decode() == name]
    if not keep:
        raise fail(f"GDAL has no {name} driver")
    for h in handles:
        lib.GDALDeregisterDriver(h)
    lib.GDALRegisterDriver(keep[0])
    try:
        yield
    finally:
        lib.GDALDeregisterDriver(keep[0])
        for h in handles:
            lib.GDALRegisterDriver(h)
