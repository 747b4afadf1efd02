"""Charts of the PDF report, drawn on the server as SVG (no script, no network).

Two shapes are enough for the bilan: horizontal bars (the funnel) and
stacked columns (the outcomes by quarter of entry). Each chart is a
self-contained ``<svg>`` with a ``<title>`` and ``role="img"``; the report
always prints the chart's table beside it, which carries the exact figures.
Colours are the DSFR's, with enough contrast on white.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

COLOURS = ("#000091", "#6a6af4", "#18753c", "#b34000", "#666666", "#a558a0")
FONT = "font-family: 'DejaVu Sans', 'Liberation Sans', sans-serif"


def _text(
    x: float, y: float, content: str, *, size: int = 11, anchor: str = "start", bold: bool = False
) -> str:
    weight = ' font-weight="bold"' if bold else ""
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}"{weight} style="{FONT}">'
        f"{escape(content)}</text>"
    )


def _rect(x: float, y: float, width: float, height: float, colour: str) -> str:
    return f'<rect x="{x:.1f}" y="{y:.1f}" width="{width:.1f}" height="{height:.1f}" fill="{colour}"/>'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title>{"".join(body)}</svg>'
    )


def horizontal_bars(title: str, rows: Sequence[tuple[str, int]], *, width: int = 640) -> str:
    """One bar per row, longest scale first, the value written at the end of each bar."""
    label_width, bar_height, gap = 340, 22, 10
    height = len(rows) * (bar_height + gap) + 10
    top = max((value for _label, value in rows), default=0) or 1
    room = width - label_width - 50
    body = []
    for index, (label, value) in enumerate(rows):
        y = 5 + index * (bar_height + gap)
        length = room * value / top
        body.append(_text(label_width - 8, y + bar_height * 0.7, label, size=10, anchor="end"))
        body.append(_rect(label_width, y, length, bar_height, COLOURS[0]))
        body.append(_text(label_width + length + 6, y + bar_height * 0.7, f"{value}", bold=True))
    return _svg(width, height, title, body)


def stacked_columns(
    title: str,
    categories: Sequence[str],
    series: Sequence[tuple[str, Sequence[int]]],
    *,
    width: int = 640,
    height: int = 260,
) -> str:
    """One column per category, stacked by series, with a legend and a scale."""
    left, bottom, top_margin, legend_width = 40, 30, 10, 170
    plot_width = width - left - legend_width - 10
    plot_height = height - bottom - top_margin
    totals = [sum(values[i] for _name, values in series) for i in range(len(categories))]
    top = max(totals, default=0) or 1
    body = [
        f'<line x1="{left}" y1="{top_margin + plot_height}" x2="{left + plot_width}" '
        f'y2="{top_margin + plot_height}" stroke="#3a3a3a"/>'
    ]
    for step in range(5):
        value = round(top * step / 4)
        y = top_margin + plot_height - plot_height * value / top
        body.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_width}" y2="{y:.1f}" stroke="#dddddd"/>'
        )
        body.append(_text(left - 6, y + 4, f"{value}", size=9, anchor="end"))
    slot = plot_width / max(len(categories), 1)
    column = min(slot * 0.6, 48)
    for index, category in enumerate(categories):
        x = left + slot * index + (slot - column) / 2
        y = top_margin + plot_height
        for colour, (_name, values) in zip(COLOURS, series, strict=False):
            size = plot_height * values[index] / top
            y -= size
            if size:
                body.append(_rect(x, y, column, size, colour))
        body.append(_text(x + column / 2, top_margin + plot_height + 16, category, size=9, anchor="middle"))
    for index, (colour, (name, _values)) in enumerate(zip(COLOURS, series, strict=False)):
        y = top_margin + index * 20
        x = width - legend_width + 5
        body.append(_rect(x, y, 12, 12, colour))
        body.append(_text(x + 18, y + 10, name, size=10))
    return _svg(width, height, title, body)
