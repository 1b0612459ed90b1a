"""The example project's chat app in a real browser, served by uvicorn as run.sh serves it, against
the fake OpenAI server in paced real time (words arrive one by one, as from a model): an answer
grows on screen while it streams, Stop keeps the partial answer (after a reload too), tool calls
show as they run, no markup from an answer runs, and a gateway key made on the gateway page works
with the official SDK. Screenshots are artifacts (DOCS_SCREENSHOTS=1 copies them to docs/images)."""

from __future__ import annotations

import itertools
import re

import openai
import pytest
from django.conf import settings

from django_openai.models import GatewayKey, Thread, ThreadItem
from django_openai.services.gateway_keys import hash_key
from django_openai.testing import Pacing
from django_openai.testing.clock import Clock
from example_project.demo.seed import seed

from ..gateway.conftest import LiveServer, _loops, _remember_loop, flush_usage, gateway  # noqa: F401

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("example_project.urls")]

PASSWORD = "a-long-test-password"

# Samples of the answer's text, taken by the page itself at every change of the transcript, each
# with the transcript's state at that moment.
RECORD_SAMPLES = """() => {
  window.samples = [];
  const transcript = document.getElementById("transcript");
  new MutationObserver(() => {
    const bodies = transcript.querySelectorAll(".message.assistant .body");
    const text = bodies.length ? bodies[bodies.length - 1].textContent : "";
    const last = window.samples[window.samples.length - 1];
    if (text && (!last || last.text !== text)) {
      window.samples.push({text, state: transcript.dataset.state});
    }
  }).observe(transcript, {subtree: true, childList: true, characterData: true});
}"""


@pytest.fixture
def site():
    """The example project's ASGI application (example_project/asgi.py: the gateway's mount and
    the chat's one-hop mount in front of Django, static files served) under uvicorn."""
    from example_project.asgi import application

    server = LiveServer(None)
    server.server.config.app = _remember_loop(server.port, application)
    server.start()
    yield server
    server.stop()
    _loops.pop(server.port, None)


@pytest.fixture
def paced(openai_fake, use_openai_fake):
    """The fake on a running clock, words paced as run.sh starts it: visible streaming."""
    use_openai_fake()
    openai_fake.fake.clock = Clock(real=True)
    openai_fake.fake.pacing = Pacing(first_token_ms=150, token_ms=60)
    yield openai_fake
    openai_fake.fake.reset()


@pytest.fixture
def chat(browser, site, paced):
    """Log in as a seeded user (the login page first: the chat is the user's own)."""
    seed(settings.DEMO_MODEL, "alice", PASSWORD)
    page = browser.new_page(viewport={"width": 1200, "height": 820})
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(site.url + "/")
    assert "/accounts/login/" in page.url
    page.fill("#id_username", "alice")
    page.fill("#id_password", PASSWORD)
    page.click("#log-in")
    page.wait_for_selector("#new-thread")
    page.errors = errors
    yield page
    assert not errors, errors


def start_thread(page, assistant: str) -> Thread:
    page.select_option("#id_assistant", label=assistant)
    page.click("#start-thread")
    page.wait_for_selector("#composer")
    thread_id = int(re.search(r"/chat/(\d+)/", page.url)[1])
    return Thread.objects.get(pk=thread_id)


def send(page, message: str) -> None:
    page.fill("#message", message)
    page.press("#message", "Enter")


def wait_until_done(page) -> None:
    page.wait_for_selector("#transcript[data-state=done]", timeout=20_000)


def last_answer(page) -> str:
    return page.locator("#transcript .message.assistant .body").last.inner_text()


def test_an_answer_grows_piece_by_piece_while_it_streams(chat, shots):
    thread = start_thread(chat, "Helper")
    assert chat.locator("#banner").inner_text().startswith("Server: the fake OpenAI server")
    chat.evaluate(RECORD_SAMPLES)
    send(chat, "What is Django?")
    chat.wait_for_function("window.samples.length >= 4", timeout=10_000)
    shots(chat, "demo-chat-streaming")
    wait_until_done(chat)
    shots(chat, "demo-chat")

    final = last_answer(chat)
    assert final.startswith("Reply to: What is Django?")
    samples = chat.evaluate("window.samples")
    streaming = [s["text"] for s in samples if s["state"] == "streaming" and s["text"] != final]
    assert len(set(streaming)) >= 3, samples  # seen in at least three steps before the end
    for before, after in itertools.pairwise(streaming):
        assert final.startswith(after) and after.startswith(before), (before, after)
    assert streaming[0].split() == ["Reply"] or len(streaming[0]) < len(final) / 3
    # The page shows what the thread stored.
    answer = thread.items.get(role="assistant")
    assert answer.text == final and answer.status == "completed"
    chat.reload()
    assert last_answer(chat) == final
    assert chat.locator("#thread-title").inner_text() == "What is Django?"
    chat.click("text=+ New chat")
    listed = chat.locator("#threads li").first.inner_text()
    assert listed.startswith("What is Django?") and "Helper · 2 items" in listed, listed
    shots(chat, "demo-threads")


