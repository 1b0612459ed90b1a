"""Which function tools the fake "decides" to call: a fixed rule, so tests can drive a tool loop.

Shared by chat completions and responses; the rule is written out in docs/testing.md.
"""

from __future__ import annotations

import json
from typing import Any

from .content import digest, sample_from_schema


def tool_name(tool: dict[str, Any]) -> str:
    return str((tool.get("function") or {}).get("name") or tool.get("name") or "")


def tool_parameters(tool: dict[str, Any]) -> Any:
    return (tool.get("function") or {}).get("parameters") or tool.get("parameters") or {}


def choose_tool_calls(body: dict[str, Any], last_text: str, seed: str) -> list[dict[str, Any]]:
    """The calls for this turn, as chat ``tool_calls`` (id, name, arguments as a JSON string)."""
    tools = [t for t in body.get("tools") or [] if t.get("type", "function") == "function"]
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        chosen = [t for t in tools if tool_name(t) == name]
    elif choice == "required":
        chosen = [t for t in tools if tool_name(t) in last_text] or tools[:1]
    else:
        chosen = [t for t in tools if tool_name(t) and tool_name(t) in last_text]
    if body.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    return [
        {
            "id": f"call_{i}_{digest(seed, tool_name(t)).hex()[:12]}",
            "type": "function",
            "function": {
                "name": tool_name(t),
                "arguments": json.dumps(sample_from_schema(tool_parameters(t))),
            },
        }
        for i, t in enumerate(chosen)
    ]
