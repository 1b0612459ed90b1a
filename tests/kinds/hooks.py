"""The test kind's service hook: it records each poll it follows."""

from __future__ import annotations

polled: list[tuple[str, str]] = []


def record_poll(store) -> None:  # type: ignore[no-untyped-def]
    polled.append((store.openai_id, store.status))
