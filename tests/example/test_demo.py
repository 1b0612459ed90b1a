"""The example project's pages in Django's test client: the chat's threads (each user's own), the
transcript rendered on the server, the safe Markdown, the gateway page's keys, the banner, the seed
command, and the batches. tests/browser/test_chat.py drives the same pages in a real browser."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from django_openai import tasks
from django_openai.models import Assistant, Batch, GatewayKey, Thread
from django_openai.services.gateway_keys import hash_key
from example_project.database_url import database_from_url
from example_project.demo import markdown
from example_project.demo.seed import seed

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.urls("example_project.urls")]


@pytest.fixture
def alice(client):
    user = get_user_model().objects.create_user("alice", password="a-long-password")
    client.force_login(user)
    return user


@pytest.fixture
def helper():
    return Assistant.objects.create(name="Helper", slug="helper", model="gpt-4.1-mini")


def test_the_chat_asks_to_log_in_first(client):
    response = client.get("/")
    assert response.status_code == 302 and response["Location"] == "/accounts/login/?next=/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="banner"' in page and "the fake OpenAI server" in page


def test_a_user_sees_and_opens_only_their_own_threads(client, alice, helper):
    bob = get_user_model().objects.create_user("bob")
    mine = Thread.objects.create(owner=alice, assistant=helper, title="Mine")
    theirs = Thread.objects.create(owner=bob, assistant=helper, title="Theirs")
    page = client.get("/").content.decode()
    assert "Mine" in page and "Theirs" not in page
    assert client.get(f"/chat/{mine.pk}/").status_code == 200
    assert client.get(f"/chat/{theirs.pk}/").status_code == 404
    response = client.post(f"/chat/{theirs.pk}/stream/", {"message": "hi"}, content_type="application/json")
    assert response.status_code == 404 and not theirs.items.exists()


def test_a_new_chat_uses_the_assistant_chosen(client, alice, helper):
    weather = Assistant.objects.create(name="Weather desk", slug="weather-desk", model="gpt-4.1-mini")
    response = client.post("/chat/new/", {"assistant": weather.pk})
    thread = Thread.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/chat/{thread.pk}/"
    assert thread.owner == alice and thread.assistant == weather


def test_the_transcript_is_rendered_on_the_server_with_tool_calls_and_a_cut_answer(
    client, alice, use_openai_fake
):
    use_openai_fake()
    seed("gpt-4.1-mini")
    thread = Thread.objects.create(owner=alice, assistant=Assistant.objects.get(slug="weather-desk"))
    thread.add_message("What is the weather in Paris? Answer in **bold**.")
    thread.run()
    thread.add_message("Tell me more")
    with thread.run(stream=True) as events:
        for event in events:
            if event.type == "text.delta":
                break  # the reader went away: the answer is kept, incomplete
    page = client.get(f"/chat/{thread.pk}/").content.decode()
    output = thread.items.get(type="function_call_output").text
    assert "Called <code>weather</code>" in page and output in page
    assert "What is the weather in Paris? Answer in <strong>bold</strong>." in page
    assert f"Here is what the tools returned: weather returned {output}." in page
    assert page.count('class="message assistant incomplete"') == 1
    assert "Stopped: the answer was cut short." in page


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>"),
        ('<img src=x onerror="alert(1)">', "<p>&lt;img src=x onerror=&quot;alert(1)&quot;&gt;</p>"),
        (
            "**bold** and *it* and `<b>`",
            "<p><strong>bold</strong> and <em>it</em> and <code>&lt;b&gt;</code></p>",
        ),
        (
            "[site](https://example.com/?a=1&b=2)",
            '<p><a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer nofollow" '
            'target="_blank">site</a></p>',
        ),
        ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>"),
        (
            '[x](https://e.com/" onmouseover="alert(1))',
            "<p>[x](https://e.com/&quot; onmouseover=&quot;alert(1))</p>",
        ),
        ("- one\n- two", "<ul><li>one</li><li>two</li></ul>"),
        ("1. one\n2. two", "<ol><li>one</li><li>two</li></ol>"),
        ("## Title\n\nline one\nline two", "<h4>Title</h4><p>line one<br>line two</p>"),
        ("```python\nif a < b:\n    pass\n```", "<pre><code>if a &lt; b:\n    pass</code></pre>"),
        ("```\nunfinished <i>", "<pre><code>unfinished &lt;i&gt;</code></pre>"),
        ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
        ("", ""),
    ],
)
def test_markdown_escapes_first_then_adds_a_small_subset(text, html):
    assert markdown.render(text) == html


def test_the_gateway_page_shows_a_new_key_once_and_revokes_only_ones_own(client, alice, settings):
    page = client.get("/gateway/")
    assert page["Cache-Control"] == "no-store"
    assert "http://testserver/v1/chat/completions" in page.content.decode()
    created = client.post("/gateway/", {"name": "laptop"})
    secret = created.context["new_key"]
    key = GatewayKey.objects.get()
    assert key.user == alice and key.name == "laptop" and key.secret_hash == hash_key(secret)
    body = created.content.decode()
    assert f"Bearer {secret}" in body and f'api_key="{secret}"' in body
    assert secret not in client.get("/gateway/").content.decode()

    bob_key = GatewayKey.objects.create(
        user=get_user_model().objects.create_user("bob"), prefix="sk-dj-bob0000"
    )
    assert client.post("/gateway/", {"revoke": bob_key.pk}).status_code == 404
    assert client.post("/gateway/", {"revoke": key.pk}).status_code == 302
    key.refresh_from_db()
    bob_key.refresh_from_db()
    assert key.revoked_at is not None and bob_key.revoked_at is None


def test_the_banner_names_the_server_the_database_and_the_broker(client, alice, settings):
    settings.OPENAI_OFFLINE = False
    settings.OPENAI_SERVER_URL = "http://localhost:11434/v1"
    settings.CELERY_BROKER_URL = "redis://:s3cret@127.0.0.1:6379/13"
    banner = client.get("/gateway/").content.decode()
    assert "http://localhost:11434/v1" in banner and "redis://:***@127.0.0.1:6379/13" in banner
    assert "s3cret" not in banner
    assert ("SQLite" in banner) or ("PostgreSQL" in banner)


def test_database_url():
    assert database_from_url("postgres://me:p%40ss@db.example:5433/demo") == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "demo",
        "USER": "me",
        "PASSWORD": "p@ss",
        "HOST": "db.example",
        "PORT": "5433",
    }
    with pytest.raises(ValueError, match="only postgres://"):
        database_from_url("mysql://x/y")


def test_seeding_twice_reuses_what_exists_and_follows_the_demo_model(capsys):
    call_command("demo_setup")
    assert "Created assistant Helper" in capsys.readouterr().out
    call_command("demo_setup")
    out = capsys.readouterr().out
    assert "Created" not in out and "Kept assistant Weather desk" in out and "Kept user admin" in out
    assert Assistant.objects.count() == 2 and get_user_model().objects.count() == 1
    seed("llama3.2")
    helper = Assistant.objects.get(slug="helper")
    assert helper.model == "llama3.2" and helper.version == 2


def test_batch_page_runs_a_batch_with_the_worker_tasks(client, alice, use_openai_fake):
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


def test_a_thread_with_a_run_in_progress_leaves_that_runs_items_to_the_stream(client, alice, helper):
    from django_openai.models import Run
    from django_openai.services.threads import append_rows, new_item_row

    thread = Thread.objects.create(owner=alice, assistant=helper)
    thread.add_message("A question")
    run = Run.objects.create(thread=thread, status="in_progress", model="gpt-4.1-mini")
    answer = {
        "type": "message",
        "role": "assistant",
        "content": [{"type": "output_text", "text": "Half an ans"}],
    }
    append_rows(thread, [new_item_row(answer, run=run)])
    Thread.objects.filter(pk=thread.pk).update(active_run=run)
    page = client.get(f"/chat/{thread.pk}/").content.decode()
    assert "A question" in page and "Half an ans" not in page and 'data-active="1"' in page
    Run.objects.filter(pk=run.pk).update(status="completed")
    page = client.get(f"/chat/{thread.pk}/").content.decode()
    assert "Half an ans" in page and 'data-active="0"' in page
