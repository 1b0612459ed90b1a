"""Small pieces of HTML the mirror pages share: status badges, progress bars, the raw object.

Everything is built with ``format_html`` (values escaped); the look is in
``static/django_openai/admin.css``, no JavaScript.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone
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
    "incomplete": "warn",
    "requires_action": "busy",
    # gateway keys, threads and usage records
    "active": "ok",
    "ok": "ok",
    "revoked": "bad",
    "rejected": "bad",
    "interrupted": "warn",
    "disconnected": "muted",
    "archived": "muted",
    "idle": "muted",
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


def pretty_json(value: Any) -> SafeString:
    """A JSON value pretty-printed, in view (a run's parsed output, an item's content)."""
    text = json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
    return format_html('<pre class="djoai-json">{}</pre>', text)


def when(moment: Any, *, seconds: bool = True) -> str:
    """A moment in the current time zone, to the second (or the minute); a dash for none."""
    if not moment:
        return "—"
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


def owner_search(path: str = "user") -> str:
    """The search field of a relation to the user model, by its USERNAME_FIELD (a project's own
    user model may have no ``username``)."""
    from django.contrib.auth import get_user_model

    return f"{path}__{get_user_model().USERNAME_FIELD}"


def bytes_label(size: int | None) -> str:
    if size is None:
        return "—"
    value = float(size)
    for unit in ("bytes", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:,.0f} {unit}" if unit == "bytes" else f"{value:,.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns
