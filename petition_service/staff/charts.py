"""Bar charts as geometry for inline SVG: computed here, drawn by templates/staff/_charts.html.

Server-rendered SVG needs no JavaScript and no chart library, prints well and is read by
screen readers through its <title> and <desc>; each bar also carries its own <title>.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import format_date


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    label: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    value_ticks: list[Tick]
    label_ticks: list[Tick]
    total: int
    plot_left: float
    plot_top: float
    plot_right: float
    plot_bottom: float


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^n at or above `value`, so axis labels are round."""
    if value <= 1:
        return 1
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= value:
                return step * magnitude
        magnitude *= 10


def daily_chart(points: list[tuple[date, int]], width: int = 720, height: int = 220) -> BarChart:
    left, right, top, bottom = 44.0, width - 8.0, 12.0, height - 28.0
    top_value = nice_ceiling(max((value for _, value in points), default=0))
    slot = (right - left) / max(len(points), 1)
    scale = (bottom - top) / top_value
    bars = [
        Bar(
            x=left + i * slot + slot * 0.1,
            y=bottom - value * scale,
            width=slot * 0.8,
            height=value * scale,
            value=value,
            label=day.isoformat(),
        )
        for i, (day, value) in enumerate(points)
    ]
    value_ticks = [
        Tick(bottom - fraction * (bottom - top), f"{round(top_value * fraction):,}")
        for fraction in (0, 0.5, 1)
    ]
    # A date under the first bar and then every seventh, so labels never overlap.
    label_ticks = [
        Tick(left + i * slot + slot / 2, format_date(day, "d MMM"))
        for i, (day, _) in enumerate(points)
        if i % 7 == 0
    ]
    return BarChart(
        width,
        height,
        bars,
        value_ticks,
        label_ticks,
        sum(value for _, value in points),
        left,
        top,
        right,
        bottom,
    )


def horizontal_chart(rows: list[tuple[str, int]], width: int = 720, row: int = 26) -> BarChart:
    left, right, top = 180.0, width - 70.0, 4.0
    height = int(top + row * max(len(rows), 1) + 4)
    top_value = max((value for _, value in rows), default=0) or 1
    scale = (right - left) / top_value
    bars = [
        Bar(
            x=left,
            y=top + i * row + 3,
            width=max(value * scale, 1.0) if value else 0.0,
            height=row - 6,
            value=value,
            label=label,
        )
        for i, (label, value) in enumerate(rows)
    ]
    return BarChart(
        width,
        height,
        bars,
        [],
        [],
        sum(value for _, value in rows),
        left,
        top,
        right,
        float(height - 4),
    )
