"""DjangoSession keeps the SDK's session protocol on a thread (docs/agents.md)."""

from __future__ import annotations

import inspect

import pytest
from asgiref.sync import sync_to_async
from django.core.exceptions import ValidationError

from django_openai.agents import DjangoSession
from django_openai.models import AgentSession, Thread, ThreadItem

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = {"role": "user", "content": 'Call get_weather({"city": "Paris"})'}
CALL = {
    "type": "function_call",
    "id": "fc_1",
    "call_id": "call_1",
    "name": "get_weather",
    "arguments": '{"city": "Paris"}',
    "status": "completed",
}
OUTPUT = {"type": "function_call_output", "call_id": "call_1", "output": "18C"}
ANSWER = {
    "type": "message",
    "id": "__fake_id__",
    "role": "assistant",
    "status": "completed",
    "content": [{"type": "output_text", "text": "It is 18C in Paris.", "annotations": []}],
}
TURN = [QUESTION, CALL, OUTPUT, ANSWER]


def words(n: int, start: int = 1) -> list[dict]:
    return [{"role": "user", "content": f"message {i}"} for i in range(start, start + n)]


@sync_to_async
def rows(session_id: str, owner=None) -> list[tuple]:
    found = AgentSession.objects.get(session_id=session_id, owner=owner)
    return list(
        ThreadItem.objects.filter(thread_id=found.thread_id)
        .order_by("position")
        .values_list("position", "type", "role", "text", "call_id", "name", "remote_id")
    )


count = sync_to_async(lambda model: model.objects.count())


async def test_the_session_is_the_sdks_protocol():
    from agents.memory import Session, SessionABC

    session = DjangoSession("conformance")
    assert isinstance(session, Session)
    for name in ("get_items", "add_items", "pop_item", "clear_session"):
        ours, theirs = getattr(DjangoSession, name), getattr(SessionABC, name)
        assert inspect.iscoroutinefunction(ours)
        assert list(inspect.signature(ours).parameters) == list(inspect.signature(theirs).parameters)
    assert session.session_settings is None


async def test_a_session_never_written_reads_empty_and_makes_nothing(async_db):
    session = DjangoSession("never-written")
    assert await session.get_items() == []
    assert await session.get_items(limit=3) == []
    assert await session.pop_item() is None
    await session.clear_session()
    await session.add_items([])
    assert await session.get_thread() is None
    assert await count(Thread) == await count(AgentSession) == 0


async def test_items_come_back_as_they_were_added_and_are_a_thread(async_db):
    session = DjangoSession("weather")
    await session.add_items(TURN[:2])
    await session.add_items(TURN[2:])
    assert await session.get_items() == TURN
    # Stored as the app's own threads store items: dense positions, type, role, text, call.
    assert await rows("weather") == [
        (1, "message", "user", QUESTION["content"], "", "", ""),
        (2, "function_call", "", "", "call_1", "get_weather", "fc_1"),
        (3, "function_call_output", "", "18C", "call_1", "", ""),
        # The id the SDK makes up for a chat completion's message is no provider's id.
        (4, "message", "assistant", "It is 18C in Paris.", "", "", ""),
    ]
    thread = await session.get_thread()
    assert thread.title == QUESTION["content"]
    assert thread.item_count == 4
    assert thread.owner_id is None


async def test_the_title_is_the_first_user_message_and_a_given_title_stays(async_db):
    session = DjangoSession("titled")
    await session.add_items([{"role": "system", "content": "Be brief."}])
    assert (await session.get_thread()).title == ""
    await session.add_items(words(2))
    assert (await session.get_thread()).title == "message 1"
    thread = await session.get_thread()
    await sync_to_async(Thread.objects.filter(pk=thread.pk).update)(title="Renamed")
    await session.add_items(words(1, start=9))
    assert (await session.get_thread()).title == "Renamed"


async def test_limit_gives_the_newest_items_oldest_first(async_db):
    session = DjangoSession("limits")
    await session.add_items(words(5))
    assert await session.get_items(limit=2) == words(2, start=4)
    assert await session.get_items(limit=5) == words(5)
    assert await session.get_items(limit=50) == words(5)
    assert await session.get_items(limit=0) == []
    assert await session.get_items() == words(5)


