"""Batch results as JSONL and CSV downloads: the columns, the escaping, and constant memory."""

from __future__ import annotations

import csv
import io
import json
import tracemalloc

import pytest

from django_openai.models import Batch, BatchItem
from django_openai.services.exports import aexport_batch_results, export_batch_results

pytestmark = pytest.mark.django_db(transaction=True)

CHAT = {
    "model": "gpt-4.1-mini",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "Paris."}}],
    "usage": {"prompt_tokens": 12, "completion_tokens": 2, "total_tokens": 14},
}
RESPONSE = {
    "model": "gpt-4.1-mini",
    "output": [
        {"type": "reasoning", "summary": []},
        {
            "type": "message",
            "content": [{"type": "output_text", "text": "Hello "}, {"type": "output_text", "text": "there"}],
        },
    ],
    "usage": {"input_tokens": 5, "output_tokens": 2, "total_tokens": 7},
}


def make_batch(endpoint="/v1/chat/completions"):
    return Batch.objects.create(openai_id="batch_x", endpoint=endpoint, status="completed")


def collect(batch, fmt, **kw):
    return b"".join(export_batch_results(batch, fmt, **kw))


def test_jsonl_lines_are_output_file_lines():
    batch = make_batch()
    BatchItem.objects.create(
        batch=batch, custom_id="a", status_code=200, response_body=CHAT, request_id="req_1"
    )
    BatchItem.objects.create(batch=batch, custom_id="b", error={"code": "expired", "message": "not run"})
    lines = [json.loads(line) for line in collect(batch, "jsonl").splitlines()]
    assert lines == [
        {
            "custom_id": "a",
            "response": {"status_code": 200, "request_id": "req_1", "body": CHAT},
            "error": None,
        },
        {"custom_id": "b", "response": None, "error": {"code": "expired", "message": "not run"}},
    ]


def test_csv_has_the_answer_the_usage_and_the_errors():
    batch = make_batch()
    BatchItem.objects.create(
        batch=batch, custom_id="chat", status_code=200, response_body=CHAT, request_id="req_1"
    )
    BatchItem.objects.create(batch=batch, custom_id="resp", status_code=200, response_body=RESPONSE)
    BatchItem.objects.create(
        batch=batch,
        custom_id="bad",
        status_code=400,
        response_body={"error": {"code": "invalid_value", "message": "bad model"}},
    )
    BatchItem.objects.create(
        batch=batch, custom_id="late", error={"code": "batch_expired", "message": "expired"}
    )
    rows = list(csv.DictReader(io.StringIO(collect(batch, "csv").decode())))
    assert [r["custom_id"] for r in rows] == ["chat", "resp", "bad", "late"]
    chat, resp, bad, late = rows
    assert (chat["status_code"], chat["answer"], chat["model"], chat["request_id"]) == (
        "200",
        "Paris.",
        "gpt-4.1-mini",
        "req_1",
    )
    assert (chat["input_tokens"], chat["output_tokens"], chat["total_tokens"]) == ("12", "2", "14")
    assert (resp["answer"], resp["input_tokens"], resp["output_tokens"]) == ("Hello there", "5", "2")
    assert (bad["error_code"], bad["error_message"], bad["answer"]) == ("invalid_value", "bad model", "")
    assert (late["status_code"], late["error_code"]) == ("", "batch_expired")


def test_csv_cells_that_look_like_formulas_are_defused():
    batch = make_batch()
    body = {**CHAT, "choices": [{"message": {"content": '=HYPERLINK("http://x")'}}]}
    BatchItem.objects.create(batch=batch, custom_id="f", status_code=200, response_body=body)
    (row,) = csv.DictReader(io.StringIO(collect(batch, "csv").decode()))
    assert row["answer"] == '\'=HYPERLINK("http://x")'


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="unknown export format 'xml'"):
        collect(make_batch(), "xml")


async def test_the_async_export_gives_the_same_bytes():
    from asgiref.sync import sync_to_async

    def setup():
        batch = make_batch()
        BatchItem.objects.bulk_create(
            BatchItem(batch=batch, custom_id=f"q-{i}", status_code=200, response_body=CHAT) for i in range(25)
        )
        return batch, {fmt: collect(batch, fmt, chunk_size=10) for fmt in ("jsonl", "csv")}

    batch, expected = await sync_to_async(setup)()
    for fmt in ("jsonl", "csv"):
        chunks = [chunk async for chunk in aexport_batch_results(batch, fmt, chunk_size=10)]
        assert len(chunks) == 3 + (fmt == "csv"), "one chunk per 10 rows (and the CSV header)"
        assert b"".join(chunks) == expected[fmt]


def export_peak(batch, fmt):
    """Bytes exported, and the peak of memory allocated while exporting them."""
    total = 0
    tracemalloc.start()
    try:
        for chunk in export_batch_results(batch, fmt):
            total += len(chunk)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return total, peak


def add_items(batch, start, stop):
    BatchItem.objects.bulk_create(
        (
            BatchItem(batch=batch, custom_id=f"q-{i}", status_code=200, response_body=CHAT)
            for i in range(start, stop)
        ),
        batch_size=5000,
    )


def test_50000_results_stream_in_constant_memory(django_assert_num_queries):
    batch = make_batch()
    add_items(batch, 0, 10_000)
    small = {fmt: export_peak(batch, fmt) for fmt in ("jsonl", "csv")}
    add_items(batch, 10_000, 50_000)
    for fmt in ("jsonl", "csv"):
        # Keyset by pk, 2,000 rows a query: 25 queries, and one more that finds the end.
        with django_assert_num_queries(26):
            total, peak = export_peak(batch, fmt)
        assert total > 4.9 * small[fmt][0], fmt
        # Five times the rows, about the same peak: one chunk of rows is held at a time.
        assert peak < 1.5 * small[fmt][1], (fmt, peak, small[fmt][1])
