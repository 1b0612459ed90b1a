"""Fitting a replayed thread into ``max_context_tokens`` (chat backend): oldest turns dropped
first, a turn never cut, the instructions always kept; counted with tiktoken when it is usable."""

from __future__ import annotations

import sys
import types

import pytest

from django_openai.models import Assistant, Thread
from django_openai.services import tokens
from django_openai.services._run_backends import chat_turns

from .conftest import point_alias

pytestmark = pytest.mark.django_db


def test_the_estimate_without_tiktoken(monkeypatch):
    monkeypatch.setitem(sys.modules, "tiktoken", None)  # not installed
    tokens._encoder.cache_clear()
    try:
        count = tokens.token_counter("gpt-4.1")
        assert count("abcd" * 10) == 10 and count("é") == 1
        assert (
            tokens.message_tokens({"role": "user", "content": "abcdefgh"}, count)
            == 2 + tokens.MESSAGE_OVERHEAD
        )
    finally:
        tokens._encoder.cache_clear()


def test_tiktoken_counts_when_installed(monkeypatch):
    class Encoding:
        def encode(self, text, disallowed_special=()):
            return text.split()

    fake = types.SimpleNamespace(
        encoding_for_model=lambda model: Encoding(), get_encoding=lambda name: Encoding()
    )
    monkeypatch.setitem(sys.modules, "tiktoken", fake)
    tokens._encoder.cache_clear()
    try:
        assert tokens.token_counter("gpt-4.1")("one two three") == 3
    finally:
        tokens._encoder.cache_clear()


def test_an_encoding_that_cannot_be_loaded_falls_back_to_the_estimate(monkeypatch):
    def offline(*args):
        raise OSError("no network to fetch the encoding")

    monkeypatch.setitem(
        sys.modules, "tiktoken", types.SimpleNamespace(encoding_for_model=offline, get_encoding=offline)
    )
    tokens._encoder.cache_clear()
    try:
        assert tokens.token_counter("gpt-4.1") is tokens.estimate_tokens
    finally:
        tokens._encoder.cache_clear()


def test_turns_group_calls_and_outputs_with_their_question():
    items = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q1"}]},
        {
            "type": "message",
            "role": "assistant",
            "content": [{"type": "output_text", "text": "Let me look."}],
        },
        {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
        {"type": "function_call_output", "call_id": "c1", "output": "r"},
        {"type": "reasoning", "summary": []},
        {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "a1"}]},
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "q2"}]},
    ]
    assert chat_turns(items) == [
        [
            {"role": "user", "content": "q1"},
            {
                "role": "assistant",
                "content": "Let me look.",
                "tool_calls": [
                    {"id": "c1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "r"},
            {"role": "assistant", "content": "a1"},
        ],
        [{"role": "user", "content": "q2"}],
    ]


def test_the_oldest_turns_are_dropped_first_and_the_instructions_kept(openai_fake_inprocess):
    with point_alias(openai_fake_inprocess, THREAD_BACKEND="chat"):
        assistant = Assistant.objects.create(
            name="A", slug="a", model="gpt-4.1-mini", instructions="Be brief.", max_context_tokens=120
        )
        thread = Thread.objects.create(assistant=assistant)
        for i in range(6):
            thread.add_message(f"Question number {i} " + "word " * 20)
            thread.run()
        sent = openai_fake_inprocess.requests[-1].json()["messages"]
    count = tokens.token_counter("gpt-4.1-mini")
    assert sent[0] == {"role": "system", "content": "Be brief."}
    assert sent[-1]["content"].startswith("Question number 5"), "the newest turn is always sent"
    assert sum(tokens.message_tokens(m, count) for m in sent) <= 120
    users = [m["content"][:17] for m in sent if m["role"] == "user"]
    assert users[0] != "Question number 0" and users == sorted(users), "whole turns, oldest dropped"
    assert [m["role"] for m in sent[1:]] == ["user", "assistant"] * (len(users) - 1) + ["user"]
