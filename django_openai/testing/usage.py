"""Token accounting: one rule for every endpoint, so usage can be checked exactly.

A token is a word (a run of characters between whitespace). A request's input counts the words of
its instructions and of every message, tool call (name and JSON arguments) and tool output in the
history it is answered from; the output counts the same for what was generated. A text answer
streams one word per delta, so its output tokens equal the number of text deltas. Chat completions
with ``n`` choices count each choice's output. The figures are the same whether the answer is
streamed (the last chunk with ``stream_options.include_usage``, ``response.completed``) or not,
and a stored response reports what it reported when it was created.
"""

from __future__ import annotations

from typing import Any

from .content import text_of


def count_tokens(text: str) -> int:
    return len(text.split())


def chat_message_tokens(message: dict[str, Any]) -> int:
    """A chat message: its text, and the name and arguments of each tool call it makes."""
    tokens = count_tokens(text_of(message.get("content")))
    tokens += count_tokens(str(message.get("refusal") or ""))
    for call in message.get("tool_calls") or ():
        function = call.get("function") or {}
        tokens += count_tokens(str(function.get("name") or "")) + count_tokens(
            str(function.get("arguments") or "")
        )
    return tokens


def chat_usage(messages: list[dict[str, Any]], answer: dict[str, Any], choices: int = 1) -> dict[str, Any]:
    prompt = sum(chat_message_tokens(m) for m in messages if isinstance(m, dict))
    completion = chat_message_tokens(answer) * choices
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def item_tokens(item: dict[str, Any]) -> int:
    """A Responses item: a message's text, a call's name and arguments, a call output's text."""
    kind = item.get("type", "message")
    if kind == "function_call":
        return count_tokens(str(item.get("name") or "")) + count_tokens(str(item.get("arguments") or ""))
    if kind == "function_call_output":
        output = item.get("output")
        return count_tokens(output if isinstance(output, str) else text_of(output))
    return count_tokens(text_of(item.get("content")))


def response_usage(
    instructions: str | None, history: list[dict[str, Any]], output: list[dict[str, Any]]
) -> dict[str, Any]:
    input_tokens = count_tokens(instructions or "") + sum(item_tokens(i) for i in history)
    output_tokens = sum(item_tokens(i) for i in output)
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "total_tokens": input_tokens + output_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens_details": {"reasoning_tokens": 0},
    }


def completion_usage(prompt: str, completion: str) -> dict[str, int]:
    """Legacy completions and the other endpoints that count a prompt and a text."""
    p, c = count_tokens(prompt), count_tokens(completion)
    return {"prompt_tokens": p, "completion_tokens": c, "total_tokens": p + c}
