"""Values PostgreSQL can store: its ``text``, ``varchar`` and ``jsonb`` refuse the NUL character.

A JSON document may carry it (``"\\u0000"``), and so may a model's answer, a remote object or a
webhook event: stored as it is, the whole row fails on PostgreSQL (SQLite takes it). Such a NUL is
stored as U+FFFD, the replacement character, everywhere the same way (see docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

NUL = "\x00"
REPLACEMENT = "\ufffd"
#: How a NUL appears inside JSON text. Searching the raw bytes for it is far cheaper than walking
#: every parsed value, so only the rare document that has one is walked.
ESCAPED_NUL = b"\\u0000"


def without_nul(value: Any) -> Any:
    """``value`` with every NUL in its strings (dict keys included) replaced by U+FFFD."""
    if isinstance(value, str):
        return value.replace(NUL, REPLACEMENT) if NUL in value else value
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [without_nul(item) for item in value]
    return value
