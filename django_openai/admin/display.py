"""Small pieces of HTML the mirror pages share: status badges, progress bars, the raw object.

Everything is built with ``format_html`` (values escaped); the look is in
``static/django_openai/admin.css``, no JavaScript.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils.html import format_html
from django.utils.safestring import SafeString

#: Status -> tone of its badge.
TONES = {
    "completed": "ok",
    "succeeded": "ok",
    "processed": "ok",
    "failed": "bad",
    "error": "bad",
    "expired": "bad",
    "cancelled": "muted",
    "cancelling": "muted",
    "deleted": "muted",
    "paused": "warn",
}


def badge(status: str | None) -> SafeString:
    """A status as a coloured label (an unknown status, one the API grew, reads as busy)."""
    status = status or "unknown"
    return format_html(
        '<span class="djoai-badge djoai-badge--{}">{}</span>', TONES.get(status, "busy"), status
    )


def progress(done: int | None, total: int | None, unit: str = "", *, compact: bool = False) -> SafeString:
    """A progress bar with its figures ("1,200 / 50,000 requests (2%)"); a dash when there is no total.

    ``compact`` (a list's column): a shorter bar and the figures alone."""
    if not total:
        return format_html('<span class="djoai-muted">{}</span>', "—")
    done = min(done or 0, total)
    percent = done * 100 // total
    if compact:
        return format_html(
            '<span class="djoai-progress djoai-progress--compact"><progress max="{}" value="{}" '
            'aria-label="{}%">{}%</progress><span class="djoai-progress__text">{} / {}</span></span>',
            total,
            done,
            percent,
            percent,
            f"{done:,}",
            f"{total:,}",
        )
    return format_html(
        '<span class="djoai-progress"><progress max="{}" value="{}" aria-label="{}%">{}%</progress>'
        '<span class="djoai-progress__text">{} / {}{} ({}%)</span></span>',
        total,
        done,
        percent,
        percent,
        f"{done:,}",
        f"{total:,}",
        f" {unit}" if unit else "",
        percent,
    )


def folded_json(value: Any, summary: str = "Show the remote object") -> SafeString:
    """A JSON value pretty-printed inside a closed ``<details>``."""
    if not value:
        return format_html('<span class="djoai-muted">{}</span>', "—")
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html(
        '<details class="djoai-raw"><summary>{}</summary><pre>{}</pre></details>', summary, text
    )


def bytes_label(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns
