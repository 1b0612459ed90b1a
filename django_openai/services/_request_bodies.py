"""A batch's request bodies by ``custom_id``, for filling ``BatchItem.request_body`` at ingestion.

Output files carry only the ``custom_id``; the request is in the input file, in any order. The
input is read once, as a stream: each body goes, re-encoded, into an anonymous temporary file and
only its place (offset and length packed in one int) is kept in memory. Memory so grows with the
number of lines (at most 50,000 by OpenAI's limit), never with the size of the bodies.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterable
from typing import Any

from ._nul import ESCAPED_NUL, without_nul

_LENGTH_BITS = 32
_LENGTH_MASK = (1 << _LENGTH_BITS) - 1


class RequestBodies:
    def __init__(self) -> None:
        self._spool = tempfile.TemporaryFile()  # noqa: SIM115 - closed by close()
        self._places: dict[str, int] = {}
        self._end = 0

    @classmethod
    def from_lines(
        cls, lines: Iterable[bytes], loads: Callable[[bytes], Any], dumps: Callable[[Any], str]
    ) -> RequestBodies:
        bodies = cls()
        try:
            for raw in lines:
                # The server accepted the file: a line it could not have used is skipped.
                try:
                    line = loads(raw)
                except (ValueError, RecursionError):
                    continue
                if not isinstance(line, dict) or "body" not in line:
                    continue
                if ESCAPED_NUL in raw:  # stored as the results are (see _nul)
                    line = without_nul(line)
                try:
                    body = dumps(line["body"]).encode()
                except (TypeError, ValueError):  # what the codec refuses, jsonb would refuse too
                    continue
                bodies._add(str(line.get("custom_id")), body)
            bodies._spool.flush()
        except BaseException:
            bodies.close()
            raise
        return bodies

    @classmethod
    def empty(cls) -> RequestBodies:
        return cls()

    def _add(self, custom_id: str, body: bytes) -> None:
        self._spool.write(body)
        self._places[custom_id] = (self._end << _LENGTH_BITS) | len(body)
        self._end += len(body)

    def get(self, custom_id: str) -> str | None:
        place = self._places.get(custom_id)
        if place is None:
            return None
        return os.pread(self._spool.fileno(), place & _LENGTH_MASK, place >> _LENGTH_BITS).decode()

    def __len__(self) -> int:
        return len(self._places)

    def close(self) -> None:
        self._spool.close()

    def __enter__(self) -> RequestBodies:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
