"""Numbers as people write them in Chinese tables, and unit conversion to an indicator's unit.

``parse_quantity("10.81万人")`` -> (108100, "人"); ``30万千瓦`` -> (300000, "千瓦"), which
``convert`` turns into 300 兆瓦. Arithmetic is decimal, so 10.81万 is exactly 108100,
never 108100.00000000001. Every failure is a ValueError whose message says why, in words
a planner can act on.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from geo.i18n import quoted

# Chinese multipliers written between the number and the unit (10.81万人, 1.02亿元).
# 万亿 (1e12) is the most anyone writes; a few more are allowed, thousands are an attack.
MAX_MULTIPLIERS = 4
MULTIPLIERS: dict[str, Decimal] = {
    "万": Decimal(10) ** 4,
    "亿": Decimal(10) ** 8,
    "千": Decimal(1000),
    "百": Decimal(100),
}

# unit as written (lower case for Latin) -> (dimension, factor to the dimension's base unit)
UNITS: dict[str, tuple[str, Decimal]] = {
    "人": ("persons", Decimal(1)),
    "人次": ("person-times", Decimal(1)),
    "户": ("households", Decimal(1)),
    "个": ("count", Decimal(1)),
    "家": ("businesses", Decimal(1)),
    "所": ("schools", Decimal(1)),
    "种": ("kinds", Decimal(1)),
    "项": ("items", Decimal(1)),
    "期": ("courses", Decimal(1)),
    "元": ("yuan", Decimal(1)),
    "%": ("percent", Decimal(1)),
    "年": ("year", Decimal(1)),
    "亩": ("area", Decimal(1)),
    "公顷": ("area", Decimal(15)),
    "ha": ("area", Decimal(15)),
    "平方公里": ("area", Decimal(1500)),
    "km2": ("area", Decimal(1500)),
    "平方米": ("area", Decimal("0.0015")),
    "m2": ("area", Decimal("0.0015")),
    "瓦": ("power", Decimal("0.000001")),
    "w": ("power", Decimal("0.000001")),
    "千瓦": ("power", Decimal("0.001")),
    "kw": ("power", Decimal("0.001")),
    "兆瓦": ("power", Decimal(1)),
    "mw": ("power", Decimal(1)),
    "吉瓦": ("power", Decimal(1000)),
    "gw": ("power", Decimal(1000)),
    "元/亩": ("yuan per mu", Decimal(1)),
    "元/天": ("yuan per day", Decimal(1)),
    "元/人": ("yuan per person", Decimal(1)),
    "元/人·年": ("yuan per person-year", Decimal(1)),
}
# Dimensions whose values cannot be below zero (a money amount or a growth rate can).
NON_NEGATIVE = {
    "persons",
    "person-times",
    "households",
    "count",
    "businesses",
    "schools",
    "kinds",
    "items",
    "courses",
    "area",
    "power",
    "year",
}

_NUMBER = re.compile(r"([+-]?)(\d{1,3}(?:,\d{3})+|\d+)?(\.\d+)?(?:e([+-]?\d{1,3}))?", re.IGNORECASE)
_SPACES = re.compile(r"[\s\u00a0\u2009\u202f]+")


def normalize_unit(text: str) -> str:
    """A unit as the registry spells it: NFKC (full-width to ASCII), no spaces, Latin lower case."""
    u = _SPACES.sub("", unicodedata.normalize("NFKC", str(text))).lower()
    return u.replace("²", "2").replace("・", "·").replace("•", "·").replace("．", ".")


def _strip_number_text(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text)).strip()
    # Minus signs people paste from Word and web pages.
    s = s.replace("\u2212", "-").replace("\u2013", "-").replace("\uff0d", "-")
    s = s.replace("，", ",")
    return _SPACES.sub("", s)


def parse_quantity(text: str) -> tuple[Decimal, str]:
    """The number in ``text`` with 万/亿/千/百 applied, and the unit written after it ('' if none)."""
    s = _strip_number_text(text)
    if not s:
        raise ValueError("empty")
    m = _NUMBER.match(s)
    if not m or not (m.group(2) or m.group(3)):
        raise ValueError(f"{quoted(text)} is not a number")
    sign, whole, frac, exp = m.groups()
    try:
        number = Decimal(f"{sign}{(whole or '0').replace(',', '')}{frac or ''}")
        if exp:
            number = number.scaleb(int(exp))
    except ArithmeticError:  # InvalidOperation, or Overflow of the decimal context
        raise ValueError(f"{quoted(text)} is not a number") from None
    rest = s[m.end() :]
    if rest[:1] in (".", "e", "E") or rest[:1].isdigit():
        raise ValueError(f"{quoted(text)} is not a number")
    if rest.startswith(","):
        raise ValueError(f"{quoted(text)}: a comma must separate thousands (1,234)")
    unit = normalize_unit(rest)
    factor = Decimal(1)
    # Peel multipliers off the front until what remains is a unit: 30万千瓦 = 30 x 万 x 千瓦. Only a few:
    # peeling thousands of 亿 one by one takes quadratic time and overflows the decimal context.
    peeled = 0
    while unit and unit not in UNITS and unit[0] in MULTIPLIERS:
        peeled += 1
        if peeled > MAX_MULTIPLIERS:
            raise ValueError(f"more than {MAX_MULTIPLIERS} multipliers (万/亿/千/百) in one number")
        factor *= MULTIPLIERS[unit[0]]
        unit = unit[1:]
    if unit and unit not in UNITS:
        raise ValueError(f"unknown unit {quoted(rest)} in {quoted(text)}")
    if not number.is_finite():
        raise ValueError(f"{quoted(text)} is not a finite number")
    try:
        return number * factor, unit
    except ArithmeticError:  # decimal.Overflow: beyond the context's exponent range
        raise ValueError(f"{quoted(text)} is too large a number") from None


def convert(value: Decimal, unit: str, target: str) -> Decimal:
    """``value`` in ``unit`` expressed in ``target``; '' means the value is already in ``target``."""
    unit, target = normalize_unit(unit), normalize_unit(target)
    if not unit or unit == target:
        return value
    if unit not in UNITS:
        raise ValueError(f"unknown unit {quoted(unit)}")
    if target not in UNITS:
        raise ValueError(f"cannot convert {unit} into {target or 'a unitless figure'}")
    (dim, f), (target_dim, g) = UNITS[unit], UNITS[target]
    if dim != target_dim:
        raise ValueError(f"unit {unit} does not fit the indicator's unit {target}")
    return value * f / g


def dimension(unit: str) -> str | None:
    entry = UNITS.get(normalize_unit(unit))
    return entry[0] if entry else None


def format_decimal(value: Decimal) -> str:
    """Plain digits as data/values.csv stores them: no exponent, no trailing zeros ('108100', '7.582')."""
    text = format(value.normalize(), "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def is_unit(text: str) -> bool:
    """Whether ``text`` is a unit, with or without multipliers ('万人', 'MW', '万', 'km²')."""
    norm = normalize_unit(text)
    if not norm:
        return False
    if norm in UNITS:
        return True
    if any(ch.isdigit() for ch in norm):
        return False
    try:
        parse_quantity("1" + norm)
    except ValueError:
        return False
    return True


def with_unit(text: str, unit_hint: str) -> tuple[Decimal, str]:
    """Parse a cell; a cell without its own unit or multiplier takes the column's ('10.81' + '万人')."""
    value, unit = parse_quantity(text)
    if unit or not unit_hint or any(m in str(text) for m in MULTIPLIERS):
        return value, unit
    return parse_quantity(_strip_number_text(text) + normalize_unit(unit_hint))
