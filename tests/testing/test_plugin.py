"""The pytest fixtures users get: pointing a Django client alias at the fake."""

from __future__ import annotations

import django_openai


def test_use_openai_fake_points_an_alias_at_the_fake(use_openai_fake):
    fake = use_openai_fake("default")
    reply = django_openai.get_client().chat.completions.create(
        model="gpt-4.1-mini", messages=[{"role": "user", "content": "ping"}]
    )
    assert "ping" in reply.choices[0].message.content
    assert fake.requests[-1].api_path == "/chat/completions"
    assert fake.requests[-1].headers["authorization"] == f"Bearer {fake.api_key}"


def test_a_second_alias_alongside_the_first(use_openai_fake):
    use_openai_fake("local")
    assert django_openai.get_client("local").models.list().data
    assert django_openai.get_client("default").base_url == "https://api.openai.com/v1"


def test_state_is_reset_between_tests(openai_fake):
    assert openai_fake.requests == [] and openai_fake.fake.files == {}
