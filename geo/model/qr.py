"""QR codes as data: the module matrix of a text (a URL), for each renderer to draw its own way.

Made with segno (pure Python, offline). Error correction M (15 %): a code on a projected slide or a
printed page survives glare and a fold; segno raises it further when the text leaves room.
"""

from __future__ import annotations

import functools

import segno

QUIET = 4  # modules of white border the standard asks for around the code


@functools.lru_cache(maxsize=256)
def matrix(text: str) -> tuple[tuple[bool, ...], ...]:
    """Dark (True) and light modules, row by row, without the quiet zone."""
    code = segno.make_qr(text, error="m", boost_error=True)
    return tuple(tuple(bool(v) for v in row) for row in code.matrix)


def svg(text: str, dark: str = "#000000", light: str = "#ffffff", title: str = "") -> str:
    """The code as a small SVG (one path, the quiet zone included), scaled by its container."""
    rows = matrix(text)
    n = len(rows) + 2 * QUIET
    runs = []
    for y, row in enumerate(rows):
        x = 0
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start + QUIET} {y + QUIET}h{x - start}v1h{start - x}z")
            else:
                x += 1
    label = f"<title>{_esc(title)}</title>" if title else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {n} {n}" shape-rendering="crispEdges" role="img"'
        f"{' aria-label=' + chr(34) + _esc(title) + chr(34) if title else ''}>{label}"
        f'<rect width="{n}" height="{n}" fill="{light}"/><path fill="{dark}" d="{"".join(runs)}"/></svg>'
    )


def _esc(text: str) -> str:
    import html

    return html.escape(text, quote=True)
