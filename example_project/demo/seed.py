"""The demo's data: an administrator and two assistants. Seeding again reuses what exists."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model

from django_openai.models import Assistant


@dataclass(frozen=True)
class Seeded:
    created: list[str]
    kept: list[str]


ASSISTANTS = [
    {
        "slug": "helper",
        "name": "Helper",
        "instructions": "You are a concise, friendly assistant. Answer in Markdown when it helps.",
        "tools": [],
    },
    {
        "slug": "weather-desk",
        "name": "Weather desk",
        "instructions": (
            "You answer questions about the weather and the time in Paris, Lisbon, Tokyo and New York. "
            "Call the weather and local_time tools rather than guessing."
        ),
        "tools": ["weather", "local_time"],
    },
]


def seed(model: str, admin_username: str = "admin", admin_password: str = "admin") -> Seeded:
    """Create what is missing; an assistant whose model differs (DEMO_MODEL changed) gets the new one."""
    created: list[str] = []
    kept: list[str] = []
    users = get_user_model()
    if users.objects.filter(username=admin_username).exists():
        kept.append(f"user {admin_username}")
    else:
        users.objects.create_superuser(admin_username, f"{admin_username}@example.com", admin_password)
        created.append(f"user {admin_username}")
    for spec in ASSISTANTS:
        assistant = Assistant.objects.filter(slug=spec["slug"]).first()
        if assistant is None:
            Assistant.objects.create(model=model, **spec)
            created.append(f"assistant {spec['name']}")
            continue
        if assistant.model != model:
            assistant.model = model
            assistant.save()  # a new version: earlier runs keep the model they ran with
        kept.append(f"assistant {assistant.name}")
    return Seeded(created, kept)
