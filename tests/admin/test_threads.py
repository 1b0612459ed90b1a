"""Threads read as transcripts (tool calls and outputs, incomplete parts, reasoning, hosted tools),
one page at a time however long the thread; archive, unarchive and cancel; runs with their usage,
timing, error, parsed output and version."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from django.urls import reverse
from django.utils import timezone

import django_openai
from django_openai.models import Assistant, Run, Thread, ThreadItem
from django_openai.services.threads import ThreadArchived, new_item_row
from django_openai.tools import unregister

from .test_operations import act, changelist_action, said

pytestmark = pytest.mark.django_db


def page_of(client, thread, **params):
    response = client.get(reverse("admin:django_openai_thread_change", args=[thread.pk]), params)
    assert response.status_code == 200
    return response.content.decode()


def item_blocks(html: str) -> list[str]:
    return re.findall(r'<li id="item-\d+".*?</li>', html, flags=re.S)


@pytest.fixture
def assistant():
    return Assistant.objects.create(
        name="Weather", slug="weather", model="gpt-4.1-mini", tools=["admin_forecast"]
    )


@pytest.fixture
def forecast_tool():
    @django_openai.tool
    def admin_forecast(city: str) -> str:
        """Tomorrow's weather in a city."""
        return f"18C and sunny in {city}"

    yield admin_forecast
    unregister("admin_forecast")


@pytest.mark.parametrize("backend", ["responses", "chat"])
def test_a_transcript_shows_the_tool_call_its_output_and_the_answer(
    admin_client, use_openai_fake, assistant, forecast_tool, backend
):
    use_openai_fake("default", THREAD_BACKEND=backend)
    thread = Thread.objects.create(assistant=assistant)
    thread.add_message('What about Paris? Call admin_forecast({"city": "Paris"})')
    run = thread.run()
    assert run.status == "completed"

    html = page_of(admin_client, thread)
    blocks = item_blocks(html)
    assert [re.search(r"djoai-item--(\w+)", b).group(1) for b in blocks] == [
        "message",
        "call",
        "output",
        "message",
    ]
    user, call, output, answer = blocks
    assert "What about Paris?" in user and "djoai-item--user" in user
    assert "calls <code>admin_forecast</code>" in call and "&quot;city&quot;: &quot;Paris&quot;" in call
    call_id = ThreadItem.objects.get(thread=thread, type="function_call").call_id
    assert call_id in call and call_id in output, "the output names the call it answers"
    assert "output of <code>admin_forecast</code>" in output and "18C and sunny in Paris" in output
    assert "djoai-item--assistant" in answer and "18C and sunny in Paris" in answer
    run_url = reverse("admin:django_openai_run_change", args=[run.pk])
    assert f'href="{run_url}"' in answer, "each item links to the run that wrote it"
    assert "incomplete" not in "".join(blocks)


def test_incomplete_reasoning_hosted_and_failed_items_are_shown_for_what_they_are(admin_client):
    thread = Thread.objects.create(title="Mixed")
    huge_image = "iVBORw0KGgo" + "A" * 200_000
    thread.add_items(
        [
            {
                "type": "message",
                "role": "user",
                "content": [
                    {"type": "input_text", "text": "Look at this"},
                    {"type": "input_image", "image_url": "https://example.com/cat.png"},
                ],
            },
            {
                "type": "reasoning",
                "id": "rs_1",
                "summary": [{"type": "summary_text", "text": "The user wants a cat."}],
                "encrypted_content": "gAAAA" + "x" * 5000,
            },
            {
                "type": "web_search_call",
                "id": "ws_1",
                "status": "completed",
                "action": {"type": "search", "query": "cats in Paris"},
            },
            {"type": "image_generation_call", "id": "ig_1", "status": "completed", "result": huge_image},
            {"type": "function_call", "call_id": "call_9", "name": "lookup", "arguments": '{"q": "cat"}'},
        ]
    )
    rows = [
        new_item_row({"type": "function_call_output", "call_id": "call_9", "output": '{"error": "boom"}'}),
        new_item_row(
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "A cat sits"}],
            },
            status="incomplete",
        ),
    ]
    rows[0].error = "lookup raised ValueError: boom"
    from django_openai.services.threads import append_rows

    append_rows(thread, rows)

    html = page_of(admin_client, thread)
    assert len(html) < 60_000, "the 200 KB image is not on the page"
    user, reasoning, search, image, call, output, answer = item_blocks(html)
    assert "calls <code>lookup</code>" in call and "&quot;q&quot;: &quot;cat&quot;" in call
    assert "Look at this" in user and "[image: https://example.com/cat.png]" in user
    assert "<details" in reasoning and "The user wants a cat." in reasoning and "encrypted" in reasoning
    assert "gAAAA" not in reasoning, "encrypted reasoning is not dumped on the page"
    assert "searched the web for &#x27;cats in Paris&#x27;" in search
    assert "generated an image" in image and "(200,011 characters)" in image
    assert "output of <code>lookup</code>" in output and "tool error" in output
    assert "lookup raised ValueError: boom" in output
    assert "djoai-item--incomplete" in answer and ">incomplete<" in answer and "A cat sits" in answer
    assert "Cut short" in answer


