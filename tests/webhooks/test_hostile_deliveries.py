"""Deliveries built to break the endpoint: NUL bytes, over-long ids, huge or deeply nested bodies.

Run on SQLite and on PostgreSQL (DATABASE_URL): PostgreSQL's text and jsonb refuse NUL.
"""

from __future__ import annotations

import hashlib
import json
import time

import pytest
from django.test import RequestFactory

from django_openai.client.webhooks import sign
from django_openai.models import Batch, WebhookDelivery
from django_openai.webhooks.views import WebhookView

from .signing import OLD, URL, post

pytestmark = pytest.mark.django_db


def event(object_id="batch_1", event_type="batch.completed", **extra) -> str:
    return json.dumps({"id": "evt_1", "type": event_type, "data": {"id": object_id}, **extra})


def signed_headers(body: bytes | str, msg_id: str = "msg_1", secret: str = OLD) -> dict[str, str]:
    ts = int(time.time())
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": sign(body, secret=secret, msg_id=msg_id, timestamp=ts),
    }


# -- NUL ------------------------------------------------------------------------------------------


def test_a_signed_body_with_a_raw_nul_byte_is_stored_whole_and_acknowledged_once(client, batch):
    body = b'{"type": "batch.completed", "data": {"id": "batch_1"}, "note": "a\x00b"}'
    response = post(client, body=body)
    assert response.status_code == 200 and response.json() == {"received": True}
    delivery = WebhookDelivery.objects.get()
    assert delivery.valid and delivery.error == "body is not a JSON event"  # a raw NUL is not JSON
    assert delivery.raw_body == body and delivery.body_encoding == "base64"
    assert delivery.body_size == len(body) and delivery.body_sha256 == hashlib.sha256(body).hexdigest()
    # OpenAI delivers again until it gets a 2xx: the redelivery is a duplicate, not a new failure.
    again = post(client, body=body)
    assert again.status_code == 200 and again.json()["duplicate"] is True
    assert WebhookDelivery.objects.count() == 1


def test_a_signed_event_with_escaped_nuls_in_its_type_and_id_is_stored(client, batch):
    body = event(object_id="batch_1\u0000", event_type="batch.completed\u0000")
    assert "\\u0000" in body
    response = post(client, body=body)
    assert response.status_code == 200 and response.json() == {"received": True}
    delivery = WebhookDelivery.objects.get()
    assert delivery.valid and delivery.error == ""
    assert delivery.event_type == "batch.completed\ufffd" and delivery.object_id == "batch_1\ufffd"
    assert delivery.raw_body == body.encode() and delivery.body_encoding == ""
    assert delivery.matched == "", "no row's id holds a NUL"


def test_an_unsigned_body_with_a_nul_byte_is_refused_and_recorded(client):
    body = b"\x00" * 10 + b"not signed"
    response = client.post(URL, data=body, content_type="application/json", headers={"webhook-id": "x"})
    assert response.status_code == 400 and "webhook-timestamp" in response.json()["error"]
    delivery = WebhookDelivery.objects.get()
    assert not delivery.valid and delivery.raw_body == body and delivery.body_size == len(body)


def test_a_nul_in_the_webhook_id_is_refused_with_400(client, batch):
    body = event()
    response = client.post(
        URL, data=body, content_type="application/json", headers=signed_headers(body, msg_id="msg\x00_1")
    )
    assert response.status_code == 400 and response.json()["error"] == "webhook-id holds a NUL character"
    delivery = WebhookDelivery.objects.get()
    assert not delivery.valid and delivery.webhook_id == "msg\ufffd_1"


