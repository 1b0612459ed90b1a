"""threads/, their items and runs against the fake server (the sync test client: WSGI)."""

from __future__ import annotations

import pytest

from django_openai.models import Assistant, Run, Thread, ThreadItem

from .conftest import API

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def helper(db):
    return Assistant.objects.create(
        name="Helper", slug="helper", model="gpt-4.1-mini", instructions="Be brief."
    )


@pytest.fixture(params=["responses", "chat"])
def fake(request, use_openai_fake):
    return use_openai_fake("default", THREAD_BACKEND=request.param)


def new_thread(client, **body) -> dict:
    response = client.post(API + "threads/", {"assistant": "helper", **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def test_thread_crud(alice, users, helper):
    thread = new_thread(alice, title="Plans", metadata={"ticket": "42"}, backend="chat")
    assert thread["object"] == "thread" and thread["assistant"] == "helper" and thread["backend"] == "chat"
    assert Thread.objects.get(pk=thread["id"]).owner == users["a"]
    by_id = alice.post(API + "threads/", {"assistant": str(helper.pk)}, format="json").json()
    assert by_id["assistant"] == "helper" and by_id["title"] == ""

    url = API + f"threads/{thread['id']}/"
    assert alice.patch(url, {"title": "Holidays"}, format="json").json()["title"] == "Holidays"
    archived = alice.patch(url, {"archived": True}, format="json").json()
    assert archived["archived"] is True and archived["title"] == "Holidays"
    assert [t["id"] for t in alice.get(API + "threads/", {"archived": "true"}).json()["data"]] == [
        thread["id"]
    ]
    assert [t["id"] for t in alice.get(API + "threads/", {"archived": "false"}).json()["data"]] == [
        by_id["id"]
    ]
    assert alice.patch(url, {"archived": False}, format="json").json()["archived"] is False
    assert [t["id"] for t in alice.get(API + "threads/").json()["data"]] == [by_id["id"], thread["id"]]
    page = alice.get(API + "threads/", {"limit": 1}).json()
    assert page["has_more"] and page["last_id"] == by_id["id"]
    assert alice.get(API + "threads/", {"after": page["last_id"]}).json()["data"][0]["id"] == thread["id"]
    assert alice.delete(url).status_code == 204 and not Thread.objects.filter(pk=thread["id"]).exists()


def test_messages_and_items_paged_by_position(alice, helper):
    thread = new_thread(alice)
    items = API + f"threads/{thread['id']}/items/"
    first = alice.post(items, {"content": "What is Django?"}, format="json")
    assert first.status_code == 201, first.content
    assert first.json()["position"] == 1 and first.json()["role"] == "user"
    parts = [
        {"type": "input_text", "text": "And this?"},
        {"type": "input_image", "image_url": "https://x/y.png"},
    ]
    assert alice.post(items, {"content": parts}, format="json").json()["content"]["content"] == parts
    for n in range(3, 8):
        alice.post(items, {"content": f"Message {n}"}, format="json")
    assert Thread.objects.get(pk=thread["id"]).title == "What is Django?", "titled from the first message"

    page = alice.get(items, {"limit": 3}).json()
    assert [i["position"] for i in page["data"]] == [1, 2, 3] and page["has_more"]
    rest = alice.get(items, {"limit": 3, "after": page["last_id"]}).json()
    assert [i["position"] for i in rest["data"]] == [4, 5, 6]
    newest = alice.get(items, {"limit": 2, "order": "desc"}).json()
    assert [i["text"] for i in newest["data"]] == ["Message 7", "Message 6"]
    older = alice.get(items, {"limit": 2, "order": "desc", "after": newest["last_id"]}).json()
    assert [i["position"] for i in older["data"]] == [5, 4]


def test_the_items_page_is_found_by_position(alice, users, helper, django_assert_max_num_queries):
    """The page after an item reads the item's position by its key, then the next rows by the
    (thread, position) index: a fixed number of queries at any depth, and no COUNT."""
    thread = Thread.objects.create(owner=users["a"], assistant=helper, item_count=3000)
    ThreadItem.objects.bulk_create(
        ThreadItem(thread=thread, position=n, type="message", role="user", content={}, text=str(n))
        for n in range(1, 3001)
    )
    deep = ThreadItem.objects.get(thread=thread, position=2900).pk
    with django_assert_max_num_queries(4) as queries:
        page = alice.get(API + f"threads/{thread.pk}/items/", {"after": deep, "limit": 5}).json()
    assert [i["position"] for i in page["data"]] == [2901, 2902, 2903, 2904, 2905]
    sql = " ".join(q["sql"] for q in queries.captured_queries).upper()
    assert "COUNT(" not in sql and "OFFSET" not in sql
    assert '"POSITION" >' in sql.replace("`", '"')


def test_a_run_answered_when_it_ends(alice, helper, fake):
    thread = new_thread(alice)
    alice.post(API + f"threads/{thread['id']}/items/", {"content": "What is Django?"}, format="json")
    response = alice.post(
        API + f"threads/{thread['id']}/runs/",
        {"overrides": {"temperature": 0.2, "metadata": {"ticket": "7"}}},
        format="json",
    )
    assert response.status_code == 201, response.content
    run = response.json()
    assert run["object"] == "thread.run" and run["status"] == "completed"
    assert run["assistant"] == "helper" and run["assistant_version"] == 1
    assert run["overrides"]["temperature"] == 0.2 and run["usage"]["total_tokens"] > 0
    items = alice.get(API + f"threads/{thread['id']}/items/").json()["data"]
    assert [(i["role"], i["run"]) for i in items] == [("user", None), ("assistant", run["id"])]
    assert alice.get(API + f"threads/{thread['id']}/runs/").json()["data"][0]["id"] == run["id"]
    assert alice.get(API + f"threads/{thread['id']}/runs/{run['id']}/").json()["status"] == "completed"
    # Cancelling a run that ended answers it as it is.
    again = alice.post(API + f"threads/{thread['id']}/runs/{run['id']}/cancel/")
    assert again.status_code == 200 and again.json()["status"] == "completed"
    assert Thread.objects.get(pk=thread["id"]).active_run is None


def test_a_run_with_another_assistant(alice, staff, helper, fake):
    Assistant.objects.create(name="Other", slug="other", model="gpt-4.1", instructions="Be long.")
    thread = new_thread(alice)
    alice.post(API + f"threads/{thread['id']}/items/", {"content": "Hi"}, format="json")
    run = alice.post(API + f"threads/{thread['id']}/runs/", {"assistant": "other"}, format="json").json()
    assert run["assistant"] == "other" and run["model"] == "gpt-4.1" and run["status"] == "completed"


def test_a_background_run_then_cancelled(alice, helper, use_openai_fake):
    use_openai_fake("default", THREAD_BACKEND="responses")
    thread = new_thread(alice)
    alice.post(API + f"threads/{thread['id']}/items/", {"content": "Summarise the quarter."}, format="json")
    response = alice.post(API + f"threads/{thread['id']}/runs/", {"background": True}, format="json")
    assert response.status_code == 202, response.content
    run = response.json()
    assert run["status"] == "queued" and run["background"] and run["response_id"].startswith("resp_")
    assert alice.get(API + f"threads/{thread['id']}/").json()["active_run"] == run["id"]
    cancelled = alice.post(API + f"threads/{thread['id']}/runs/{run['id']}/cancel/").json()
    assert cancelled["status"] == "cancelled"
    assert Run.objects.get(pk=run["id"]).status == "cancelled"
    assert alice.get(API + f"threads/{thread['id']}/").json()["active_run"] is None


def test_a_thread_with_a_run_in_progress_is_not_deleted(alice, users, helper):
    thread = Thread.objects.create(owner=users["a"], assistant=helper)
    run = Run.objects.create(thread=thread, owner=users["a"], status="in_progress", backend="chat")
    Thread.objects.filter(pk=thread.pk).update(active_run=run)
    response = alice.delete(API + f"threads/{thread.pk}/")
    assert response.status_code == 409 and "cancel it before deleting" in response.json()["detail"]
    assert Thread.objects.filter(pk=thread.pk).exists()


def test_a_stream_under_wsgi_streams_as_the_run_goes(alice, helper, fake):
    thread = new_thread(alice)
    alice.post(API + f"threads/{thread['id']}/items/", {"content": "What is Django?"}, format="json")
    response = alice.post(
        API + f"threads/{thread['id']}/runs/",
        {"stream": True},
        format="json",
        HTTP_ACCEPT="text/event-stream",
    )
    assert response.status_code == 200 and response["Content-Type"].startswith("text/event-stream")
    chunks = iter(response.streaming_content)
    first = next(chunks).decode()
    assert first.startswith("id: 1\nevent: run.started")
    run = Run.objects.get(thread_id=thread["id"])
    assert run.status == "in_progress", "the first event is sent before the run has ended"
    body = first + b"".join(chunks).decode()
    names = [line[7:] for line in body.splitlines() if line.startswith("event: ")]
    ids = [int(line[4:]) for line in body.splitlines() if line.startswith("id: ")]
    assert names[0] == "run.started" and names[-1] == "run.completed" and ids == list(range(1, len(ids) + 1))
    assert "text.delta" in names
    run.refresh_from_db()
    assert run.status == "completed"