def test_a_long_text_is_shortened_with_a_link_to_the_whole(admin_client):
    thread = Thread.objects.create()
    thread.add_message("word " * 5000)
    html = page_of(admin_client, thread)
    (block,) = item_blocks(html)
    item = ThreadItem.objects.get()
    assert "the whole item on its own page" in block
    assert reverse("admin:django_openai_threaditem_change", args=[item.pk]) in block
    assert len(block) < 4000
    whole = admin_client.get(
        reverse("admin:django_openai_threaditem_change", args=[item.pk])
    ).content.decode()
    assert whole.count("word") >= 5000


@pytest.fixture
def long_thread():
    thread = Thread.objects.create(title="Long")
    items = [
        {"type": "message", "role": "user" if i % 2 else "assistant", "content": f"Message number {i}"}
        for i in range(1, 5001)
    ]
    for start in range(0, 5000, 1000):
        thread.add_items(items[start : start + 1000])
    assert thread.item_count == 5000
    return thread


def test_a_thread_of_5000_items_renders_one_small_page_in_few_queries(
    admin_client, long_thread, django_assert_max_num_queries
):
    admin_client.get(reverse("admin:django_openai_thread_change", args=[long_thread.pk]))
    started = time.perf_counter()
    with django_assert_max_num_queries(14) as queries:
        html = page_of(admin_client, long_thread)
    elapsed = (time.perf_counter() - started) * 1000
    print(
        f"\nthread of 5,000 items: {elapsed:.0f} ms, {len(html):,} bytes, "
        f"{len(queries.captured_queries)} queries"
    )
    assert len(html) < 120_000
    blocks = item_blocks(html)
    assert len(blocks) == 50
    assert "Message number 4951<" in blocks[0] and "Message number 5000<" in blocks[-1], (
        "the newest page first"
    )
    assert "Items 4,951 to 5,000 of 5,000 · page 100 of 100" in html

    first = page_of(admin_client, long_thread, page=1)
    assert "Message number 1<" in item_blocks(first)[0] and "Message number 50<" in item_blocks(first)[-1]
    assert 'href="?page=2#transcript"' in first
    middle = page_of(admin_client, long_thread, page=37)
    assert "Message number 1801<" in middle and "Message number 1851<" not in middle
    for bad in ("x", "-3", "100000"):
        clamped = page_of(admin_client, long_thread, page=bad)
        assert len(item_blocks(clamped)) == 50, bad


def test_the_thread_list_and_the_delete_page_stay_small(
    admin_client, long_thread, django_assert_max_num_queries
):
    for i in range(60):
        Thread.objects.create(title=f"Thread {i}")
    url = reverse("admin:django_openai_thread_changelist")
    admin_client.get(url)
    with django_assert_max_num_queries(10):
        listing = admin_client.get(url)
    assert listing.content.count(b'class="action-checkbox"') == 50
    delete = admin_client.get(reverse("admin:django_openai_thread_delete", args=[long_thread.pk]))
    assert delete.status_code == 200 and len(delete.content) < 30_000
    assert "5,000 items" in delete.content.decode()
    admin_client.post(reverse("admin:django_openai_thread_delete", args=[long_thread.pk]), {"post": "yes"})
    assert not ThreadItem.objects.filter(thread_id=long_thread.pk).exists()


def test_archive_and_unarchive_from_the_page_and_the_list(admin_client):
    thread = Thread.objects.create(title="Old")
    other = Thread.objects.create(title="Older")
    page = page_of(admin_client, thread)
    assert "Archive (no new messages or runs)" in page and "Unarchive" not in page
    response = act(admin_client, thread, "archive")
    assert said(response) == ["Archived: Old."]
    thread.refresh_from_db()
    assert thread.archived
    with pytest.raises(ThreadArchived):
        thread.add_message("Anyone there?")
    assert "Unarchive" in page_of(admin_client, thread)

    response = changelist_action(admin_client, Thread, "unarchive", thread, other)
    assert said(response) == ["Unarchived: Old, Older."]
    thread.refresh_from_db()
    assert not thread.archived
    thread.add_message("Back again")


