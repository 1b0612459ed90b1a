from __future__ import annotations

import httpx
import pytest

from .conftest import query_of


def pages(router, path="/files", count=3, per_page=2):
    items = [{"id": f"file-{i}", "object": "file"} for i in range(count * per_page)]

    def handler(request):
        after = request.url.params.get("after")
        start = 0 if after is None else next(i for i, it in enumerate(items) if it["id"] == after) + 1
        chunk = items[start : start + per_page]
        return httpx.Response(
            200, json={"object": "list", "data": chunk, "has_more": start + per_page < len(items)}
        )

    return router.get(path).mock(side_effect=handler), items


def test_iterating_a_page_walks_every_page(client, router):
    route, items = pages(router)
    assert [f.id for f in client.files.list(limit=2)] == [i["id"] for i in items]
    assert route.call_count == 3
    assert [query_of(c.request).get("after") for c in route.calls] == [None, "file-1", "file-3"]
    assert all(query_of(c.request)["limit"] == "2" for c in route.calls)


def test_iter_pages_next_page_has_next_page(client, router):
    pages(router)
    first = client.files.list(limit=2)
    assert first.has_next_page()
    second = first.next_page()
    assert [f.id for f in second.data] == ["file-2", "file-3"]
    assert len(list(first.iter_pages())) == 3
    last = second.next_page()
    assert not last.has_next_page()
    with pytest.raises(RuntimeError, match="last page"):
        last.next_page()


def test_last_id_is_the_cursor_when_given(client, router):
    route = router.get("/conversations/c/items").mock(
        side_effect=[
            httpx.Response(200, json={"data": [{"id": "a"}], "has_more": True, "last_id": "cursor-x"}),
            httpx.Response(200, json={"data": [{"id": "b"}], "has_more": False}),
        ]
    )
    assert [i.id for i in client.conversations.items.list("c")] == ["a", "b"]
    assert query_of(route.calls[1].request)["after"] == "cursor-x"


def test_unpaginated_list_and_bare_list(client, router):
    router.get("/models").respond(200, json={"object": "list", "data": [{"id": "a"}]})
    assert [m.id for m in client.models.list()] == ["a"]
    router.get("/batches").respond(200, json=[{"id": "b", "status": "completed"}])
    assert [b.id for b in client.batches.list()] == ["b"]


async def test_async_for_directly_and_await_then_iterate(aclient, router):
    route, items = pages(router)
    assert [f.id async for f in aclient.files.list(limit=2)] == [i["id"] for i in items]
    page = await aclient.files.list(limit=2)
    assert [f.id for f in page.data] == ["file-0", "file-1"]
    assert page.has_next_page()
    nxt = await page.next_page()
    assert [f.id for f in nxt.data] == ["file-2", "file-3"]
    assert len([p async for p in page.iter_pages()]) == 3
    assert route.call_count == 3 + 1 + 1 + 2  # all items; first page; next; pages 2-3 again
