"""Which function tools the fake "decides" to call: a fixed rule, so tests can drive a tool loop.

Shared by chat completions and responses, and written out in docs/testing.md:

1. No function tools offered, or ``tool_choice`` is ``"none"``: no call.
2. ``tool_choice`` forces a call (``"required"``, or a named function): the fake calls, every
   turn, even after tool outputs came back (as the real API does; a test drives a round cap so).
   A named function is called; ``"required"`` calls the tools the last user message names, else
   the first tool.
3. ``"auto"`` (the default): when the turn answers tool outputs, a text answer quoting them; else
   every offered tool whose name the last user message contains, in the order offered.
4. ``parallel_tool_calls: false`` keeps the first call only.
5. Arguments: a JSON object written right after the name in the message
   (``get_weather({"city": "Paris"})``), else an instance of the tool's parameter schema.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from .content import digest, sample_from_schema


@dataclass(frozen=True)
class ToolCall:
    call_id: str
    name: str
    arguments: str


def tool_name(tool: dict[str, Any]) -> str:
    # Chat nests the function ({"type": "function", "function": {"name": ...}}); Responses does not.
    return str((tool.get("function") or {}).get("name") or tool.get("name") or "")


def tool_parameters(tool: dict[str, Any]) -> Any:
    return (tool.get("function") or {}).get("parameters") or tool.get("parameters") or {}


def function_tools(body: dict[str, Any]) -> list[dict[str, Any]]:
    return [t for t in body.get("tools") or [] if t.get("type", "function") == "function" and tool_name(t)]


def forced(body: dict[str, Any]) -> bool:
    choice = body.get("tool_choice", "auto")
    return bool(function_tools(body)) and (choice == "required" or isinstance(choice, dict))


def choose_tool_calls(
    body: dict[str, Any], user_text: str, *, answering_tool_outputs: bool, seed: Any
) -> list[ToolCall]:
    """The calls for this turn (empty: answer in text). ``seed`` makes the call ids unique."""
    tools = function_tools(body)
    choice = body.get("tool_choice", "auto")
    if not tools or choice == "none":
        return []
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        chosen = [t for t in tools if tool_name(t) == name]
    elif choice == "required":
        chosen = _named(tools, user_text) or tools[:1]
    elif answering_tool_outputs:
        return []
    else:
        chosen = _named(tools, user_text)
    if body.get("parallel_tool_calls") is False:
        chosen = chosen[:1]
    return [
        ToolCall(
            f"call_{digest(seed, index, tool_name(tool)).hex()[:24]}",
            tool_name(tool),
            json.dumps(_arguments(tool, user_text)),
        )
        for index, tool in enumerate(chosen)
    ]


def _named(tools: list[dict[str, Any]], text: str) -> list[dict[str, Any]]:
    return [t for t in tools if tool_name(t) in text]


def _arguments(tool: dict[str, Any], text: str) -> Any:
    """``name({...})`` in the message gives the arguments; else a sample of the schema."""
    name = tool_name(tool)
    start = text.find(name + "(")
    if start >= 0:
        try:
            value, _ = json.JSONDecoder().raw_decode(text, start + len(name) + 1)
        except ValueError:
            value = None
        if isinstance(value, dict):
            return value
    return sample_from_schema(tool_parameters(tool))


def tool_outputs_answer(outputs: list[tuple[str, str]]) -> str:
    """The text answer once tool outputs are back: each output, under its tool's name."""
    parts = [f"{name} returned {output}" if name else output for name, output in outputs]
    text = "Here is what the tools returned: " + "; ".join(parts)
    # An output that ends a sentence itself ("18C and sunny.") gets no second full stop.
    return text if text.endswith((".", "!", "?")) else text + "."
