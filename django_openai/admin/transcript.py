"""A thread read as a transcript: one page of its items, each shown as what it is.

Messages by role, function calls with their arguments and the outputs that answer them,
reasoning folded, hosted tool calls (web search, file search, code...) summed up in a line with
the item folded under it; whatever was cut short is marked. A page holds ``PAGE_SIZE`` items
found by position (the thread's positions are dense, so no count is needed), and each item's text
and JSON are capped, so that the page stays small however long the thread or its items.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..models import Thread, ThreadItem

PAGE_SIZE = 50
#: Characters of an item's text (or a call's arguments, a tool's output) shown on the page; the
#: whole is on the item's own page.
TEXT_LIMIT = 2000
#: A string longer than this in an item's folded JSON is shortened (an image's base64...).
JSON_STRING_LIMIT = 300
#: Characters of an item's folded JSON, at most.
JSON_LIMIT = 4000


@dataclass
class Entry:
    """One item, ready for the template."""

    position: int
    kind: str  # message, call, output, reasoning, hosted, other
    type: str
    role: str = ""
    text: str = ""
    truncated: bool = False
    incomplete: bool = False
    name: str = ""
    call_id: str = ""
    error: str = ""
    detail: str = ""  # a hosted call's one line, a reasoning item's note
    raw: str = ""  # the item as JSON, shortened, for the folded view
    parts: list[str] = field(default_factory=list)  # a message's parts that are not text
    run_id: int | None = None
    run_url: str = ""
    item_url: str = ""
    created: Any = None


@dataclass
class TranscriptPage:
    entries: list[Entry]
    number: int
    count: int
    first_position: int
    last_position: int
    total: int

    @property
    def summary(self) -> str:
        return (
            f"Items {self.first_position:,} to {self.last_position:,} of {self.total:,} · "
            f"page {self.number:,} of {self.count:,}"
        )

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.count

    @property
    def previous(self) -> int:
        return self.number - 1

    @property
    def next(self) -> int:
        return self.number + 1


def page_count(total: int) -> int:
    return max(1, -(-total // PAGE_SIZE))


def page_of(position: int) -> int:
    """The page that shows the item at ``position``."""
    return max(1, -(-position // PAGE_SIZE))


def page_number(requested: str | None, total: int) -> int:
    """The page asked for (``?page=``), within range; the last one (the newest items) by default."""
    count = page_count(total)
    try:
        number = int(requested or count)
    except ValueError:
        return count
    return min(max(number, 1), count)


def transcript_page(
    thread: Thread,
    number: int,
    *,
    item_url: Callable[[int], str],
    run_url: Callable[[int], str],
) -> TranscriptPage:
    """Page ``number`` of the thread's items: one query, by the (thread, position) index."""
    total = thread.item_count
    first = (number - 1) * PAGE_SIZE + 1
    last = min(total, number * PAGE_SIZE)
    rows = list(
        ThreadItem.objects.filter(thread_id=thread.pk, position__gte=first, position__lte=last).order_by(
            "position"
        )
    )
    names = {row.call_id: row.name for row in rows if row.type == "function_call" and row.call_id}
    entries = [_entry(row, names, item_url, run_url) for row in rows]
    return TranscriptPage(entries, number, page_count(total), first, last, total)


