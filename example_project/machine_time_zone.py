"""The machine's time zone, so that the demo shows times as the person running it reads them.

Django's own default (``America/Chicago``) would put every time shown hours off for most people.
"""

from __future__ import annotations

import os
import zoneinfo
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path


def machine_time_zone(environ: Mapping[str, str] = os.environ, etc: Path = Path("/etc")) -> str:
    """The IANA name of the local zone: ``TZ``, else ``/etc/timezone``, else ``/etc/localtime``'s
    link target; ``UTC`` when none of them names a zone Python knows."""
    for name in _candidates(environ, etc):
        if _is_zone(name):
            return name
    return "UTC"


def _candidates(environ: Mapping[str, str], etc: Path) -> Iterator[str]:
    # TZ may be ":Europe/Paris" or a path into the zoneinfo database (POSIX allows both).
    tz = environ.get("TZ", "").strip().removeprefix(":")
    if tz:
        yield _after_zoneinfo(tz)
    yield _quietly(lambda: (etc / "timezone").read_text().strip())
    yield _after_zoneinfo(_quietly(lambda: os.readlink(etc / "localtime")))


def _quietly(read: Callable[[], str]) -> str:
    """What ``read`` returns, or "" when the file is missing or unreadable."""
    try:
        return read()
    except OSError:
        return ""


def _after_zoneinfo(value: str) -> str:
    marker = "zoneinfo/"
    return value.split(marker, 1)[1] if marker in value else value


def _is_zone(name: str) -> bool:
    if not name or name.startswith("/"):
        return False
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True
