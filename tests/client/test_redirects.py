"""Redirects: followed within the configured origin only, so credentials never reach another host.

Real servers on two loopback ports (another port is another origin). httpx alone strips only
``Authorization`` on a cross-origin redirect; Azure's ``api-key`` (and any credential header of a
user's own) would follow, with the request body.
"""

from __future__ import annotations

import httpx
import pytest

from django_openai.client import APIStatusError, AsyncOpenAI, OpenAI

from .calls import CHAT
from .loopback import Reply, Seen, serving

OPENAI_KEY = "sk-redirect-0123456789abcdef"
AZURE_KEY = "azure-redirect-0123456789abcdef"
GATEWAY_KEY = "gw-secret-0123456789abcdef"
SECRETS = (OPENAI_KEY, AZURE_KEY, GATEWAY_KEY)
CREDENTIAL_HEADERS = ("authorization", "api-key", "x-gateway-key")
MESSAGES = [{"role": "user", "content": "a prompt that must stay home"}]


def client_options(provider: str, origin: str) -> dict:
    common = {"max_retries": 0, "default_headers": {"x-gateway-key": GATEWAY_KEY}}
    if provider == "azure":
        return {
            **common,
            "provider": "azure",
            "azure_endpoint": origin,
            "api_version": "2024-10-21",
            "api_key": AZURE_KEY,
        }
    return {**common, "api_key": OPENAI_KEY, "base_url": f"{origin}/v1"}


def assert_nothing_reached(server) -> None:
    for seen in server.seen:
        leaked = [h for h in CREDENTIAL_HEADERS if h in seen.headers]
        assert not leaked, f"credential headers sent to another origin: {leaked}"
    assert server.seen == [], "a request (and its body) reached another origin"


def redirect_to(origin: str, status: int = 307):
    def answer(seen: Seen) -> Reply:
        return Reply(status, b"", {"location": origin + seen.path})

    return answer


@pytest.mark.parametrize("status", [307, 302])
@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_sync_cross_origin_redirect_is_refused(provider, status):
    with serving(lambda s: Reply.json(CHAT)) as other, serving(redirect_to(other.origin, status)) as home:
        with OpenAI(**client_options(provider, home.origin)) as client:
            try:
                outcome = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
            except APIStatusError as exc:
                outcome = exc
        assert len(home.seen) == 1
        assert_nothing_reached(other)
    assert isinstance(outcome, APIStatusError)
    assert outcome.status_code == status
    assert other.origin in str(outcome) and "another origin" in str(outcome)
    assert not any(s in str(outcome) for s in SECRETS)


@pytest.mark.parametrize("provider", ["openai", "azure"])
async def test_async_cross_origin_redirect_is_refused(provider):
    with serving(lambda s: Reply.json(CHAT)) as other, serving(redirect_to(other.origin)) as home:
        async with AsyncOpenAI(**client_options(provider, home.origin)) as client:
            try:
                outcome = await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
            except APIStatusError as exc:
                outcome = exc
        assert len(home.seen) == 1
        assert_nothing_reached(other)
    assert isinstance(outcome, APIStatusError)
    assert outcome.status_code == 307 and "another origin" in str(outcome)


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_a_users_own_http_client_that_follows_redirects_is_held_to_the_same_rule(provider):
    with serving(lambda s: Reply.json(CHAT)) as other, serving(redirect_to(other.origin)) as home:
        with httpx.Client(follow_redirects=True) as http_client:
            client = OpenAI(http_client=http_client, **client_options(provider, home.origin))
            with pytest.raises(APIStatusError, match="another origin"):
                client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
        assert_nothing_reached(other)


@pytest.mark.parametrize("provider", ["openai", "azure"])
async def test_async_stream_request_is_not_redirected_either(provider):
    with (
        serving(lambda s: Reply(200, b"data: [DONE]\n\n")) as other,
        serving(redirect_to(other.origin)) as home,
    ):
        async with AsyncOpenAI(**client_options(provider, home.origin)) as client:
            with pytest.raises(APIStatusError, match="another origin"):
                await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES, stream=True)
        assert_nothing_reached(other)


def same_origin_move(seen: Seen) -> Reply:
    if "/old/" in seen.path:
        return Reply(307, b"", {"location": seen.path.replace("/old/", "/new/")})
    return Reply.json(CHAT)


@pytest.mark.parametrize("provider", ["openai", "azure"])
def test_sync_redirect_within_the_origin_is_followed_with_its_credentials(provider):
    with serving(same_origin_move) as home:
        options = client_options(provider, home.origin)
        if provider == "azure":
            options["base_url"] = f"{home.origin}/old/openai"
        else:
            options["base_url"] = f"{home.origin}/old/v1"
        with OpenAI(**options) as client:
            reply = client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    assert reply.id == CHAT["id"]
    first, second = home.seen
    assert "/new/" in second.path and second.method == "POST" and second.body == first.body
    credential = "api-key" if provider == "azure" else "authorization"
    assert second.headers[credential] == first.headers[credential]


@pytest.mark.parametrize("provider", ["openai", "azure"])
async def test_async_redirect_within_the_origin_is_followed(provider):
    with serving(same_origin_move) as home:
        options = client_options(provider, home.origin)
        options["base_url"] = f"{home.origin}/old/openai" if provider == "azure" else f"{home.origin}/old/v1"
        async with AsyncOpenAI(**options) as client:
            reply = await client.chat.completions.create(model="gpt-4.1-mini", messages=MESSAGES)
    assert reply.id == CHAT["id"] and len(home.seen) == 2


def test_a_redirect_loop_is_a_clear_error_not_an_httpx_exception():
    def loop(seen: Seen) -> Reply:
        return Reply(307, b"", {"location": seen.path})

    with (
        serving(loop) as home,
        OpenAI(**client_options("openai", home.origin)) as client,
        pytest.raises(APIStatusError, match="too many redirects"),
    ):
        client.models.retrieve("m")
