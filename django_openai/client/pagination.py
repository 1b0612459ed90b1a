"""Cursor pages: ``{"object": "list", "data": [...], "has_more": bool, "last_id": ...}``.

Iterating a page walks every item across all following pages, fetching them as needed;
``iter_pages()`` walks pages; ``has_next_page()`` and ``next_page()`` step by hand. The cursor is
the ``after`` query parameter set to the id of the last item (or the page's ``last_id``).

With the async client a list call returns an :class:`AsyncPaginator`: ``await`` it for the first
page, or ``async for`` over it directly for every item.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Generator, Iterator
from typing import Any, Generic, TypeVar

from ._request import RequestOptions
from .errors import APIResponseValidationError, describe_invalid

T = TypeVar("T")


class BasePage(Generic[T]):
    def __init__(self, raw: Any, item_cast: Any, options: RequestOptions) -> None:
        if isinstance(raw, list):  # a few compatible servers answer a bare list
            raw = {"object": "list", "data": raw, "has_more": False}
        self.raw: dict[str, Any] = raw if isinstance(raw, dict) else {"data": []}
        self._options = options
        items = self.raw.get("data") or []
        validate = getattr(item_cast, "model_validate", None)
        try:
            self.data: list[T] = [validate(item) for item in items] if validate else list(items)
        except ValueError as exc:
            raise APIResponseValidationError(
                f"unexpected item in the list from {options.method} {options.path}: {describe_invalid(exc)}",
                body=self.raw,
                method=options.method,
                path=options.path,
            ) from None
        self.has_more: bool = bool(self.raw.get("has_more", False))
        self.first_id: str | None = self.raw.get("first_id")
        self.last_id: str | None = self.raw.get("last_id")

    def has_next_page(self) -> bool:
        return self.has_more and bool(self.data) and self._next_cursor() is not None

    def _next_cursor(self) -> str | None:
        if self.last_id:
            return self.last_id
        last = self.raw["data"][-1] if self.raw.get("data") else None
        return last.get("id") if isinstance(last, dict) else None

    def _next_options(self) -> RequestOptions:
        cursor = self._next_cursor()
        if cursor is None:
            raise StopIteration("no next page")
        return self._options.replace(query={**(self._options.query or {}), "after": cursor})

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} items={len(self.data)} has_more={self.has_more}>"


class SyncPage(BasePage[T]):
    def __init__(
        self,
        raw: Any,
        item_cast: Any,
        options: RequestOptions,
        fetch: Callable[[RequestOptions], SyncPage[T]],
    ) -> None:
        super().__init__(raw, item_cast, options)
        self._fetch = fetch

    def next_page(self) -> SyncPage[T]:
        if not self.has_next_page():
            raise RuntimeError("this is the last page; check has_next_page() first")
        return self._fetch(self._next_options())

    def iter_pages(self) -> Iterator[SyncPage[T]]:
        page: SyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPage(BasePage[T]):
    def __init__(
        self,
        raw: Any,
        item_cast: Any,
        options: RequestOptions,
        fetch: Callable[[RequestOptions], Awaitable[AsyncPage[T]]],
    ) -> None:
        super().__init__(raw, item_cast, options)
        self._fetch = fetch

    async def next_page(self) -> AsyncPage[T]:
        if not self.has_next_page():
            raise RuntimeError("this is the last page; check has_next_page() first")
        return await self._fetch(self._next_options())

    async def iter_pages(self) -> AsyncIterator[AsyncPage[T]]:
        page: AsyncPage[T] = self
        while True:
            yield page
            if not page.has_next_page():
                return
            page = await page.next_page()

    async def _iter_items(self) -> AsyncIterator[T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()


class AsyncPaginator(Generic[T]):
    """What an async list call returns: awaitable (first page) and async-iterable (all items)."""

    def __init__(self, first: Callable[[], Awaitable[AsyncPage[T]]]) -> None:
        self._first = first

    def __await__(self) -> Generator[Any, None, AsyncPage[T]]:
        return self._first().__await__()

    async def _iter_items(self) -> AsyncIterator[T]:
        page = await self._first()
        async for item in page:
            yield item

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iter_items()
