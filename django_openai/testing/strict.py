"""Strict mode: check every request against the OpenAPI spec, answering 400 as OpenAI would.

Needs ``jsonschema`` and the spec's validation document (``openapi.validation.json``).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from .wire import FakeError, FakeRequest


class SpecValidator:
    def __init__(self, path: Path) -> None:
        from jsonschema import Draft202012Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = json.loads(path.read_text())
        registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(self.document, default_specification=DRAFT202012)
        )
        self._validator_cls = Draft202012Validator
        self._registry = registry
        self._cache: dict[str, Any] = {}
        self._routes = []
        for template, item in self.document["paths"].items():
            if "?" in template:
                continue
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")
            self._routes.append((template.count("{"), template, pattern, item))
        self._routes.sort(key=lambda r: r[0])

    def _operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for _, template, pattern, item in self._routes:
            if method.lower() in item and pattern.match(path):
                return template, item[method.lower()]
        return None

    def check(self, request: FakeRequest, path: str) -> None:
        found = self._operation(request.method, path)
        if found is None:
            return  # the router answers unknown URLs itself
        template, operation = found
        content = (operation.get("requestBody") or {}).get("content") or {}
        if "application/json" not in content or not request.body:
            return
        pointer = "#/paths/" + template.replace("~", "~0").replace("/", "~1") + f"/{request.method.lower()}"
        pointer += "/requestBody/content/application~1json/schema"
        validator = self._cache.get(pointer)
        if validator is None:
            validator = self._cache[pointer] = self._validator_cls(
                {"$ref": "urn:openapi" + pointer}, registry=self._registry
            )
        error = next(
            iter(sorted(validator.iter_errors(request.json()), key=lambda e: len(list(e.absolute_path)))),
            None,
        )
        if error is not None:
            param = ".".join(str(p) for p in error.absolute_path) or None
            if error.validator == "required":
                missing = re.search(r"'([^']+)' is a required property", error.message)
                param = ".".join(filter(None, [param, missing.group(1) if missing else None]))
                raise FakeError(
                    400,
                    f"Missing required parameter: '{param}'.",
                    param=param,
                    code="missing_required_parameter",
                )
            raise FakeError(
                400, f"Invalid value for '{param}': {error.message[:300]}", param=param, code="invalid_value"
            )
