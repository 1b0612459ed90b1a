"""The loss chart of a fine-tuning job: an SVG drawn on the server from the stored events.

No JavaScript and nothing from a CDN: polylines for the training and validation loss over the
steps, axes with a few ticks, a legend. Long jobs are thinned to at most ``MAX_POINTS`` points
per line (every nth step, the last one always kept), so the page stays small.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

WIDTH, HEIGHT = 640, 260
LEFT, RIGHT, TOP, BOTTOM = 52, 16, 16, 40
MAX_POINTS = 400
SERIES = (("train", "Training loss", "djoai-line--train"), ("valid", "Validation loss", "djoai-line--valid"))

Point = tuple[int, float | None, float | None]


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
        return format_html(
            '<p class="djoai-muted">{}</p>', "No metrics yet: the chart appears once training runs."
        )
    values = [v for _, train, valid in points for v in (train, valid) if v is not None]
    low, high = min(values), max(values)
    if high - low < 1e-9:
        low, high = low - 0.5, high + 0.5
    first, last = points[0][0], points[-1][0]
    span = max(1, last - first)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(step: int) -> float:
        return LEFT + (step - first) * plot_w / span

    def y(value: float) -> float:
        return TOP + (high - value) * plot_h / (high - low)

    lines = []
    legend = []
    for index, (key, label, css) in enumerate(SERIES):
        column = 1 if key == "train" else 2
        coords = " ".join(f"{x(p[0]):.1f},{y(value):.1f}" for p in points if (value := p[column]) is not None)
        if not coords:
            continue
        lines.append(format_html('<polyline class="djoai-line {}" points="{}" />', css, coords))
        legend.append(
            format_html(
                '<g transform="translate({},{})"><line class="djoai-line {}" x1="0" y1="0" x2="18" y2="0" />'
                '<text x="24" y="4">{}</text></g>',
                LEFT + 8 + index * 150,
                HEIGHT - 8,
                css,
                label,
            )
        )
    y_ticks = format_html_join(
        "",
        '<line class="djoai-grid" x1="{}" x2="{}" y1="{}" y2="{}" />'
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="end">{}</text>',
        (
            (LEFT, WIDTH - RIGHT, f"{y(v):.1f}", f"{y(v):.1f}", LEFT - 6, f"{y(v) + 4:.1f}", f"{v:.3g}")
            for v in _ticks(low, high, 5)
        ),
    )
    x_ticks = format_html_join(
        "",
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="middle">{}</text>',
        ((f"{x(round(s)):.1f}", TOP + plot_h + 16, round(s)) for s in _ticks(first, last, min(6, span + 1))),
    )
    summary = f"Loss over {len(points)} points, steps {first} to {last}"
    return format_html(
        '<svg class="djoai-chart" viewBox="0 0 {} {}" width="{}" height="{}" role="img" aria-label="{}">'
        "<title>{}</title>{}{}"
        '<line class="djoai-axis" x1="{}" x2="{}" y1="{}" y2="{}" />'
        '<line class="djoai-axis" x1="{}" x2="{}" y1="{}" y2="{}" />'
        '<text class="djoai-tick" x="{}" y="{}" text-anchor="end">step</text>'
        "{}{}</svg>",
        WIDTH,
        HEIGHT,
        WIDTH,
        HEIGHT,
        summary,
        summary,
        y_ticks,
        x_ticks,
        LEFT,
        LEFT,
        TOP,
        TOP + plot_h,
        LEFT,
        WIDTH - RIGHT,
        TOP + plot_h,
        TOP + plot_h,
        WIDTH - RIGHT,
        TOP + plot_h + 30,
        mark_safe("".join(lines)),
        mark_safe("".join(legend)),
    )
