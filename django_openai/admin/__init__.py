"""Admin screens: what is mirrored, its status and progress (read-mostly; the API is the truth).

One module per kind, after dj-stripe's admin; the intermediate pages actions lead to are in
``views.py`` (docs/architecture.md, "Admin"). A mirror with no module of its own gets
:class:`~.base.RemoteObjectAdmin`.
"""

from django.contrib import admin

from . import assistants, batches, files, fine_tuning, gateway, threads, usage, webhooks
from .base import REMOTE_READONLY, RemoteObjectAdmin, register_remaining_kinds

__all__ = [
    "REMOTE_READONLY",
    "RemoteObjectAdmin",
    "assistants",
    "batches",
    "files",
    "fine_tuning",
    "gateway",
    "threads",
    "usage",
    "webhooks",
]

register_remaining_kinds(admin.site, "django_openai")
