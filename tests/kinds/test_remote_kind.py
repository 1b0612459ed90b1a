"""A kind declared once: the sweeper, the webhook view and openai_sync pick up a project's own mirror."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import models
from django.test.utils import isolate_apps
from django.utils import timezone

from django_openai import tasks
from django_openai.models import Batch, File, FineTuningJob, RemoteObject, Run
from django_openai.models.base import kind_of, model_for_event, remote_kinds, synced_models

from ..webhooks.conftest import secrets  # noqa: F401 - the fixture signs with the test secret
from ..webhooks.signing import post
from . import hooks
from .models import VectorStore, vector_store_expired, vector_store_ready

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def announced():
    received = []

    def ready(sender, instance, **kwargs):
        received.append(("ready", instance.openai_id))

    def expired(sender, instance, **kwargs):
        received.append(("expired", instance.openai_id))

    vector_store_ready.connect(ready)
    vector_store_expired.connect(expired)
    hooks.polled.clear()
    yield received
    vector_store_ready.disconnect(ready)
    vector_store_expired.disconnect(expired)


def make_due(row):
    type(row).objects.filter(pk=row.pk).update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))


def test_the_registry_holds_the_package_kinds_and_the_project_kind():
    assert list(remote_kinds()) == [File, Batch, FineTuningJob, Run, VectorStore]
    assert list(synced_models()) == ["files", "batches", "fine_tuning", "vector_stores"]
    assert model_for_event("vector_store.completed") is VectorStore
    assert model_for_event("batch.expired") is Batch
    assert model_for_event("fine_tuning.job.succeeded") is FineTuningJob
    assert model_for_event("eval.run.succeeded") is None


def test_the_sweeper_polls_the_kind_to_its_end(use_openai_fake, announced):
    fake = use_openai_fake()
    remote = fake.client().vector_stores.create(name="handbook")
    fake.fake.vector_stores[remote.id]["status"] = "in_progress"
    store = VectorStore.objects.create(openai_id=remote.id, next_poll_at=timezone.now())

    assert tasks.sweep() == 1
    store.refresh_from_db()
    assert (store.status, store.name) == ("in_progress", "handbook")
    assert store.next_poll_at > timezone.now(), "polled again later"
    assert announced == []

    fake.fake.vector_stores[remote.id]["status"] = "completed"
    make_due(store)
    assert tasks.sweep() == 1
    store.refresh_from_db()
    assert store.status == "completed" and store.next_poll_at is None
    assert announced == [("ready", remote.id)]
    assert hooks.polled == [(remote.id, "in_progress"), (remote.id, "completed")]
    assert tasks.sweep() == 0, "a terminal row is not polled again"

    fake.fake.vector_stores[remote.id]["status"] = "in_progress"  # a stale answer
    make_due(store)
    tasks.sweep()
    store.refresh_from_db()
    assert store.status == "completed", "its status ranks keep it from going back"


def test_the_webhook_view_marks_the_kind_due(client):
    store = VectorStore.objects.create(
        openai_id="vs_1", status="in_progress", next_poll_at=timezone.now() + dt.timedelta(hours=1)
    )
    response = post(client, "vector_store.completed", "vs_1")
    assert response.status_code == 200
    store.refresh_from_db()
    assert store.next_poll_at <= timezone.now()
    from django_openai.models import WebhookDelivery

    assert WebhookDelivery.objects.get().matched == f"kinds.VectorStore:{store.pk}"


def test_openai_sync_imports_the_kind(use_openai_fake):
    fake = use_openai_fake()
    client = fake.client()
    done = client.vector_stores.create(name="done")
    busy = client.vector_stores.create(name="busy")
    fake.fake.vector_stores[busy.id]["status"] = "in_progress"
    out = StringIO()
    call_command("openai_sync", "vector_stores", stdout=out)
    assert out.getvalue() == "vector_stores: 2 imported or updated\n"
    rows = {row.openai_id: row for row in VectorStore.objects.all()}
    assert rows[done.id].status == "completed" and rows[done.id].next_poll_at is None
    assert rows[busy.id].status == "in_progress" and rows[busy.id].next_poll_at is not None
    assert rows[busy.id].name == "busy"


def test_openai_sync_names_the_kinds_it_knows():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="choose from files, batches, fine_tuning, vector_stores"):
        call_command("openai_sync", "vector_store")


@isolate_apps("tests.kinds")
def test_a_mirror_without_a_kind_is_refused_with_a_clear_message():
    class Bare(RemoteObject):
        extra = models.CharField(max_length=1)

        class Meta(RemoteObject.Meta):
            app_label = "kinds"
            constraints = RemoteObject.Meta.constraints

    with pytest.raises(ImproperlyConfigured, match=r"kinds\.Bare is a RemoteObject without a remote_kind"):
        kind_of(Bare)
    assert kind_of(VectorStore) is VectorStore.remote_kind
