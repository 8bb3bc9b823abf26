"""Module 03's charts drawn with matplotlib: small PNGs with their text alternative, for any page.

The data and the words come from ``advocacy_lab.analysis.describe`` (pure);
this only draws. ``matplotlib.figure.Figure`` with the Agg canvas: no pyplot,
so no global figure state in a kernel that serves one learner for hours, and
nothing that needs a display. Colours are the course's (``--al-*`` in
ui/course.css, the one place they are set). Sized for a phone: 6.4 x 3.6
inches at 80 dpi (512 px wide, scaled down by the page), about 15-30 KB each.
"""
from __future__ import annotations

import base64
import html
import io
import math
import re
from functools import lru_cache
from pathlib import Path

from matplotlib import colormaps
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from advocacy_lab.analysis.describe import BarChart, Cascade, HeatMap, in_unit

DPI = 80
SIZE = (6.4, 3.6)
STYLESHEET = Path(__file__).with_name("course.css")


@lru_cache(maxsize=1)
def colours() -> dict[str, str]:
    """The course's colour variables (``--al-primary`` -> ``#1b5e9b``), read from ui/course.css."""
    found = re.findall(r"--al-([\w-]+):\s*(#[0-9a-fA-F]{3,8})\b", STYLESHEET.read_text(encoding="utf-8"))
    return {name: value for name, value in found}


def _colour(name: str, fallback: str) -> str:
    return colours().get(name, fallback)


def _png(figure: Figure) -> bytes:
    FigureCanvasAgg(figure)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _figure() -> Figure:
    # Constrained layout fits the labels in one drawing (tight_layout and bbox "tight" draw twice more).
    figure = Figure(figsize=SIZE, dpi=DPI, layout="constrained")
    figure.patch.set_facecolor("white")
    return figure


def bar_png(chart: BarChart) -> bytes:
    """Horizontal bars (long Vietnamese labels fit on a phone), highest value marked, values written."""
    figure = _figure()
    axes = figure.add_subplot()
    bars = [b for b in chart.bars]
    labels = [_short(b.label) for b in bars]
    values = [b.value if b.value is not None else 0.0 for b in bars]
    best = max((b.value for b in bars if b.value is not None), default=None)
    primary, muted = _colour("primary", "#1b5e9b"), _colour("border", "#6b7280")  # both 3:1+ on white
    colour = [primary if b.value is not None and b.value == best else muted for b in bars]
    positions = list(range(len(bars)))[::-1]
    axes.barh(positions, values, color=colour)
    axes.set_yticks(positions, labels)
    for y, bar in zip(positions, bars):
        words = in_unit(chart.metric, bar.value, chart.lang)
        axes.annotate(f" {words}", (bar.value or 0.0, y), va="center", fontsize=9)
    axes.spines[["top", "right"]].set_visible(False)
    axes.margins(x=0.25)
    axes.tick_params(axis="x", labelsize=8)
    return _png(figure)


def heat_png(chart: HeatMap) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    grid = [[math.nan if v is None else v for v in row] for row in chart.cells]
    # Slots with no post in the course's surface grey, so "nothing posted" never reads as "did worst".
    scale = colormaps["Blues"].resampled(256)
    scale = ListedColormap(scale(range(48, 256)), name="al-blues").with_extremes(bad=_colour("surface", "#f4f6f8"))
    image = axes.imshow(grid, aspect="auto", cmap=scale, interpolation="nearest")
    axes.set_yticks(range(7), [_short(d, 10) for d in chart.day_labels])
    axes.set_xticks(range(0, 24, 3), [f"{h:02d}" for h in range(0, 24, 3)])
    axes.tick_params(labelsize=8)
    figure.colorbar(image, ax=axes, shrink=0.8)
    return _png(figure)


def line_png(chart: Cascade) -> bytes:
    figure = _figure()
    axes = figure.add_subplot()
    primary = _colour("primary", "#1b5e9b")
    positions = range(len(chart.values))
    axes.plot(positions, chart.values, marker="o", color=primary)
    if chart.peak_day in chart.days:
        peak = chart.days.index(chart.peak_day)
        axes.axvline(peak, color=_colour("warn", "#8a5a00"), linestyle="--", linewidth=1)
    step = max(1, len(chart.days) // 5)
    axes.set_xticks(list(positions)[::step], [d[5:] for d in chart.days[::step]])
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(labelsize=8)
    return _png(figure)


def _short(label: str, limit: int = 22) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def figure_html(png: bytes, title: str, alt: str, css_class: str) -> str:
    """The chart as an escaped <figure>: the image with its text alternative, and its title as caption."""
    source = "data:image/png;base64," + base64.b64encode(png).decode("ascii")
    return (
        f'<figure class="al-chart {html.escape(css_class)}">'
        f'<img src="{source}" alt="{html.escape(alt)}">'
        f"<figcaption>{html.escape(title)}</figcaption></figure>"
    )
