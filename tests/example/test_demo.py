"""The example project's pages: in Django's test client, and in a real browser (Chromium)."""

from __future__ import annotations

import json
import shutil

import pytest
from django.test import override_settings

from django_openai import tasks
from django_openai.models import Batch

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("example_project.urls")]


def test_chat_page_answers_from_the_fake(client, use_openai_fake):
    use_openai_fake()
    page = client.post("/", {"prompt": "What is Django?"})
    assert page.status_code == 200
    assert b"Reply to: What is Django?" in page.content
    assert client.post("/", {"prompt": "  "}).context["error"] == "Type a question first."


def test_stream_view_relays_tokens_one_event_each(client, use_openai_fake):
    use_openai_fake()
    response = client.get("/stream/", {"prompt": "hello there"})
    assert response["Content-Type"] == "text/event-stream" and response["Cache-Control"] == "no-cache"
    events = b"".join(response.streaming_content).decode().strip().split("\n\n")
    deltas = [json.loads(e.removeprefix("data: "))["delta"] for e in events if e.startswith("data: ")]
    assert "".join(deltas).startswith("Reply to: hello there") and len(deltas) > 3
    assert events[-1].startswith("event: done")


def test_api_errors_are_shown_not_raised(client, use_openai_fake):
    fake = use_openai_fake()
    fake.faults.add(
        "POST", "/chat/completions", status=401, body={"error": {"message": "Incorrect API key provided."}}
    )
    page = client.post("/", {"prompt": "x"})
    assert "Incorrect API key provided." in page.context["error"]


def test_batch_page_runs_a_batch_with_the_worker_tasks(client, use_openai_fake):
    fake = use_openai_fake()
    response = client.post("/batches/", {"count": "12"})
    batch = Batch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/batches/{batch.pk}/"
    assert b"validating" in client.get(response["Location"]).content
    fake.advance(30)
    Batch.objects.update(next_poll_at=batch.created)
    tasks.sweep()
    page = client.get(response["Location"]).content.decode()
    assert "completed" in page and "12 of 12 done" in page and "question-11" in page


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Chromium is not installed")
def test_in_a_real_browser(live_server, use_openai_fake):
    from playwright.sync_api import sync_playwright

    use_openai_fake()
    with override_settings(ALLOWED_HOSTS=["*"]), sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=shutil.which("chromium"),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page()
            page.goto(live_server.url + "/")
            assert page.locator("#offline").is_visible()
            page.fill("#prompt", "Name a colour")
            page.click("#ask")
            assert page.locator("#reply").inner_text().startswith("Reply to: Name a colour")
            page.click("#stream-button")
            page.wait_for_selector("#stream[data-state=done]", timeout=10_000)
            assert page.locator("#stream").inner_text().startswith("Reply to: Name a colour")
        finally:
            browser.close()
