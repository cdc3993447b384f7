"""Bar charts as plain geometry for inline SVG in the templates (no JavaScript, no library).

The template draws the rectangles and labels; colours come from CSS classes in panel.css
(`bar-0` … `bar-4`), so nothing needs inline styles. Every chart is also shown as a table for
screen readers and for exact numbers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

WIDTH = 640
HEIGHT = 240
LEFT = 44  # room for the axis numbers
BOTTOM = 28  # room for the month labels
TOP = 12


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # "sep 2026: 12" (the <title> tooltip)


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    x_labels: tuple[Tick, ...]
    y_labels: tuple[Tick, ...]
    baseline: float


def _scale_max(largest: int) -> int:
    """A round top for the axis: 1, 2, 5, 10, 20, 50, ... at least `largest` (and at least 1)."""
    magnitude = 1
    while True:
        for step in (1, 2, 5):
            if step * magnitude >= largest:
                return step * magnitude
        magnitude *= 10


def bar_chart(
    groups: Sequence[str],
    series: Sequence[Mapping[str, int]],
    *,
    stacked: bool = False,
    group_labels: Sequence[str] | None = None,
    series_names: Sequence[str] | None = None,
) -> Chart:
    """Bars per group: side by side (one per series) or stacked.

    `series[i][group]` is the value of series i in that group.
    """
    labels = list(group_labels or groups)
    names = list(series_names or [""] * len(series))
    totals = [
        sum(s.get(g, 0) for s in series) if stacked else max([s.get(g, 0) for s in series] or [0])
        for g in groups
    ]
    top = _scale_max(max(totals, default=0))
    plot_w = WIDTH - LEFT - 8
    plot_h = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_h
    slot = plot_w / max(len(groups), 1)
    bars: list[Bar] = []
    for i, group in enumerate(groups):
        x0 = LEFT + i * slot + slot * 0.15
        usable = slot * 0.7
        stack_y = baseline
        for n, values in enumerate(series):
            value = values.get(group, 0)
            height = plot_h * value / top
            if stacked:
                stack_y -= height
                bars.append(Bar(x0, stack_y, usable, height, n, _label(labels[i], names[n], value)))
            else:
                width = usable / max(len(series), 1)
                bars.append(
                    Bar(
                        x0 + n * width,
                        baseline - height,
                        width,
                        height,
                        n,
                        _label(labels[i], names[n], value),
                    )
                )
    x_labels = tuple(
        Tick(LEFT + (i + 0.5) * slot, HEIGHT - 8, labels[i]) for i in range(len(groups))
    )
    y_labels = tuple(
        Tick(LEFT - 6, baseline - plot_h * fraction, str(round(top * fraction)))
        for fraction in (0, 0.5, 1)
        if float(top * fraction).is_integer()  # no "2" on the line that means 2.5
    )
    return Chart(WIDTH, HEIGHT, tuple(bars), x_labels, y_labels, baseline)


def _label(group: str, series: str, value: int) -> str:
    return f"{group} · {series}: {value}" if series else f"{group}: {value}"
