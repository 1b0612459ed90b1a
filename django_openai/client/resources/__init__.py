"""The resources, laid out as ``openai.resources``: a module per resource, and a package for a
resource with resources of its own (``chat.completions``, ``fine_tuning.jobs.checkpoints``,
``vector_stores.files``...), named as in the official SDK. Each resource class serves both the
sync and the async client (see ``_resource``).

Nothing is imported here until asked for: ``client.batches`` loads ``resources/batches.py`` (and
its types) on first use, and ``from django_openai.client.resources import Batches`` works too.
"""

from __future__ import annotations

import importlib
from typing import Any

#: client attribute -> (module under ``resources``, class name)
RESOURCES: dict[str, tuple[str, str]] = {
    "chat": ("chat", "Chat"),
    "completions": ("completions", "Completions"),
    "embeddings": ("embeddings", "Embeddings"),
    "moderations": ("moderations", "Moderations"),
    "models": ("models", "Models"),
    "images": ("images", "Images"),
    "audio": ("audio", "Audio"),
    "responses": ("responses", "Responses"),
    "conversations": ("conversations", "Conversations"),
    "files": ("files", "Files"),
    "uploads": ("uploads", "Uploads"),
    "batches": ("batches", "Batches"),
    "fine_tuning": ("fine_tuning", "FineTuning"),
    "vector_stores": ("vector_stores", "VectorStores"),
    "webhooks": ("webhooks", "Webhooks"),
}

_CLASSES = {cls: module for module, cls in RESOURCES.values()}

__all__ = sorted(_CLASSES)


def load(attribute: str) -> Any:
    """The resource class behind ``client.<attribute>``."""
    module, cls = RESOURCES[attribute]
    return getattr(importlib.import_module(f"{__name__}.{module}"), cls)


def __getattr__(name: str) -> Any:
    module = _CLASSES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
