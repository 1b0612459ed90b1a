"""An agents conversation is a thread in the admin, found by its session id."""

from __future__ import annotations

import pytest
from asgiref.sync import async_to_sync
from django.urls import reverse

from django_openai.agents import DjangoSession
from django_openai.models import Assistant

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_agents_conversation_is_a_thread_in_the_admin(admin_client):
    session = DjangoSession("ticket-4711")
    async_to_sync(session.add_items)(
        [
            {"role": "user", "content": "Where is my parcel?"},
            {
                "type": "message",
                "role": "assistant",
                "content": [{"type": "output_text", "text": "It left the depot today.", "annotations": []}],
            },
        ]
    )
    thread = async_to_sync(session.get_thread)()
    found = admin_client.get(reverse("admin:django_openai_thread_changelist"), {"q": "ticket-4711"})
    assert found.status_code == 200 and "Where is my parcel?" in found.content.decode()
    missed = admin_client.get(reverse("admin:django_openai_thread_changelist"), {"q": "ticket-9"})
    assert "Where is my parcel?" not in missed.content.decode()
    items = admin_client.get(
        reverse("admin:django_openai_threaditem_changelist"), {"thread__id__exact": thread.pk}
    ).content.decode()
    assert "It left the depot today." in items


def test_an_imported_assistant_is_found_by_its_legacy_id(admin_client):
    Assistant.objects.create(name="Math Tutor", slug="math-tutor", model="gpt-4o", legacy_id="asst_abc123")
    Assistant.objects.create(name="Other", slug="other", model="gpt-4o")
    page = admin_client.get(reverse("admin:django_openai_assistant_changelist"), {"q": "asst_abc123"})
    content = page.content.decode()
    assert "Math Tutor" in content and "Other" not in content
