"""Colour checks: WCAG contrast (themes and the app's style sheets) and colour-vision-deficiency simulation."""

from __future__ import annotations

import re

import numpy as np

HEX = re.compile(r"^#[0-9a-fA-F]{6}$")

# Machado, Oliveira & Fernandes (2009), severity 1.0, applied to linear RGB.
CVD = {
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216], [-0.003882, -0.048116, 1.051998]]
    ),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413], [-0.011820, 0.042940, 0.968881]]
    ),
}


def rgb(hex_colour: str) -> np.ndarray:
    if not HEX.match(hex_colour):
        raise ValueError(f"not a #rrggbb colour: {hex_colour!r}")
    h = hex_colour[1:]
    return np.array([int(h[i : i + 2], 16) / 255 for i in (0, 2, 4)])


def to_linear(c: np.ndarray) -> np.ndarray:
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def luminance(hex_colour: str) -> float:
    """WCAG relative luminance of a #rrggbb colour."""
    return float(np.dot([0.2126, 0.7152, 0.0722], to_linear(rgb(hex_colour))))


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio, 1 to 21 (symmetric: the order of the two colours does not matter)."""
    la, lb = sorted((luminance(a), luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def simulate(hex_colour: str, kind: str) -> np.ndarray:
    """Linear RGB as seen with the given deficiency."""
    return np.clip(CVD[kind] @ to_linear(rgb(hex_colour)), 0, 1)


def lab(linear: np.ndarray) -> np.ndarray:
    """CIE L*a*b* (D65) of a linear-RGB colour."""
    m = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]])
    xyz = m @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, kind: str | None = None) -> float:
    """CIE76 colour difference, optionally as seen with a colour-vision deficiency."""
    la = lab(simulate(a, kind) if kind else to_linear(rgb(a)))
    lb = lab(simulate(b, kind) if kind else to_linear(rgb(b)))
    return float(np.linalg.norm(la - lb))
