"""Classification of county values, palettes and legends as data.

Colour choices stay here so pages and map builders only pass keys around.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import mapclassify
import numpy as np

from geo.i18n import format_number, paren, t

# ColorBrewer sequential schemes flagged colour-blind safe (colorbrewer2.org), light to dark.
PALETTES: dict[str, dict[int, list[str]]] = {
    "YlGnBu": {
        1: ["#2c7fb8"],
        2: ["#a1dab4", "#2c7fb8"],
        3: ["#edf8b1", "#7fcdbb", "#2c7fb8"],
        4: ["#ffffcc", "#a1dab4", "#41b6c4", "#225ea8"],
        5: ["#ffffcc", "#a1dab4", "#41b6c4", "#2c7fb8", "#253494"],
        6: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#2c7fb8", "#253494"],
        7: ["#ffffcc", "#c7e9b4", "#7fcdbb", "#41b6c4", "#1d91c0", "#225ea8", "#0c2c84"],
    },
    "YlOrBr": {
        1: ["#d95f0e"],
        2: ["#fed98e", "#d95f0e"],
        3: ["#fff7bc", "#fec44f", "#d95f0e"],
        4: ["#ffffd4", "#fed98e", "#fe9929", "#cc4c02"],
        5: ["#ffffd4", "#fed98e", "#fe9929", "#d95f0e", "#993404"],
        6: ["#ffffd4", "#fee391", "#fec44f", "#fe9929", "#d95f0e", "#993404"],
        7: ["#ffffd4", "#fee391", "#fec44f", "#fe9929", "#ec7014", "#cc4c02", "#8c2d04"],
    },
}
DEFAULT_PALETTE = "YlGnBu"

# Okabe & Ito (2008), a qualitative palette designed for colour-vision deficiency.
CATEGORICAL = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
NOT_APPLICABLE = "#e8e8e8"  # e.g. "not a poor county": a real value, drawn quietly
NO_DATA_FILL = "url(#nodata-hatch)"
NO_DATA_SWATCH = "repeating-linear-gradient(45deg,#9e9e9e 0 2px,#f2f2f2 2px 6px)"
CITY_FILL = "#7fcdbb"

SCHEMES: dict[str, Callable[..., object]] = {
    "quantiles": mapclassify.Quantiles,
    "natural_breaks": mapclassify.FisherJenks,
    "equal_interval": mapclassify.EqualInterval,
}
DEFAULT_SCHEME = "quantiles"
# FisherJenks on two dozen values is instant without numba; its fallback warning is noise.
warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
DEFAULT_K = 5


# How a legend row's key is drawn. "fill": a patch of the entry's colour; "hatch": no data, the map's grey
# stripes; "hatch-poor": the stripes on the poor counties' context tint; "dashed": a target or forecast's
# outline; "xiongan": the Xiong'an New Area's dotted outline. Only a fill has a colour of its own: the others
# are drawn in the theme's colours (geo.model.palette.MapColours), the same as on the map.
Swatch = Literal["fill", "hatch", "hatch-poor", "dashed", "xiongan"]
SWATCHES: tuple[str, ...] = get_args(Swatch)
_CSS_HEX = re.compile(r"#(?:[0-9a-fA-F]{3}){1,2}")


@dataclass(frozen=True)
class LegendEntry:
    """One row of a legend: its label, its key, and how many counties (or places) it stands for."""

    label: str
    color: str | None = None  # the key's CSS colour (#rrggbb); only a fill has one
    count: int | None = None
    swatch: Swatch = "fill"

    def __post_init__(self) -> None:
        if self.swatch not in SWATCHES:
            raise ValueError(f"unknown legend swatch {self.swatch!r}; valid: {', '.join(SWATCHES)}")
        if self.swatch == "fill" and (self.color is None or not _CSS_HEX.fullmatch(self.color)):
            raise ValueError(f"a filled legend key needs a #rrggbb colour, not {self.color!r}")
        if self.swatch != "fill" and self.color is not None:
            raise ValueError(f"a {self.swatch} key is drawn in the theme's colours, not {self.color!r}")


@dataclass(frozen=True)
class Legend:
    title: str
    entries: list[LegendEntry] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Classes:
    """Class upper bounds and colours for a numeric variable."""

    bins: list[float]
    colors: list[str]
    lower: float
    exact: bool = False  # one class per distinct value: the legend names values, not ranges

    def color_of(self, value: float | None) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        for bound, color in zip(self.bins, self.colors):
            if value <= bound:
                return color
        return self.colors[-1]

    def index_of(self, value: float | None) -> int | None:
        color = self.color_of(value)
        return None if color is None else self.colors.index(color)


def _lookup(registry: dict, key: str, what: str):
    try:
        return registry[key]
    except KeyError:
        raise KeyError(f"unknown {what} {key!r}; valid: {', '.join(registry)}") from None


def palette(name: str, k: int) -> list[str]:
    """``k`` colours (1–7) of the named sequential palette."""
    ramps = _lookup(PALETTES, name, "palette")
    return list(ramps[max(1, min(k, max(ramps)))])


def classify(
    values: Sequence[float], scheme: str = DEFAULT_SCHEME, k: int = DEFAULT_K, palette_name: str = DEFAULT_PALETTE
) -> Classes:
    """Class breaks for the finite ``values``; fewer distinct values mean fewer classes."""
    classifier = _lookup(SCHEMES, scheme, "classification scheme")
    y = np.asarray([v for v in values if v is not None and not math.isnan(v)], dtype=float)
    if y.size == 0:
        raise ValueError("no values to classify")
    distinct = np.unique(y)
    if distinct.size <= k:
        # Each distinct value is its own class: breaks at the values themselves.
        bins = distinct.tolist()
    else:
        bins = [float(b) for b in classifier(y, k=k).bins]
        bins = sorted(set(bins))
    return Classes(bins=bins, colors=palette(palette_name, len(bins)), lower=float(y.min()), exact=distinct.size <= k)


def numeric_legend(
    classes: Classes, values: Sequence[float], title: str, unit: str, lang: str, n_missing: int
) -> Legend:
    """Legend rows ``a – b`` per class with counts, plus a no-data row when counties lack data."""
    y = [v for v in values if v is not None and not math.isnan(v)]
    entries = []
    lo = classes.lower
    for i, (hi, color) in enumerate(zip(classes.bins, classes.colors)):
        n = sum(1 for v in y if classes.index_of(v) == i)
        a, b = format_number(lo, lang), format_number(hi, lang)
        label = b if classes.exact or a == b else f"{a} – {b}"
        entries.append(LegendEntry(label=label, color=color, count=n))
        lo = hi
    if n_missing:
        entries.append(no_data_entry(lang, n_missing))
    return Legend(
        title=f"{title}{paren(unit, lang)}" if unit else title,
        entries=entries,
    )


def category_colors(codes: Sequence[str], not_applicable: Sequence[str] = ("not_poor",)) -> dict[str, str]:
    """A colour per category code, in order; codes meaning "not applicable" are light grey."""
    colors: dict[str, str] = {}
    i = 0
    for code in codes:
        if code in not_applicable:
            colors[code] = NOT_APPLICABLE
        else:
            colors[code] = CATEGORICAL[i % len(CATEGORICAL)]
            i += 1
    return colors


def categorical_legend(
    labels: dict[str, str], colors: dict[str, str], counts: dict[str, int], title: str, lang: str, n_missing: int
) -> Legend:
    """One row per category present in the data, then no data."""
    entries = [
        LegendEntry(label=labels[c], color=colors[c], count=counts.get(c, 0)) for c in labels if counts.get(c, 0)
    ]
    if n_missing:
        entries.append(no_data_entry(lang, n_missing))
    return Legend(title=title, entries=entries)


def no_data_entry(lang: str, count: int | None) -> LegendEntry:
    """The legend row of the counties without data: the map's hatch, never a colour of the scale."""
    return LegendEntry(t("no_data", lang), count=count, swatch="hatch")