def test_a_non_utf8_body_is_kept_byte_for_byte(client, batch):
    body = b'{"type": "batch.completed", "data": {"id": "batch_1"}, "x": "\xff\xfe"}'
    assert post(client, body=body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.raw_body == body and delivery.body_encoding == "base64"


# -- webhook-id length ------------------------------------------------------------------------------


def test_webhook_ids_longer_than_the_column_are_refused_not_taken_for_duplicates(client, batch):
    shared = "m" * 255
    first = post(client, msg_id=shared + "-first")
    second = post(client, msg_id=shared + "-second")
    assert first.status_code == second.status_code == 400
    assert first.json()["error"] == "webhook-id is longer than 255 characters"
    assert not WebhookDelivery.objects.filter(valid=True).exists()
    assert WebhookDelivery.objects.count() == 2, "both are recorded for audit"
    stored = WebhookDelivery.objects.first()
    assert stored is not None and stored.headers["webhook-id"].startswith(shared + "-")


def test_a_webhook_id_of_exactly_the_column_length_is_accepted_and_deduplicated(client, batch):
    msg_id = "m" * 255
    assert post(client, msg_id=msg_id).json() == {"received": True}
    assert post(client, msg_id=msg_id).json()["duplicate"] is True
    assert post(client, msg_id="m" * 254 + "n").json() == {"received": True}
    assert WebhookDelivery.objects.filter(valid=True).count() == 2


def test_an_object_id_longer_than_the_column_does_not_match_the_row_named_by_its_start(client):
    row = Batch.objects.create(openai_id="b" * 255, endpoint="/v1/chat/completions", status="in_progress")
    assert post(client, body=event(object_id="b" * 255 + "-other")).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.matched == "" and delivery.object_id == "b" * 255
    row.refresh_from_db()
    assert row.next_poll_at is None


# -- what an invalid delivery keeps; size limits ---------------------------------------------------


def test_an_invalid_delivery_keeps_headers_size_hash_and_only_the_start_of_its_body(client):
    body = ("é" + "x" * 4094 + "y" * 2_400_000).encode()[: 1024 * 1024]  # the limit, to the byte
    for number in range(20):
        response = client.post(
            URL,
            data=body,
            content_type="application/json",
            headers={"webhook-id": f"forged-{number}", "user-agent": "probe/1"},
        )
        assert response.status_code == 400
    deliveries = list(WebhookDelivery.objects.all())
    assert len(deliveries) == 20
    assert sum(len(d.body) for d in deliveries) <= 20 * 4096
    one = deliveries[0]
    assert not one.valid and one.body_truncated
    assert one.body_size == len(body) and one.body_sha256 == hashlib.sha256(body).hexdigest()
    assert one.raw_body == body[:4096] and one.headers["user-agent"] == "probe/1"


def test_a_cut_inside_a_character_keeps_the_text_readable(client):
    body = ("a" * 4095 + "é" + "tail").encode()  # byte 4,096 is the first half of "é"
    assert client.post(URL, data=body, content_type="application/json").status_code == 400
    delivery = WebhookDelivery.objects.get()
    assert delivery.body_encoding == "" and delivery.body == "a" * 4095 and delivery.body_truncated


def test_a_valid_delivery_keeps_its_body_whole(client, batch):
    body = event(padding="p" * 10_000)
    assert post(client, body=body).status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.body == body and not delivery.body_truncated and delivery.body_size == len(body)


def test_a_body_over_the_limit_is_refused_with_413_unread(client, batch):
    body = b"x" * (1024 * 1024 + 1)
    response = client.post(URL, data=body, content_type="application/json", headers=signed_headers(body))
    assert response.status_code == 413
    assert response.json()["error"] == "the body is larger than 1048576 bytes"
    delivery = WebhookDelivery.objects.get()
    assert not delivery.valid and delivery.body == "" and delivery.body_size == len(body)
    assert delivery.body_sha256 == "", "a body not read has no hash"


def test_the_limit_holds_without_content_length_and_can_be_set_per_view(batch):
    body = event()
    request = RequestFactory().post(
        URL, data=body, content_type="application/json", headers=signed_headers(body)
    )
    del request.META["CONTENT_LENGTH"]  # as a chunked request under ASGI
    response = WebhookView.as_view(max_body_bytes=64, invalid_body_bytes=16)(request)
    assert response.status_code == 413
    delivery = WebhookDelivery.objects.get()
    assert delivery.body_size == 65 and delivery.raw_body == body.encode()[:16]


def test_a_deeply_nested_signed_body_is_stored_not_a_500(client):
    body = "[" * 100_000 + "]" * 100_000
    response = post(client, body=body)
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.valid and delivery.error == "body is not a JSON event" and delivery.body_size == len(body)
