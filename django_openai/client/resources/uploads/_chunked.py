"""The plan of a chunked upload and its two drivers (threads for sync, tasks for async).

The plan is shared: which byte ranges make the parts, which are already sent (resume), and the
final ordering of part ids. Only the way parts run side by side differs.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from ..._files import FilePart


@dataclass
class ChunkPlan:
    part: FilePart
    total: int
    part_size: int
    done: dict[int, str] = field(default_factory=dict)
    sent_bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _read_lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        if self.part_size <= 0:
            raise ValueError("part_size must be positive")
        if self.part_size > 64 * 1024 * 1024:
            raise ValueError("part_size is at most 64 MB (the Uploads API limit)")
        self.count = max(1, -(-self.total // self.part_size))
        self.sent_bytes = sum(self.length(i) for i in self.done)

    def length(self, index: int) -> int:
        return min(self.part_size, self.total - index * self.part_size)

    def pending(self) -> list[int]:
        return [i for i in range(self.count) if i not in self.done]

    def read(self, index: int) -> bytes:
        if self.part.owns_stream:  # each read opens a stream of its own
            return self.part.read_range(index * self.part_size, self.length(index))
        # One stream shared by every part (a file object): a seek and a read from two threads at
        # once would interleave and send one part's bytes as another's.
        with self._read_lock:
            return self.part.read_range(index * self.part_size, self.length(index))

    def record(self, index: int, part_id: str) -> int:
        with self._lock:
            self.done[index] = part_id
            self.sent_bytes += self.length(index)
            return self.sent_bytes

    def ordered_ids(self) -> list[str]:
        return [self.done[i] for i in range(self.count)]


Send = Callable[[bytes], Any]
OnPart = Callable[[int, str, int], None] | None


def run_parts_sync(plan: ChunkPlan, send: Send, concurrency: int, on_part: OnPart) -> list[str]:
    def one(index: int) -> None:
        part_id = send(plan.read(index)).id
        sent = plan.record(index, part_id)
        if on_part is not None:
            on_part(index, part_id, sent)

    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        for future in [pool.submit(one, i) for i in plan.pending()]:
            future.result()
    return plan.ordered_ids()


async def run_parts_async(plan: ChunkPlan, send: Send, concurrency: int, on_part: OnPart) -> list[str]:
    gate = asyncio.Semaphore(max(1, concurrency))

    async def one(index: int) -> None:
        async with gate:
            data = await asyncio.to_thread(plan.read, index)
            part_id = (await send(data)).id
        sent = plan.record(index, part_id)
        if on_part is not None:
            on_part(index, part_id, sent)

    await asyncio.gather(*(one(i) for i in plan.pending()))
    return plan.ordered_ids()
