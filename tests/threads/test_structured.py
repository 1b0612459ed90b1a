"""Structured output: an assistant that names a pydantic model gets the validated result on
``run.parsed``; an answer that does not fit is a failed run that says why."""

from __future__ import annotations

import json

import pydantic
import pytest

from django_openai.models import Assistant, Thread

pytestmark = pytest.mark.django_db


class Verdict(pydantic.BaseModel):
    answer: str
    confidence: float
    tags: list[str]


def test_a_pydantic_response_format_gives_run_parsed(fake, backend):
    assistant = Assistant.objects.create(
        name="J", slug="j", model="gpt-4.1-mini", response_format="tests.threads.test_structured.Verdict"
    )
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("Judge this")
    run = thread.run()
    assert run.status == "completed"
    assert isinstance(run.parsed, Verdict) and run.parsed.confidence == 1.5
    assert run.output_parsed == json.loads(thread.items.get(position=2).text)
    sent = fake.requests[-1].json()
    fmt = sent["text"]["format"] if backend == "responses" else sent["response_format"]["json_schema"]
    assert fmt["name"] == "Verdict" and fmt["strict"] is True
    assert fmt["schema"]["additionalProperties"] is False


def test_a_json_schema_gives_the_decoded_answer(fake):
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
        "additionalProperties": False,
    }
    assistant = Assistant.objects.create(
        name="J",
        slug="j",
        model="gpt-4.1-mini",
        response_format={"name": "place", "schema": schema, "strict": True},
    )
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message("Where?")
    run = thread.run()
    assert list(run.parsed) == ["city"] and run.parsed["city"].startswith("city-")
    assert run.parsed == json.loads(thread.items.get(position=2).text)


def test_an_answer_that_does_not_validate_is_a_failed_run(fake, backend):
    class Strict(pydantic.BaseModel):
        answer: str
        confidence: float
        tags: list[str]

        @pydantic.field_validator("confidence")
        @classmethod
        def at_most_one(cls, value):
            if value > 1:
                raise ValueError("confidence must be at most 1")
            return value

    import sys

    sys.modules[__name__].Strict = Strict  # importable by dotted path
    try:
        assistant = Assistant.objects.create(
            name="J", slug="j", model="gpt-4.1-mini", response_format=f"{__name__}.Strict"
        )
        thread = Thread.objects.create(assistant=assistant)
        thread.add_message("Judge this")
        run = thread.run()
    finally:
        del sys.modules[__name__].Strict
    assert run.status == "failed" and run.error["code"] == "invalid_output"
    assert "confidence must be at most 1" in run.error["message"]
    assert run.parsed is None and thread.items.count() == 2
    thread.refresh_from_db()
    assert thread.active_run is None