def _entry(
    row: ThreadItem,
    names: dict[str, str],
    item_url: Callable[[int], str],
    run_url: Callable[[int], str],
) -> Entry:
    content = row.content if isinstance(row.content, dict) else {}
    entry = Entry(
        position=row.position,
        kind="other",
        type=row.type,
        role=row.role,
        incomplete=row.status == "incomplete" or content.get("status") == "incomplete",
        call_id=row.call_id,
        name=row.name,
        error=_cap(row.error)[0],
        run_id=row.run_id,
        run_url=run_url(row.run_id) if row.run_id else "",
        item_url=item_url(row.pk),
        created=row.created,
    )
    if row.type == "message":
        entry.kind = "message"
        entry.text, entry.truncated = _cap(row.text)
        entry.parts = _other_parts(content.get("content"))
    elif row.type in ("function_call", "custom_tool_call"):
        entry.kind = "call"
        arguments = content.get("arguments", content.get("input", ""))
        entry.text, entry.truncated = _cap(_pretty(arguments))
    elif row.type in ("function_call_output", "custom_tool_call_output"):
        entry.kind = "output"
        entry.name = names.get(row.call_id, "")
        entry.text, entry.truncated = _cap(row.text or _pretty(content.get("output", "")))
    elif row.type == "reasoning":
        entry.kind = "reasoning"
        summary = content.get("summary") or []
        text = "\n\n".join(
            str(part.get("text") or "") for part in summary if isinstance(part, dict) and part.get("text")
        )
        entry.text, entry.truncated = _cap(text)
        entry.detail = (
            "encrypted: its content goes back to the model, unread"
            if content.get("encrypted_content")
            else ""
        )
        entry.raw = _raw(content)
    elif row.type.endswith("_call"):
        entry.kind = "hosted"
        entry.detail = _hosted_line(content)
        entry.raw = _raw(content)
    else:
        entry.raw = _raw(content)
    return entry


def _cap(text: str) -> tuple[str, bool]:
    if len(text) <= TEXT_LIMIT:
        return text, False
    return text[:TEXT_LIMIT], True


def _pretty(value: Any) -> str:
    """Arguments and outputs as indented JSON when they are JSON, else as they are."""
    if isinstance(value, str):
        try:
            decoded = json.loads(value)
        except ValueError:
            return value
        if not isinstance(decoded, dict | list):
            return value
        value = decoded
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _other_parts(parts: Any) -> list[str]:
    """What a message holds besides text: images, files, audio, refusals, as short labels."""
    if not isinstance(parts, list):
        return []
    labels = []
    for part in parts:
        if not isinstance(part, dict):
            continue
        kind = part.get("type")
        if kind == "input_image":
            source = part.get("file_id") or part.get("image_url") or ""
            labels.append(f"image: {_short(str(source))}" if source else "image")
        elif kind == "input_file":
            name = part.get("filename") or part.get("file_id") or _short(str(part.get("file_url", "")))
            labels.append(f"file: {name}")
        elif kind == "input_audio":
            labels.append("audio")
        elif kind == "refusal":
            labels.append(f"refusal: {_cap(str(part.get('refusal') or ''))[0]}")
    return labels


def _hosted_line(content: dict[str, Any]) -> str:
    """A hosted tool call in a line: what it looked for, ran or made."""
    kind = str(content.get("type", ""))
    found = content.get("action")
    action: dict[str, Any] = found if isinstance(found, dict) else {}
    if kind == "web_search_call":
        query = action.get("query") or action.get("url") or ""
        return f"searched the web for {query!r}" if query else "searched the web"
    if kind == "file_search_call":
        queries = content.get("queries") or []
        results = content.get("results") or []
        said = ", ".join(repr(q) for q in queries[:3]) or "the vector stores"
        return f"searched files for {said}" + (f": {len(results)} results" if results else "")
    if kind == "code_interpreter_call":
        return "ran code: " + _short(str(content.get("code") or ""), 120)
    if kind == "image_generation_call":
        return "generated an image"
    if kind in ("mcp_call", "mcp_list_tools"):
        return f"{content.get('server_label', 'MCP')}: {content.get('name') or 'listed its tools'}"
    if kind in ("computer_call", "local_shell_call", "shell_call"):
        return (
            f"{kind.removesuffix('_call').replace('_', ' ')}: {_short(json.dumps(action, default=str), 120)}"
        )
    return kind.removesuffix("_call").replace("_", " ")


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _shorten(value: Any) -> Any:
    if isinstance(value, str):
        return (
            value
            if len(value) <= JSON_STRING_LIMIT
            else f"{value[:JSON_STRING_LIMIT]}… ({len(value):,} characters)"
        )
    if isinstance(value, dict):
        return {k: _shorten(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shorten(v) for v in value]
    return value


def _raw(content: dict[str, Any]) -> str:
    text = json.dumps(_shorten(content), indent=2, ensure_ascii=False, default=str)
    return text if len(text) <= JSON_LIMIT else text[:JSON_LIMIT] + "\n…"