def test_stop_keeps_the_partial_answer_and_a_reload_shows_it(chat, shots):
    thread = start_thread(chat, "Helper")
    send(chat, "Tell me a long story about the web")
    chat.wait_for_function(
        """() => { const b = document.querySelectorAll("#transcript .message.assistant .body");
                   return b.length && b[b.length - 1].textContent.split(" ").length >= 4; }""",
        timeout=10_000,
    )
    chat.click("#stop")
    chat.wait_for_selector("#transcript[data-state=stopped]")
    partial = last_answer(chat)
    assert partial.startswith("Reply to: Tell me") and chat.locator("#send").is_visible()
    assert "Stopped" in chat.locator("#transcript .message.assistant").last.inner_text()

    # The server stored the cut answer as an incomplete item (what it had sent, at least what the
    # page showed), and ended the run: the thread takes the next message.
    def stored() -> ThreadItem | None:
        return thread.items.filter(role="assistant").first()

    for _ in range(100):  # the server notices the closed connection and stores what came
        item = stored()
        if item is not None:
            break
        chat.wait_for_timeout(100)
    assert item is not None and item.status == "incomplete"
    assert item.text.startswith(partial) and len(item.text) < len("Reply to: Tell me a long story") + 400

    chat.reload()
    kept = chat.locator("#transcript .message.assistant.incomplete")
    assert kept.count() == 1 and kept.locator(".body").inner_text() == item.text
    assert "Stopped: the answer was cut short." in kept.inner_text()
    shots(chat, "demo-chat-stopped")
    send(chat, "Carry on")
    wait_until_done(chat)
    assert last_answer(chat).startswith("Reply to: Carry on")


def test_a_tool_call_shows_while_it_runs_and_after_a_reload(chat, shots):
    thread = start_thread(chat, "Weather desk")
    send(chat, "What is the weather in Paris?")
    # The call shows before the answer that uses its result has begun. The page is looked at in
    # the frame where the card first appears (polled in the page itself, every animation frame),
    # so a busy test process reading late cannot see the answer's first words arrive meanwhile.
    seen = chat.wait_for_function(
        """() => {
            const card = document.querySelector("#transcript .tool");
            if (!card) return null;
            const bodies = document.querySelectorAll("#transcript .message.assistant .body");
            const answer = bodies.length ? bodies[bodies.length - 1].innerText.trim() : "";
            return {answer, summary: card.querySelector("summary").innerText};
        }""",
        polling="raf",
        timeout=10_000,
    ).json_value()
    assert seen["answer"] == "" and "weather" in seen["summary"]
    card = chat.locator("#transcript .tool").first
    wait_until_done(chat)
    output = card.locator(".output").inner_text()
    assert re.fullmatch(r"\d+°C and [a-z ]+ in Paris", output), output
    assert last_answer(chat) == f"Here is what the tools returned: weather returned {output}."
    shots(chat, "demo-chat-tool")

    call = thread.items.get(type="function_call")
    assert call.name == "weather" and thread.items.get(type="function_call_output").text == output
    chat.reload()
    card = chat.locator("#transcript .tool")
    assert card.count() == 1 and card.locator(".output").inner_text() == output
    assert '{"city": "Paris"}' in card.locator("summary").inner_text()


def test_markup_in_a_message_or_an_answer_never_runs(chat):
    start_thread(chat, "Helper")
    # The fake quotes the message in its answer: the markup comes back from the model too.
    message = (
        '**Bold** and `code` <script>window.injected = 1</script> <img src=x onerror="window.injected = 2">'
    )
    send(chat, message)
    wait_until_done(chat)

    def check() -> None:
        assert chat.evaluate("window.injected") is None
        transcript = chat.locator("#transcript")
        assert transcript.locator("script, img").count() == 0
        for body in (
            transcript.locator(".message.user .body"),
            transcript.locator(".message.assistant .body"),
        ):
            assert (
                body.locator("strong").inner_text() == "Bold" and body.locator("code").inner_text() == "code"
            )
            text = body.inner_text()
            assert "<script>window.injected = 1</script>" in text and 'onerror="window.injected = 2"' in text

    check()  # as streamed
    chat.reload()
    check()  # as rendered by the server


def test_the_gateway_page_gives_a_key_that_works_with_the_sdk(gateway, chat, site, shots):  # noqa: F811
    gateway(ROUTES={"*": "default"})
    chat.goto(site.url + "/gateway/")
    base_url = chat.locator("#base-url").inner_text()
    assert base_url == site.url + "/v1"
    assert "YOUR_KEY" in chat.locator("#python-snippet").inner_text()
    chat.fill("#id_name", "laptop")
    chat.click("#create-key")
    secret = chat.locator("#key").inner_text()
    assert secret.startswith("sk-dj-") and secret in chat.locator("#curl-snippet").inner_text()
    shots(chat, "demo-gateway", full_page=True)
    key = GatewayKey.objects.get(name="laptop")
    assert key.secret_hash == hash_key(secret) and key.user.username == "alice"

    snippet = chat.locator("#python-snippet").inner_text()
    assert f'base_url="{base_url}"' in snippet and f'api_key="{secret}"' in snippet
    client = openai.OpenAI(base_url=base_url, api_key=secret, max_retries=0)
    reply = client.chat.completions.create(
        model=settings.DEMO_MODEL, messages=[{"role": "user", "content": "Hello through the gateway"}]
    )
    assert reply.choices[0].message.content.startswith("Reply to: Hello through the gateway")
    flush_usage()

    chat.goto(site.url + "/gateway/")  # the key is never shown again
    assert secret not in chat.content() and chat.locator("#new-key").count() == 0
    assert key.prefix in chat.locator("#keys").inner_text()
    chat.locator("#keys button[name=revoke]").click()
    chat.wait_for_selector("#keys >> text=revoked")
    with pytest.raises(openai.AuthenticationError):
        client.chat.completions.create(
            model=settings.DEMO_MODEL, messages=[{"role": "user", "content": "Again"}]
        )
