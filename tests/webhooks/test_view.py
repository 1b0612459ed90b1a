"""The webhook endpoint: valid, bad signature, stale, replayed, unknown type, rotated secret."""

from __future__ import annotations

import time

import pytest
from django.test import override_settings
from django.utils import timezone

from django_openai.models import Batch, FineTuningJob, WebhookDelivery

from .signing import NEW, OLD, URL, post

pytestmark = pytest.mark.django_db


def test_valid_delivery_marks_the_row_due(client, batch):
    response = post(client)
    assert response.status_code == 200 and response.json() == {"received": True}
    batch.refresh_from_db()
    assert batch.next_poll_at <= timezone.now()
    delivery = WebhookDelivery.objects.get()
    assert delivery.valid and delivery.event_type == "batch.completed" and delivery.object_id == "batch_1"
    assert delivery.matched == f"django_openai.Batch:{batch.pk}"
    assert batch.status == "in_progress", "the webhook is a hint; the status comes from the poll"


def test_bad_signature_is_400_and_changes_nothing(client, batch):
    before = batch.next_poll_at
    response = post(client, secret=NEW)
    assert response.status_code == 400 and "no webhook signature matched" in response.json()["error"]
    batch.refresh_from_db()
    assert batch.next_poll_at == before
    delivery = WebhookDelivery.objects.get()
    assert not delivery.valid and delivery.matched == "" and "signature" in delivery.error


def test_stale_timestamp_is_400(client, batch):
    response = post(client, timestamp=int(time.time()) - 301)
    assert response.status_code == 400 and "too old" in response.json()["error"]
    batch.refresh_from_db()
    assert batch.next_poll_at > timezone.now()


def test_replayed_id_is_acknowledged_once(client, batch):
    assert post(client).status_code == 200
    Batch.objects.filter(pk=batch.pk).update(next_poll_at=timezone.now() + timezone.timedelta(hours=1))
    replay = post(client)
    assert replay.status_code == 200 and replay.json()["duplicate"] is True
    assert WebhookDelivery.objects.filter(valid=True).count() == 1
    batch.refresh_from_db()
    assert batch.next_poll_at > timezone.now(), "a replay changes nothing"


def test_forged_delivery_cannot_block_the_real_id(client, batch):
    assert post(client, secret=NEW, msg_id="msg_9").status_code == 400
    assert post(client, msg_id="msg_9").status_code == 200
    assert WebhookDelivery.objects.filter(webhook_id="msg_9", valid=True).count() == 1


def test_unknown_event_type_is_stored_and_acknowledged(client):
    response = post(client, event_type="eval.run.succeeded", object_id="evalrun_1")
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.valid and delivery.event_type == "eval.run.succeeded" and delivery.matched == ""


def test_rotated_secret_both_accepted(client, batch):
    with override_settings(
        DJANGO_OPENAI={"CLIENTS": {"default": {"API_KEY": "sk-0123456789"}}, "WEBHOOK_SECRETS": [NEW, OLD]}
    ):
        assert post(client, secret=OLD, msg_id="a").status_code == 200
        assert post(client, secret=NEW, msg_id="b").status_code == 200


def test_fine_tuning_event_and_per_alias_secret(client):
    job = FineTuningJob.objects.create(
        openai_id="ftjob-1", client_alias="azure", base_model="m", status="running"
    )
    config = {
        "CLIENTS": {
            "azure": {
                "PROVIDER": "azure",
                "API_KEY": "k",
                "AZURE_ENDPOINT": "https://x.openai.azure.com",
                "API_VERSION": "v1",
                "WEBHOOK_SECRET": NEW,
            }
        }
    }
    with override_settings(DJANGO_OPENAI=config):
        response = post(client, "fine_tuning.job.succeeded", "ftjob-1", secret=NEW, url=URL + "azure/")
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.next_poll_at is not None


def test_only_post(client):
    assert client.get(URL).status_code == 405
