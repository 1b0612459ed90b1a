"""Checking each line of a batch's output and error files on its way to a BatchItem row.

Nothing read may vanish (docs/batches.md): a line that is not JSON, not an object, has no
``custom_id`` or repeats one (within a file, or from the output file into the error file), or
holds a value its column cannot take is recorded as a BatchResultProblem, with its file, line
number and start, and the line whole when it parsed. Every other line goes on to be stored.
Duplicates are found here, in Python, not by the database's conflict-skipping insert: so the
PostgreSQL COPY path and the generic path see exactly the same rows, and a rerun after a crash
still skips only rows a previous run stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from ..models import BatchItem, BatchResultProblem
from ._bulk import ItemRow
from ._nul import ESCAPED_NUL, without_nul
from ._request_bodies import RequestBodies

EXCERPT_BYTES = 200
CUSTOM_ID_MAX = BatchItem._meta.get_field("custom_id").max_length or 512
REQUEST_ID_MAX = BatchItem._meta.get_field("request_id").max_length or 128
STATUS_CODE_MAX = 32767  # PositiveSmallIntegerField
FILE_ID_MAX = BatchResultProblem._meta.get_field("file_id").max_length or 255


class _BadLine(Exception):
    def __init__(self, kind: str, message: str, line: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line


class ResultLines:
    """One ingestion's reading: the ids seen, the lines read and accepted, the problems found."""

    def __init__(
        self,
        batch_id: int,
        bodies: RequestBodies,
        loads: Callable[[bytes], Any],
        dumps: Callable[[Any], str],
    ) -> None:
        self.batch_id = batch_id
        self.bodies = bodies
        self._loads = loads
        self._dumps = dumps
        self.seen: set[str] = set()
        #: Non-blank lines read, in both files.
        self.read = 0
        #: Lines passed on to be stored, by file: False for the output file, True for the error file.
        self.accepted = {False: 0, True: 0}
        #: Problems found and not yet saved; ``save_problems()`` saves them between chunks.
        self.pending: list[BatchResultProblem] = []
        self.line_problems = 0
        self._line_numbers: dict[str, int] = {}

    def rows(self, lines: Iterable[bytes], file_id: str, from_error_file: bool) -> Iterator[ItemRow]:
        """The rows of the good lines; each bad one becomes a pending problem instead.

        ``lines`` are a file's lines in order, blank ones included (they are skipped, but count
        for the line numbers); a file may come in several calls, one per chunk.
        """
        # Counted in locals and written back at the end: this loop runs once per result line.
        number = self._line_numbers.get(file_id, 0)
        read = accepted = 0
        try:
            for raw in lines:
                number += 1
                if not raw or raw.isspace():
                    continue
                read += 1
                try:
                    row = self._row(raw, from_error_file)
                except _BadLine as bad:
                    self.line_problems += 1
                    self.pending.append(self._problem(bad, file_id, number, raw))
                    continue
                accepted += 1
                yield row
        finally:
            self._line_numbers[file_id] = number
            self.read += read
            self.accepted[from_error_file] += accepted

    def lines_taken(self, file_id: str) -> int:
        """How many lines of the file ``rows()`` has taken, blank ones included."""
        return self._line_numbers.get(file_id, 0)

    def _row(self, raw: bytes, from_error_file: bool) -> ItemRow:
        try:
            line = self._loads(raw)
        except (ValueError, RecursionError) as exc:
            raise _BadLine(BatchResultProblem.INVALID_JSON, f"not valid JSON: {exc}") from None
        if not isinstance(line, dict):
            raise _BadLine(BatchResultProblem.NOT_AN_OBJECT, f"a JSON {type(line).__name__}, not an object")
        if ESCAPED_NUL in raw:
            line = without_nul(line)
        custom_id = line.get("custom_id")
        if not isinstance(custom_id, str) or not custom_id:
            raise _BadLine(BatchResultProblem.MISSING_CUSTOM_ID, "the line has no custom_id", line)
        if len(custom_id) > CUSTOM_ID_MAX:
            raise _BadLine(
                BatchResultProblem.INVALID_LINE, f"custom_id is over {CUSTOM_ID_MAX} characters", line
            )
        if custom_id in self.seen:
            raise _BadLine(
                BatchResultProblem.DUPLICATE_CUSTOM_ID, f"custom_id {custom_id!r} was read before", line
            )
        response = line.get("response")
        if response is None:
            response = {}
        elif not isinstance(response, dict):
            raise _BadLine(BatchResultProblem.INVALID_LINE, "response is not an object", line)
        status_code = response.get("status_code")
        if status_code is not None and (
            type(status_code) is not int or not 0 <= status_code <= STATUS_CODE_MAX
        ):
            raise _BadLine(
                BatchResultProblem.INVALID_LINE, f"status_code {status_code!r} is not an HTTP status", line
            )
        request_id = response.get("request_id") or ""
        if not isinstance(request_id, str) or len(request_id) > REQUEST_ID_MAX:
            raise _BadLine(
                BatchResultProblem.INVALID_LINE, "request_id is not a string of a request id", line
            )
        body = response.get("body")
        error = line.get("error") or (
            body.get("error") if from_error_file and isinstance(body, dict) else None
        )
        try:
            body_json = self._dumps(body) if body is not None else None
            error_json = self._dumps(error) if error is not None else None
        except (TypeError, ValueError) as exc:
            # Not kept whole: what the codec refused, the JSON column would refuse too.
            raise _BadLine(BatchResultProblem.INVALID_LINE, f"cannot be stored as JSON: {exc}") from None
        self.seen.add(custom_id)
        return (
            self.batch_id,
            custom_id,
            self.bodies.get(custom_id),
            status_code,
            body_json,
            error_json,
            request_id,
        )

    def _problem(self, bad: _BadLine, file_id: str, number: int, raw: bytes) -> BatchResultProblem:
        custom_id = (bad.line or {}).get("custom_id")
        line = bad.line
        if line is not None:
            try:
                self._dumps(line)  # what the codec refuses (json's lone surrogates), jsonb would too
            except (TypeError, ValueError):
                line = None
        return BatchResultProblem(
            batch_id=self.batch_id,
            file_id=file_id[:FILE_ID_MAX],
            line=number,
            kind=bad.kind,
            custom_id=custom_id[:CUSTOM_ID_MAX] if isinstance(custom_id, str) else "",
            message=f"{file_id} line {number}: {bad.message}"[:1000],
            excerpt=without_nul(raw[:EXCERPT_BYTES].decode("utf-8", "replace")),
            line_data=line,
        )

    def mismatch(self, file_id: str, message: str) -> None:
        """A count that does not add up: a problem of a file (or, with no file, of the batch)."""
        self.pending.append(
            BatchResultProblem(
                batch_id=self.batch_id,
                file_id=file_id[:FILE_ID_MAX],
                kind=BatchResultProblem.COUNT_MISMATCH,
                message=message,
            )
        )

    def check_counts(self, stored: int, data: dict[str, Any]) -> None:
        """Compare what was read and stored with itself and with the batch's ``request_counts``."""
        if stored != self.read - self.line_problems:
            self.mismatch(
                "",
                f"{self.read} result lines were read and {self.line_problems} of them recorded as "
                f"problems, but {stored} results are stored",
            )
        counts = data.get("request_counts")
        if not isinstance(counts, dict):
            return  # a server that does not count
        completed, failed = counts.get("completed"), counts.get("failed")
        output_file_id = data.get("output_file_id") or ""
        if type(completed) is int and completed != self.accepted[False]:
            self.mismatch(
                output_file_id,
                f"request_counts.completed is {completed}, but "
                + (
                    f"the output file {output_file_id} held {self.accepted[False]} results"
                    if output_file_id
                    else "the batch has no output file"
                ),
            )
        # Expired and cancelled requests may be written to the error file without being counted
        # as failed: only fewer error lines than failures is a mismatch.
        error_file_id = data.get("error_file_id") or ""
        if type(failed) is int and failed > self.accepted[True]:
            self.mismatch(
                error_file_id,
                f"request_counts.failed is {failed}, but "
                + (
                    f"the error file {error_file_id} held {self.accepted[True]} results"
                    if error_file_id
                    else "the batch has no error file"
                ),
            )

    def save_problems(self) -> None:
        if self.pending:
            BatchResultProblem.objects.bulk_create(self.pending, ignore_conflicts=True)
            self.pending = []