async def test_session_settings_give_the_default_limit(async_db):
    from agents.memory import SessionSettings

    await DjangoSession("settings").add_items(words(4))
    typed = DjangoSession("settings", session_settings=SessionSettings(limit=3))
    assert await typed.get_items() == words(3, start=2)
    assert await typed.get_items(limit=1) == words(1, start=4)  # an explicit limit wins
    given_as_dict = DjangoSession("settings", session_settings={"limit": 1})
    assert isinstance(given_as_dict.session_settings, SessionSettings)  # the runner calls its resolve()
    assert await given_as_dict.get_items() == words(1, start=4)


async def test_pop_item_removes_the_newest_and_positions_stay_dense(async_db):
    session = DjangoSession("pop")
    await session.add_items(TURN)
    assert await session.pop_item() == ANSWER
    assert await session.pop_item() == OUTPUT
    assert await session.get_items() == TURN[:2]
    await session.add_items([OUTPUT])
    assert [row[0] for row in await rows("pop")] == [1, 2, 3]
    assert (await session.get_thread()).item_count == 3
    for _ in range(3):
        assert await session.pop_item() is not None
    assert await session.pop_item() is None


async def test_clear_session_empties_the_thread_and_keeps_it(async_db):
    session = DjangoSession("clear")
    await session.add_items(TURN)
    before = await session.get_thread()
    await session.clear_session()
    assert await session.get_items() == []
    after = await session.get_thread()
    assert after.pk == before.pk and after.item_count == 0
    await session.add_items(words(1))
    assert await rows("clear") == [(1, "message", "user", "message 1", "", "", "")]


async def test_one_thread_per_session_id(async_db):
    await DjangoSession("first").add_items(words(1))
    await DjangoSession("second").add_items(words(2))
    await DjangoSession("first").add_items(words(1, start=7))  # another object, the same conversation
    assert await DjangoSession("first").get_items() == [*words(1), *words(1, start=7)]
    assert await DjangoSession("second").get_items() == words(2)
    assert await count(Thread) == 2


async def test_session_ids_are_scoped_by_owner(users):
    alice, bob = users
    await DjangoSession("support", owner=alice).add_items(words(1))
    await DjangoSession("support", owner=bob).add_items(words(2))
    await DjangoSession("support").add_items(words(3))
    assert await DjangoSession("support", owner=alice).get_items() == words(1)
    assert await DjangoSession("support", owner=bob).get_items() == words(2)
    assert await DjangoSession("support").get_items() == words(3)
    assert (await DjangoSession("support", owner=bob).get_thread()).owner_id == bob.pk
    assert await DjangoSession("support", owner=bob).pop_item() == words(2)[-1]
    assert await DjangoSession("support", owner=alice).get_items() == words(1)


async def test_a_deleted_thread_is_noticed_and_the_next_items_start_a_new_one(async_db):
    session = DjangoSession("deleted")
    await session.add_items(words(2))
    await sync_to_async((await session.get_thread()).delete)()
    assert await session.get_items() == []
    await session.add_items(words(1, start=5))
    assert await session.get_items() == words(1, start=5)


async def test_a_bad_item_is_refused_and_nothing_is_written(async_db):
    session = DjangoSession("bad")
    with pytest.raises(ValidationError, match="must be a dict"):
        await session.add_items([QUESTION, "not an item"])
    with pytest.raises(ValidationError, match="string 'type'"):
        await session.add_items([{"type": 3}])
    assert await session.get_thread() is None
    assert await count(ThreadItem) == 0


@pytest.mark.parametrize(
    ("session_id", "owner", "message"),
    [
        ("", None, "non-empty string"),
        (None, None, "non-empty string"),
        ("x" * 256, None, "longer than 255"),
    ],
)
def test_bad_session_ids_are_refused(session_id, owner, message):
    with pytest.raises(ValueError, match=message):
        DjangoSession(session_id, owner=owner)


def test_an_anonymous_visitor_cannot_own_a_session():
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(ValueError, match="saved user"):
        DjangoSession("visitor", owner=AnonymousUser())
