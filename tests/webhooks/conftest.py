from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import timezone

from django_openai.models import Batch

from .signing import OLD


@pytest.fixture(autouse=True)
def secrets():
    with override_settings(
        DJANGO_OPENAI={"CLIENTS": {"default": {"API_KEY": "sk-0123456789"}}, "WEBHOOK_SECRETS": [OLD]}
    ):
        yield


@pytest.fixture
def batch():
    return Batch.objects.create(
        openai_id="batch_1",
        endpoint="/v1/chat/completions",
        status="in_progress",
        next_poll_at=timezone.now() + timezone.timedelta(minutes=10),
    )
