"""What an import accepts at most: each limit named once, with the message (Chinese, then English) that
names it when a file is refused. Every import either fits these limits, so that it is checked within
about 10 s and 1 GB on a 2-core server, or is refused before the costly step.

Read as ``limits.NAME`` at the moment of the check (tests lower them to reach a refusal cheaply).
"""

from __future__ import annotations

from decimal import Decimal

from geo import settings

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024  # all entries of an XLSX or zip archive, unpacked
MAX_ZIP_ENTRIES = 500
MAX_ROWS = 50_000  # a checked row costs ~0.1 ms on a 2-core server: 50,000 rows check in ~6 s
MAX_COLUMNS = 500
# Cells read in all (rows x columns); a row is counted before it is turned into Python objects.
MAX_CELLS = 300_000
MAX_CELL_CHARS = 5_000  # one cell: a long note fits, a number written with 100,000 亿 does not
# XLSX keeps text cells in one shared-strings part that openpyxl loads whole before the first row.
MAX_SHARED_STRINGS = 1_000_000
MAX_VERTICES = 500_000  # all polygons of a boundaries file (Baoding's 24 units as published: 19,412)
MAX_ABS_VALUE = Decimal(10) ** 15
# Checking stops at this many problems: a file of bad rows is not checked to its end.
MAX_PROBLEMS = 1_000
# Names that match nothing get "closest: ..." suggestions (fuzzy matching, ~1 ms each) up to this many.
MAX_SUGGESTED = 100


# Every import (the app's and python -m geo import's) is checked in a child process with these limits
# (geo.store.imports.child): CPU seconds, and address space (the interpreter with geopandas and GDAL
# maps ~0.9 GB before any work). Settings BAODING_IMPORT_SECONDS, BAODING_IMPORT_MEMORY_MB.
CHILD_SECONDS: float = settings.value("BAODING_IMPORT_SECONDS")
CHILD_MEMORY_BYTES: int = settings.value("BAODING_IMPORT_MEMORY_MB") * 2**20

_MESSAGES: dict[str, tuple[str, str]] = {
    "upload": ("文件大于 {n} MB", "the file is larger than {n} MB"),
    "unzipped": ("压缩包解压后超过 {n} MB", "the archive unpacks to more than {n} MB"),
    "zip_entries": ("压缩包有 {got} 个条目，最多 {n} 个", "the archive has {got} entries; at most {n} are accepted"),
    "rows": ("表格超过 {n} 行，请分成几个文件", "the table has more than {n} rows; split it into several files"),
    "columns": ("表格有 {got} 列，最多 {n} 列", "the table has {got} columns; at most {n} are accepted"),
    "cells": (
        "表格超过 {n} 个单元格，请分成几个文件",
        "the table has more than {n} cells; split it into several files",
    ),
    "cell_chars": ("单元格有 {got} 个字符，最多 {n} 个", "the cell has {got} characters; at most {n} are accepted"),
    "shared_strings": (
        "XLSX 有 {got} 个共享字符串，最多 {n} 个",
        "the XLSX workbook has {got} shared strings; at most {n} are accepted",
    ),
    "vertices": (
        "边界共有 {got} 个顶点，最多 {n} 个；请先简化",
        "the boundaries have {got} vertices; at most {n} are accepted: simplify them first",
    ),
    "problems": ("已发现 {n} 个问题，检查到此为止", "{n} problems found; checking stopped there"),
    "child_time": (
        "检查超过 {n} 秒，已停止；数据未改动",
        "checking took longer than {n} s and was stopped; nothing changed",
    ),
    "child_memory": (
        "检查此文件需要超过 {n} 内存，已停止；数据未改动",
        "the file needs more than {n} of memory to check and was stopped; nothing changed",
    ),
    "child_died": (
        "检查进程意外退出（{got}）；数据未改动",
        "the checking process stopped unexpectedly ({got}); nothing changed",
    ),
}


def size_text(size: int) -> str:
    """A memory limit as the messages name it: 2 GB, 200 MB."""
    return f"{size / 2**30:g} GB" if size >= 2**30 and size % 2**28 == 0 else f"{size // 2**20} MB"


def refusal(name: str, n: int | str, got: int | str = "") -> str:
    """The message for limit ``name`` (its value ``n``, what the file had ``got``), in Chinese then English."""
    zh, en = _MESSAGES[name]
    return f"{zh.format(n=n, got=got)} / {en.format(n=n, got=got)}"
