"""The official OpenAPI spec (``../shared/openapi/openapi.validation.json``) as a test oracle.

``SPEC.operation(method, path)`` finds the operation a concrete request hits;
``SPEC.validate_request(...)`` checks a request's query names and body against it;
``SPEC.validate_response(...)`` checks a response body against the operation's 200 schema.
"""

from __future__ import annotations

import functools
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC_PATH = Path(
    os.environ.get("OPENAI_OPENAPI_SPEC", ROOT.parent / "shared" / "openapi" / "openapi.validation.json")
)
METHODS = ("get", "post", "put", "patch", "delete")


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    node: dict[str, Any]

    @property
    def key(self) -> str:
        return f"{self.method.upper()} {self.template}"

    def pointer(self) -> str:
        escaped = self.template.replace("~", "~0").replace("/", "~1")
        return f"#/paths/{escaped}/{self.method}"


class Spec:
    def __init__(self, document: dict[str, Any]) -> None:
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT202012

        self.document = document
        self.registry = Registry().with_resource(
            "urn:openapi", Resource.from_contents(document, default_specification=DRAFT202012)
        )
        self.operations: list[Operation] = []
        for template, item in document["paths"].items():
            for method in METHODS:
                if method in item:
                    self.operations.append(Operation(method, template, item[method]))
        # Literal segments win over parameters: /responses/input_tokens before /responses/{id}.
        self._matchers = sorted(
            (
                (op, re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(op.template)) + "$"))
                for op in self.operations
                if "?" not in op.template
            ),
            key=lambda pair: pair[0].template.count("{"),
        )

    def operation(self, method: str, path: str) -> Operation | None:
        for op, pattern in self._matchers:
            if op.method == method.lower() and pattern.match(path):
                return op
        return None

    def _validator(self, pointer: str) -> Any:
        from jsonschema import Draft202012Validator

        return Draft202012Validator({"$ref": f"urn:openapi{pointer}"}, registry=self.registry)

    def _resolve(self, node: dict[str, Any]) -> dict[str, Any]:
        while "$ref" in node:
            ref = node["$ref"].removeprefix("#/")
            node = functools.reduce(
                lambda n, part: n[part.replace("~1", "/").replace("~0", "~")], ref.split("/"), self.document
            )
        return node

    def validate_request(
        self, method: str, path: str, query: dict[str, str], content_type: str, body: Any
    ) -> Operation:
        op = self.operation(method, path)
        assert op is not None, f"{method} {path} is not an operation of the OpenAPI spec"
        declared = {
            p.get("name")
            for p in (self._resolve(p) for p in op.node.get("parameters", []))
            if p.get("in") == "query"
        }
        unknown = set(query) - declared
        assert not unknown, f"{op.key}: query parameters {sorted(unknown)} are not in the spec"
        request_body = op.node.get("requestBody")
        if body is None:
            assert not (request_body or {}).get("required"), f"{op.key} requires a body"
            return op
        assert request_body, f"{op.key} takes no body"
        media = "multipart/form-data" if content_type.startswith("multipart/") else "application/json"
        assert media in request_body["content"], f"{op.key} does not accept {media}"
        pointer = op.pointer() + "/requestBody/content/" + media.replace("/", "~1") + "/schema"
        if media == "application/json":
            errors = sorted(self._validator(pointer).iter_errors(body), key=str)
            assert not errors, f"{op.key}: " + "; ".join(
                f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5]
            )
        else:
            schema = self._resolve(request_body["content"][media]["schema"])
            properties = set(schema.get("properties", {}))
            sent = {name.removesuffix("[]") for name in body}
            assert sent <= properties, (
                f"{op.key}: form fields {sorted(sent - properties)} are not in the spec"
            )
            missing = set(schema.get("required", [])) - sent
            assert not missing, f"{op.key}: required form fields {sorted(missing)} are missing"
        return op

    def validate_response(self, method: str, path: str, body: Any, status: int = 200) -> None:
        op = self.operation(method, path)
        assert op is not None, f"{method} {path} is not an operation of the OpenAPI spec"
        content = op.node["responses"][str(status)].get("content", {})
        assert "application/json" in content, f"{op.key} has no JSON response"
        pointer = op.pointer() + f"/responses/{status}/content/application~1json/schema"
        errors = sorted(self._validator(pointer).iter_errors(body), key=str)
        assert not errors, f"{op.key} response: " + "; ".join(
            f"{list(e.absolute_path)}: {e.message[:300]}" for e in errors[:5]
        )


@functools.cache
def load_spec() -> Spec:
    return Spec(json.loads(SPEC_PATH.read_text()))


@pytest.fixture(scope="session")
def spec() -> Spec:
    if not SPEC_PATH.exists():
        pytest.skip(f"the OpenAPI spec is not at {SPEC_PATH} (set OPENAI_OPENAPI_SPEC)")
    return load_spec()
