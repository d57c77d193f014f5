"""Shared drawing helpers of the report's charts: the palette, per-scheme colours, a
figure with the lab's axes style, IQR whiskers, and SVG text ready to inline."""

from __future__ import annotations

import io
import re

import matplotlib
from matplotlib.figure import Figure
from matplotlib.transforms import blended_transform_factory

from reports import families
from reports.collect import Run, is_baseline

matplotlib.use("Agg")

GREY = "#8a8a8a"
PALETTE = ("#4269d0", "#efb118", "#ff725c", "#6cc5b0", "#3ca951", "#ff8ab7", "#a463f2", "#97bbf5")
SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
# RDF metadata names purl.org vocabularies; nothing reads it inline, so it goes.
SVG_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)
SVG_IDS = re.compile(r'(\bid="|\bhref="#|url\(#)([^"\)]+)')


def colour(run: Run, name: str) -> str:
    """A stable colour per scheme (registry order); the baseline is grey."""
    if is_baseline(name):
        return GREY
    names = [s["scheme"] for s in run.schemes if not is_baseline(s["scheme"])]
    return PALETTE[names.index(name) % len(PALETTE)] if name in names else GREY


def to_svg(fig: Figure, key: str) -> str:
    """Render ``fig`` to SVG text without the XML prologue, ready to inline."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "authlab"}):
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
    svg = SVG_PROLOGUE.sub("", buf.getvalue(), count=1)
    svg = SVG_METADATA.sub("", svg, count=1).strip()
    # matplotlib numbers ids per figure (glyphs, clip paths): prefix them so that
    # several charts inline in one page never resolve each other's references.
    return SVG_IDS.sub(lambda m: f"{m[1]}{key}-{m[2]}", svg)


def whiskers(medians: list[float], iqrs: list[float | None]) -> list[list[float]]:
    """Error bars of IQR width centred on each median, the lower one clipped above 0.

    A run records a median and its IQR width, not the quartiles, so the whisker is
    drawn centred; a skewed timing (IQR wider than twice the median) would otherwise
    reach below zero, which a time cannot and a log axis cannot draw.
    """
    half = [(i or 0) / 2 for i in iqrs]
    lower = [min(h, m * 0.9) for h, m in zip(half, medians, strict=True)]
    return [lower, half]


def figure(height: float, ncols: int = 1) -> tuple[Figure, list]:
    """A figure 8 inches wide with ``ncols`` axes: x grid, no top or right spine."""
    fig = Figure(figsize=(8.0, height), layout="constrained")
    axes = fig.subplots(1, ncols, squeeze=False)[0]
    for ax in axes:
        ax.grid(axis="x", alpha=0.3, which="both")
        ax.set_axisbelow(True)
        ax.spines[["top", "right"]].set_visible(False)
    return fig, list(axes)


#: Height of a family's header slot in a bar chart, in bar slots.
HEADER_SLOT = 0.8


def family_layout(
    rows: list[dict],
) -> tuple[list[dict], list[float], list[tuple[float, str]]]:
    """``rows`` (scheme entries) in the report's family order, each one's y (top row
    first: highest y), and ``(y, label)`` of each family's header slot above its bars."""
    groups = families.grouped(rows)
    top = len(rows) + HEADER_SLOT * len(groups)  # slots stack down from here to 0
    ordered, ys, headers = [], [], []
    for name, members in groups:
        headers.append((top - HEADER_SLOT / 2, name))
        top -= HEADER_SLOT
        for member in members:
            ordered.append(member)
            ys.append(top - 0.5)
            top -= 1
    return ordered, ys, headers


def family_height(rows: list[dict], per_row: float, extra: float) -> float:
    """A bar chart's height in inches: ``per_row`` per bar and per header slot."""
    slots = len(rows) + HEADER_SLOT * len(families.grouped(rows))
    return per_row * slots + extra


def mark_families(ax, headers: list[tuple[float, str]]) -> None:
    """Write each family's label in its header slot, rule a line above it, and fit the
    y axis to the slots."""
    across = blended_transform_factory(ax.transAxes, ax.transData)
    for i, (y, label) in enumerate(headers):
        ax.text(0.005, y, label, transform=across, fontsize=7.5, fontweight="bold",
                color="#5f6368", va="center")  # fmt: skip
        if i:
            ax.axhline(y + HEADER_SLOT / 2, color=GREY, lw=0.6, alpha=0.6)
    if headers:
        ax.set_ylim(0, headers[0][0] + HEADER_SLOT / 2)
