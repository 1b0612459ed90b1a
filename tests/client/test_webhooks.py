from __future__ import annotations

import base64
import json
import time

import pytest

from django_openai.client import InvalidWebhookSignatureError, OpenAI
from django_openai.client.webhooks import sign, unwrap, verify_signature

SECRET = "whsec_" + base64.b64encode(b"0123456789abcdef0123456789abcdef").decode()
OTHER = "whsec_" + base64.b64encode(b"another-secret-another-secret-32").decode()
BODY = json.dumps(
    {"id": "evt_1", "object": "event", "type": "batch.completed", "created_at": 1, "data": {"id": "batch_1"}}
)


def headers(body=BODY, secret=SECRET, msg_id="msg_1", timestamp=None, extra_sigs=()):
    ts = int(time.time()) if timestamp is None else timestamp
    sig = sign(body, secret=secret, msg_id=msg_id, timestamp=ts)
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": " ".join([*extra_sigs, sig]),
    }


def test_known_vector_from_the_standard_webhooks_spec():
    # The reference example of the Standard Webhooks specification.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    payload = '{"test": 2432232314}'
    assert sign(payload, secret=secret, msg_id="msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp=1614265330) == (
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    )


def test_valid_signature_and_unwrap():
    event = unwrap(BODY, headers(), secret=SECRET)
    assert (event.type, event.data["id"]) == ("batch.completed", "batch_1")


def test_bad_signature_stale_and_future_timestamps():
    with pytest.raises(InvalidWebhookSignatureError, match="no webhook signature matched"):
        verify_signature(BODY, headers(secret=OTHER), secret=SECRET)
    with pytest.raises(InvalidWebhookSignatureError, match="too old"):
        verify_signature(BODY, headers(timestamp=int(time.time()) - 301), secret=SECRET)
    with pytest.raises(InvalidWebhookSignatureError, match="too new"):
        verify_signature(BODY, headers(timestamp=int(time.time()) + 301), secret=SECRET)
    with pytest.raises(InvalidWebhookSignatureError, match="no webhook signature matched"):
        verify_signature(BODY + " ", headers(), secret=SECRET)
    with pytest.raises(InvalidWebhookSignatureError, match="missing webhook-id"):
        verify_signature(BODY, {"webhook-timestamp": "1", "webhook-signature": "v1,x"}, secret=SECRET)


def test_rotation_several_secrets_and_several_signatures():
    # The sender signs with the new secret and the old one during rotation.
    old_sig = sign(BODY, secret=OTHER, msg_id="msg_1", timestamp=int(time.time()))
    verify_signature(BODY, headers(extra_sigs=[old_sig]), secret=OTHER)
    verify_signature(BODY, headers(), secret=[OTHER, SECRET])
    with pytest.raises(InvalidWebhookSignatureError):
        verify_signature(BODY, headers(), secret=[OTHER])


def test_client_resource_uses_its_secret():
    client = OpenAI(api_key="sk-0123456789", webhook_secret=SECRET)
    assert client.webhooks.unwrap(BODY, headers()).id == "evt_1"
    with pytest.raises(InvalidWebhookSignatureError, match="no webhook secret"):
        OpenAI(api_key="sk-0123456789").webhooks.verify_signature(BODY, headers())