def test_cancel_the_run_in_progress_from_the_thread_and_from_the_run(admin_client, assistant):
    thread = Thread.objects.create(title="Busy", assistant=assistant)
    run = Run.objects.create(
        thread=thread, backend="chat", status="in_progress", started_at=timezone.now(), model="gpt-4.1-mini"
    )
    Thread.objects.filter(pk=thread.pk).update(active_run=run)
    page = page_of(admin_client, thread)
    assert "Cancel the run in progress" in page and 'djoai-badge--busy">in_progress' in page
    response = act(admin_client, thread, "cancel_run")
    assert said(response) == ["Cancel requested: Busy."]
    run.refresh_from_db()
    assert run.cancel_requested_at is not None, "the process running it stops at its next check"

    run_page = admin_client.get(reverse("admin:django_openai_run_change", args=[run.pk])).content.decode()
    assert ">Cancel<" in run_page
    Run.objects.filter(pk=run.pk).update(status="queued")
    response = act(admin_client, run, "cancel")
    assert said(response) == [f"Cancel requested: Run {run.pk}."]
    run.refresh_from_db()
    assert run.status == "cancelled", "a queued run never starts"

    idle = Thread.objects.create(title="Idle")
    response = changelist_action(admin_client, Thread, "cancel_run", idle)
    assert said(response) == [f"Idle: Thread {idle.pk} has no run in progress."]
    assert "Cancel the run in progress" not in page_of(admin_client, idle)


def test_a_run_page_shows_usage_timing_error_parsed_output_and_links(admin_client, assistant):
    thread = Thread.objects.create(title="Judged", assistant=assistant)
    started = timezone.now() - dt.timedelta(seconds=3)
    run = Run.objects.create(
        thread=thread,
        backend="responses",
        status="failed",
        model="gpt-4.1-mini",
        assistant_version=assistant.latest_version,
        input_tokens=1200,
        output_tokens=345,
        cached_tokens=1000,
        reasoning_tokens=64,
        usage_estimated=True,
        time_to_first_token=0.42,
        started_at=started,
        finished_at=started + dt.timedelta(seconds=2.5),
        error={"code": "invalid_output", "message": "The answer is not valid JSON."},
        output_parsed={"verdict": "yes"},
    )
    html = admin_client.get(reverse("admin:django_openai_run_change", args=[run.pk])).content.decode()
    for figure in ("1,200", "345", "1,000", "64", "1,545", "420 ms", "2,500 ms"):
        assert f"<td>{figure}</td>" in html, figure
    assert "Part of it estimated" in html
    assert 'djoai-badge--bad">failed' in html
    assert "<code>invalid_output</code> The answer is not valid JSON." in html
    assert "&quot;verdict&quot;: &quot;yes&quot;" in html
    assert reverse("admin:django_openai_thread_change", args=[thread.pk]) in html
    assert reverse("admin:django_openai_assistantversion_change", args=[run.assistant_version_id]) in html
    assert ">Cancel<" not in html, "a finished run offers no cancel"

    listing = admin_client.get(reverse("admin:django_openai_run_changelist")).content.decode()
    assert "1,200 / 345" in listing and "420 ms" in listing and "Weather v1" in listing


def test_run_and_item_lists_make_no_query_per_row(admin_client, assistant, django_assert_max_num_queries):
    for i in range(60):
        thread = Thread.objects.create(title=f"T{i}", assistant=assistant)
        thread.add_message(f"Question {i}")
        Run.objects.create(
            thread=thread, backend="chat", status="completed", assistant_version=assistant.latest_version
        )
    for name in ("run", "threaditem", "thread"):
        url = reverse(f"admin:django_openai_{name}_changelist")
        admin_client.get(url)
        with django_assert_max_num_queries(10):
            assert admin_client.get(url).status_code == 200


def test_a_viewer_without_change_permission_sees_no_buttons(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(*Permission.objects.filter(codename__in=["view_thread", "view_run"]))
    client.force_login(viewer)
    thread = Thread.objects.create(title="Look only")
    page = page_of(client, thread)
    assert "Archive (no new messages" not in page and "Transcript" in page
    response = client.post(reverse("admin:django_openai_thread_do", args=[thread.pk, "archive"]))
    assert response.status_code == 403
