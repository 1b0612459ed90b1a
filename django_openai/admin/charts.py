"""Charts drawn on the server as SVG: a fine-tuning job's loss, usage by day and model.

No JavaScript and nothing from a CDN. Both charts share one frame (the plot area, its grid and
the labels of the value axis); the look is in ``static/django_openai/admin.css``. A long loss
series is thinned to at most ``MAX_POINTS`` points per line (every nth step, the last one always
kept), and a bar chart has one bar per period however many records it sums, so a page stays small.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 40
MAX_POINTS = 400
SERIES = (("train", "Training loss", "djoai-line--train"), ("valid", "Validation loss", "djoai-line--valid"))
#: Bar charts: how many series get a colour of their own (the rest are summed as the last one).
BAR_COLOURS = 6
#: At most this many labels under the bars (every nth period).
MAX_X_LABELS = 10

Point = tuple[int, float | None, float | None]


@dataclass(frozen=True)
class Frame:
    """The plot area of a chart and its value axis (``low`` at the bottom, ``high`` at the top)."""

    width: int
    height: int
    low: float
    high: float
    left: int = LEFT
    right: int = RIGHT
    top: int = TOP
    bottom: int = BOTTOM

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def base(self) -> int:
        """The y of the bottom of the plot."""
        return self.top + self.plot_height

    def y(self, value: float) -> float:
        return self.top + (self.high - value) * self.plot_height / (self.high - self.low)

    def grid(self, ticks: Sequence[float], label: Callable[[float], str]) -> SafeString:
        """Horizontal grid lines at ``ticks``, each labelled on the left."""
        return format_html_join(
            "",
            '<line class="djoai-grid" x1="{}" x2="{}" y1="{}" y2="{}" />'
            '<text class="djoai-tick" x="{}" y="{}" text-anchor="end">{}</text>',
            (
                (
                    self.left,
                    self.width - self.right,
                    f"{self.y(v):.1f}",
                    f"{self.y(v):.1f}",
                    self.left - 6,
                    f"{self.y(v) + 4:.1f}",
                    label(v),
                )
                for v in ticks
            ),
        )

    def axes(self) -> SafeString:
        return format_html(
            '<line class="djoai-axis" x1="{}" x2="{}" y1="{}" y2="{}" />'
            '<line class="djoai-axis" x1="{}" x2="{}" y1="{}" y2="{}" />',
            self.left,
            self.left,
            self.top,
            self.base,
            self.left,
            self.width - self.right,
            self.base,
            self.base,
        )

    def svg(self, summary: str, *parts: SafeString) -> SafeString:
        """The whole chart: its summary as the accessible name and the title, then ``parts``."""
        return format_html(
            '<svg class="djoai-chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
            "<title>{}</title>{}</svg>",
            self.width,
            self.height,
            self.width,
            self.height,
            summary,
            summary,
            mark_safe("".join(parts)),  # each part was built with format_html
        )


def empty(note: str) -> SafeString:
    return format_html('<p class="djoai-muted">{}</p>', note)


# -- the loss of a fine-tuning job ---------------------------------------------------------------


def thin(points: Sequence[Point], limit: int = MAX_POINTS) -> list[Point]:
    if len(points) <= limit:
        return list(points)
    stride = -(-len(points) // limit)
    kept = list(points[::stride])
    if kept[-1] != points[-1]:
        kept.append(points[-1])
    return kept


def _ticks(low: float, high: float, count: int) -> list[float]:
    if high <= low:
        return [low]
    step = (high - low) / (count - 1)
    return [low + i * step for i in range(count)]


def loss_chart(rows: Sequence[tuple[int | None, float | None, float | None]]) -> SafeString:
    """``rows``: (step, train_loss, valid_loss), by step. An empty note when there are none."""
    points = thin([(s, t, v) for s, t, v in rows if s is not None and (t is not None or v is not None)])
    if not points:
        return empty("No metrics yet: the chart appears once training runs.")
    values = [v for _, train, valid in points for v in (train, valid) if v is not None]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    frame = Frame(WIDTH, HEIGHT, low, high)
    first, last = points[0][0], points[-1][0]
    span = max(1, last - first)

    def x(step: int) -> float:
        return frame.left + (step - first) * frame.plot_width / span

    lines = []
    legend = []
    for index, (key, label, css) in enumerate(SERIES):
        column = 1 if key == "train" else 2
        coords = " ".join(
            f"{x(p[0]):.1f},{frame.y(value):.1f}" for p in points if (value := p[column]) is not None
        )
        if not coords:
            continue
        lines.append(format_html('<polyline class="djoai-line {}" points="{}" />', css, coords))
        legend.append(
            format_html(
                '<g transform="translate({},{})"><line class="djoai-line {}" x1="0" y1="0" x2="18" y2="0" />'
                '<text x="24" y="4">{}</text></g>',
                frame.left + 8 + index * 150,
                HEIGHT - 8,
                css,
                label,
            )
        )
    x_ticks = format_html_join(
        "",
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{x(round(s)):.1f}", frame.base + 16, round(s)) for s in _ticks(first, last, min(6, span + 1))),
    )
    step_label = format_html(
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="end">step</text>',
        WIDTH - frame.right,
        frame.base + 30,
    )
    return frame.svg(
        f"Loss over {len(points)} points, steps {first} to {last}",
        frame.grid(_ticks(low, high, 5), lambda v: f"{v:.3g}"),
        x_ticks,
        frame.axes(),
        step_label,
        *lines,
        *legend,
    )


# -- stacked bars (usage by period and model) --------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 times a power of ten that is at least ``value`` (1 for 0)."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * power * (1 + 1e-9):
            return factor * power
    return 10 * power  # pragma: no cover - the loop always returns


def compact_number(value: float) -> str:
    """12, 3.4k, 1.2M: the labels of a value axis."""
    for size, suffix in ((1e9, "G"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:.3g}{suffix}"
    return f"{value:.3g}"


def stacked_bars(
    labels: Sequence[str],
    series: Sequence[tuple[str, Sequence[float]]],
    *,
    summary: str,
    value_label: Callable[[float], str] = compact_number,
    width: int = 560,
    height: int = 240,
) -> SafeString:
    """A bar per label, each stacked from ``series`` (name, one value per label), in order; the
    series beyond ``BAR_COLOURS - 1`` are summed as the last colour ("other"). Each segment has a
    tooltip (an SVG ``<title>``) with its value."""
    if not labels or not series:
        return empty("Nothing to chart.")
    series = _fold(series)
    totals = [sum(values[i] for _, values in series) for i in range(len(labels))]
    legend_rows = -(-len(series) // 3)
    frame = Frame(width, height + 18 * (legend_rows - 1), 0.0, nice_ceiling(max(totals)), left=60)
    slot = frame.plot_width / len(labels)
    bar = max(1.0, slot * 0.72)
    bars = []
    for i, label in enumerate(labels):
        bottom = 0.0
        x = frame.left + i * slot + (slot - bar) / 2
        for colour, (name, values) in enumerate(series):
            value = values[i]
            if value <= 0:
                continue
            y_top, y_bottom = frame.y(bottom + value), frame.y(bottom)
            bars.append(
                format_html(
                    '<rect class="djoai-bar djoai-series-{}" x="{}" y="{}" width="{}" height="{}">'
                    "<title>{} · {}: {}</title></rect>",
                    colour,
                    f"{x:.1f}",
                    f"{y_top:.1f}",
                    f"{bar:.1f}",
                    f"{max(0.5, y_bottom - y_top):.1f}",
                    label,
                    name,
                    value_label(value),
                )
            )
            bottom += value
    stride = -(-len(labels) // MAX_X_LABELS)
    x_labels = format_html_join(
        "",
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        (
            (f"{frame.left + (i + 0.5) * slot:.1f}", frame.base + 16, label)
            for i, label in enumerate(labels)
            if i % stride == 0
        ),
    )
    legend = format_html_join(
        "",
        '<g transform="translate({},{})"><rect class="djoai-bar djoai-series-{}" x="0" y="-9" width="12" '
        'height="12" /><text x="18" y="1">{}</text></g>',
        (
            (
                frame.left + (colour % 3) * 165,
                frame.base + 34 + (colour // 3) * 18,
                colour,
                name if len(name) <= 22 else name[:21] + "…",
            )
            for colour, (name, _) in enumerate(series)
        ),
    )
    ticks = [frame.high * i / 4 for i in range(5)]
    return frame.svg(summary, frame.grid(ticks, value_label), *bars, frame.axes(), x_labels, legend)


def _fold(series: Sequence[tuple[str, Sequence[float]]]) -> list[tuple[str, list[float]]]:
    kept = [(name, [float(v) for v in values]) for name, values in series]
    if len(kept) <= BAR_COLOURS:
        return kept
    rest = kept[BAR_COLOURS - 1 :]
    other = [sum(values[i] for _, values in rest) for i in range(len(rest[0][1]))]
    return [*kept[: BAR_COLOURS - 1], (f"{len(rest)} others", other)]
