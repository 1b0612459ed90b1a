"""The SSE decoder against the WHATWG rules, fed in every possible chunking."""

from __future__ import annotations

import pytest

from django_openai.client.sse import ServerSentEvent, SSEDecoder, iter_events


def decode_all(raw: bytes) -> list[ServerSentEvent]:
    return list(iter_events([raw]))


def decode_split_everywhere(raw: bytes) -> list[list[ServerSentEvent]]:
    """Decode with the input cut at every position into two chunks, and byte by byte."""
    results = [list(iter_events([raw[:i], raw[i:]])) for i in range(len(raw) + 1)]
    results.append(list(iter_events([raw[i : i + 1] for i in range(len(raw))])))
    return results


@pytest.mark.parametrize("newline", [b"\n", b"\r", b"\r\n"])
def test_every_line_ending_in_every_split(newline):
    raw = newline.join([b"event: delta", b"data: one", b"", b"data: two", b"", b""])
    expected = [ServerSentEvent("one", event="delta"), ServerSentEvent("two")]
    for events in decode_split_everywhere(raw):
        assert events == expected


def test_mixed_line_endings():
    assert decode_all(b"data: a\r\ndata: b\rdata: c\n\r\n") == [ServerSentEvent("a\nb\nc")]


def test_crlf_split_across_chunks_is_one_line_ending():
    decoder = SSEDecoder()
    assert decoder.feed(b"data: x\r") == []
    # The LF completes the CRLF of the previous line: it is not an empty line on its own...
    assert decoder.feed(b"\n") == []
    # ...so the event is dispatched by the next blank line only.
    assert decoder.feed(b"\r\n") == [ServerSentEvent("x")]


def test_multiline_data_is_joined_with_newlines():
    assert decode_all(b"data: first\ndata:second\ndata:  third\n\n") == [
        ServerSentEvent("first\nsecond\n third")
    ]


def test_comments_are_skipped_and_counted():
    decoder = SSEDecoder()
    events = decoder.feed(b": ping\n\n: keep-alive\ndata: x\n\n")
    assert events == [ServerSentEvent("x")]
    assert decoder.comments == 2


def test_id_persists_and_retry_is_read():
    events = decode_all(b"id: 7\nretry: 3000\ndata: a\n\ndata: b\n\nid\ndata: c\n\n")
    assert [(e.data, e.id, e.retry) for e in events] == [("a", "7", 3000), ("b", "7", 3000), ("c", "", 3000)]


def test_id_with_nul_is_ignored_and_bad_retry_too():
    events = decode_all(b"id: 1\n\ndata: a\nid: x\x00y\nretry: soon\n\n")
    assert events == [ServerSentEvent("a", id="1")]


def test_utf8_split_across_chunks():
    raw = "data: héllo — 世界\n\n".encode()
    for events in decode_split_everywhere(raw):
        assert events == [ServerSentEvent("héllo — 世界")]


def test_last_event_without_blank_line_is_delivered():
    assert decode_all(b"data: a\n\ndata: tail") == [ServerSentEvent("a"), ServerSentEvent("tail")]
    assert decode_all(b"data: tail\n") == [ServerSentEvent("tail")]


def test_field_without_colon_and_unknown_fields():
    assert decode_all(b"data\n\nfoo: bar\ndata: x\n\n") == [ServerSentEvent(""), ServerSentEvent("x")]


def test_event_without_data_dispatches_nothing():
    assert decode_all(b"event: ping\n\ndata: x\n\n") == [ServerSentEvent("x")]


def test_event_name_resets_after_dispatch():
    assert decode_all(b"event: a\ndata: 1\n\ndata: 2\n\n") == [
        ServerSentEvent("1", event="a"),
        ServerSentEvent("2"),
    ]


def test_json_helper():
    assert decode_all(b'data: {"a": [1, 2]}\n\n')[0].json() == {"a": [1, 2]}
