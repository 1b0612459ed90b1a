"""Response types, loaded on first use so that importing the client stays cheap."""

from __future__ import annotations

import importlib
from typing import Any

_MODULES = ("chat", "misc", "files", "responses", "webhooks", "_base")


def __getattr__(name: str) -> Any:
    for module_name in _MODULES:
        module = importlib.import_module(f"{__name__}.{module_name}")
        if hasattr(module, name):
            return getattr(module, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
