"""Moving off the Assistants API: exported Assistant objects become Assistant rows
(docs/importing-assistants.md; ``manage.py openai_import_assistants``).

An export is what the Assistants API returned: a list of Assistant objects, a list page
(``{"object": "list", "data": [...]}``), or JSON Lines of either. Each object maps onto an
:class:`~django_openai.models.Assistant`, found again by its ``legacy_id`` when it is imported a
second time. Every record is checked before anything is written: a record of the wrong shape is
an error naming it, and nothing is imported; what maps only in part (a tool type the Responses
API has no place for, a function tool nobody registered) is a warning, and the rest is imported.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils.text import slugify

from ..models import Assistant
from ..tools import registered_tools
from .assistants import json_schema_format

__all__ = ["ImportFailed", "ImportResult", "assistant_fields", "import_assistants", "read_export"]

#: The fields an import sets (on a new row, and again on each import of the same object).
IMPORTED_FIELDS = (
    "name",
    "model",
    "instructions",
    "tools",
    "tool_resources",
    "response_format",
    "temperature",
    "top_p",
    "reasoning_effort",
    "metadata",
)
_NAME_LENGTH = Assistant._meta.get_field("name").max_length or 200
_SLUG_LENGTH = Assistant._meta.get_field("slug").max_length or 100
#: The rankers of the Responses API's file search (the Assistants API had others).
_RANKERS = ("auto", "default-2024-11-15")


class ImportFailed(ValueError):
    """The export cannot be imported as it is; ``problems`` names each record that is wrong."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class ImportResult:
    """What became of one exported assistant."""

    legacy_id: str
    name: str
    #: "created", "updated" or "unchanged" (in a dry run: what would be done).
    action: str
    slug: str
    warnings: list[str] = field(default_factory=list)
    #: The row (unsaved in a dry run).
    assistant: Assistant | None = None


# -- reading an export ---------------------------------------------------------------------------


def read_export(text: str) -> list[tuple[str, Any]]:
    """The records of an export, each with where it was (``record 3``, ``line 7``)."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        lines = [(n, line) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]
        if not lines or not _parses_alone(lines[0][1]):
            raise ImportFailed([f"The file is not JSON: {exc}."]) from None
        return _json_lines(lines)
    return _records(document, "")


def _parses_alone(line: str) -> bool:
    try:
        return isinstance(json.loads(line), dict)
    except ValueError:
        return False


class _Unreadable(str):
    """A line of JSON Lines that holds no records: reported with the records' problems."""


def _json_lines(lines: list[tuple[int, str]]) -> list[tuple[str, Any]]:
    records: list[tuple[str, Any]] = []
    for number, line in lines:
        try:
            records.extend(_records(json.loads(line), f"line {number}"))
        except ValueError as exc:
            records.append((f"line {number}", _Unreadable(f"line {number} is not JSON ({exc}).")))
        except ImportFailed as failed:
            records.extend((f"line {number}", _Unreadable(problem)) for problem in failed.problems)
    return records


def _records(document: Any, where: str) -> list[tuple[str, Any]]:
    """A list of assistants, a list page, or one assistant: its records, labelled."""
    prefix = f"{where}, " if where else ""
    if isinstance(document, dict) and isinstance(document.get("data"), list):
        document = document["data"]
    elif isinstance(document, dict) and "id" in document:
        return [(where or "record 1", document)]
    if not isinstance(document, list):
        raise ImportFailed(
            [
                f"{where or 'The file'} holds a JSON {_json_type(document)}: expected a list of assistants, "
                'a list page ({"object": "list", "data": [...]}), or JSON Lines of them.'
            ]
        )
    return [(f"{prefix}record {n}", record) for n, record in enumerate(document, start=1)]


def _json_type(value: Any) -> str:
    names = {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}
    return names.get(type(value), "number")


# -- one record ----------------------------------------------------------------------------------


class _RecordError(ValueError):
    pass


def assistant_fields(record: Any) -> tuple[dict[str, Any], list[str]]:
    """The Assistant fields for one exported object, and the warnings about what did not map.

    Raises ValueError (its message says what is wrong) for a record of the wrong shape.
    """
    if not isinstance(record, dict):
        raise _RecordError(f"is a JSON {_json_type(record)}, not an assistant object")
    legacy_id = record.get("id")
    if not isinstance(legacy_id, str) or not legacy_id.strip():
        raise _RecordError("has no 'id' (the asst_... id of the exported assistant)")
    kind = record.get("object", "assistant")
    if kind != "assistant":
        raise _RecordError(f"is a {kind!r} object, not an assistant")
    warnings: list[str] = []
    model = record.get("model")
    if not isinstance(model, str) or not model.strip():
        raise _RecordError("has no 'model'")
    name = _optional(record, "name", str) or legacy_id
    if len(name) > _NAME_LENGTH:
        warnings.append(f"its name was cut to {_NAME_LENGTH} characters")
        name = name[:_NAME_LENGTH]
    metadata = dict(_optional(record, "metadata", dict) or {})
    description = _optional(record, "description", str)
    if description and "description" not in metadata:
        metadata["description"] = description  # the model has no field of its own for it
    resources = _optional(record, "tool_resources", dict) or {}
    vector_stores = _ids(resources, "file_search", "vector_store_ids")
    tools = _tools(_optional(record, "tools", list) or [], resources, warnings)
    return {
        "legacy_id": legacy_id,
        "name": name,
        "model": model,
        "instructions": _optional(record, "instructions", str) or "",
        "tools": tools,
        "tool_resources": {"file_search": {"vector_store_ids": vector_stores}} if vector_stores else {},
        "response_format": _response_format(record.get("response_format"), warnings),
        "temperature": _number(record, "temperature"),
        "top_p": _number(record, "top_p"),
        "reasoning_effort": _optional(record, "reasoning_effort", str) or "",
        "metadata": metadata,
    }, warnings


def _optional(record: dict[str, Any], key: str, kind: type) -> Any:
    value = record.get(key)
    if value is not None and not isinstance(value, kind):
        raise _RecordError(f"has a {key!r} that is a JSON {_json_type(value)}, not a {_json_type(kind())}")
    return value


def _number(record: dict[str, Any], key: str) -> float | None:
    value = record.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _RecordError(f"has a {key!r} that is not a number")
    return float(value)


def _ids(resources: dict[str, Any], tool: str, key: str) -> list[str]:
    section = resources.get(tool) or {}
    ids = section.get(key) if isinstance(section, dict) else None
    if ids is None:
        return []
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
        raise _RecordError(f"has tool_resources.{tool}.{key} that is not a list of ids")
    return list(ids)


def _tools(tools: list[Any], resources: dict[str, Any], warnings: list[str]) -> list[Any]:
    """The Assistants API's tools as an Assistant names them (docs/importing-assistants.md)."""
    registered = registered_tools()
    mapped: list[Any] = []
    for n, tool in enumerate(tools, start=1):
        kind = tool.get("type") if isinstance(tool, dict) else None
        if not isinstance(kind, str):
            raise _RecordError(f"has a tool (number {n}) that is not an object with a 'type'")
        if kind == "function":
            function = tool.get("function")
            name = function.get("name") if isinstance(function, dict) else None
            if not isinstance(name, str) or not name:
                raise _RecordError(f"has a function tool (number {n}) without a name")
            if name not in registered:
                warnings.append(
                    f"function tool {name!r} is not registered: decorate a function with "
                    "@django_openai.tool before the assistant runs"
                )
            mapped.append(name)
        elif kind == "code_interpreter":
            container: dict[str, Any] = {"type": "auto"}
            file_ids = _ids(resources, "code_interpreter", "file_ids")
            if file_ids:
                container["file_ids"] = file_ids
            mapped.append({"type": "code_interpreter", "container": container})
        elif kind == "file_search":
            if not _ids(resources, "file_search", "vector_store_ids"):
                warnings.append(
                    "file_search was left out: the assistant has no vector store (the Responses API "
                    "needs one; in the Assistants API it may have been the thread's)"
                )
                continue
            mapped.append(_file_search(tool, warnings))
        else:
            hint = " (the Assistants API v1 tool: put its files in a vector store and use file_search)"
            warnings.append(f"tool type {kind!r} was left out{hint if kind == 'retrieval' else ''}")
    return mapped


def _file_search(tool: dict[str, Any], warnings: list[str]) -> dict[str, Any]:
    mapped: dict[str, Any] = {"type": "file_search"}
    given = tool.get("file_search")
    options: dict[str, Any] = given if isinstance(given, dict) else {}
    if isinstance(options.get("max_num_results"), int):
        mapped["max_num_results"] = options["max_num_results"]
    ranking = options.get("ranking_options")
    if isinstance(ranking, dict):
        kept = {k: ranking[k] for k in ("score_threshold",) if isinstance(ranking.get(k), int | float)}
        ranker = ranking.get("ranker")
        if ranker in _RANKERS:
            kept["ranker"] = ranker
        elif ranker is not None:
            warnings.append(f"file_search ranker {ranker!r} has no Responses equivalent: 'auto' is used")
        if kept:
            mapped["ranking_options"] = kept
    return mapped


def _response_format(value: Any, warnings: list[str]) -> dict[str, Any] | None:
    if value in (None, "auto") or (isinstance(value, dict) and value.get("type") == "text"):
        return None
    if isinstance(value, dict) and value.get("type") == "json_object":
        warnings.append(
            "response_format json_object (JSON mode) was left out: give the assistant a JSON schema"
        )
        return None
    if isinstance(value, dict) and value.get("type") == "json_schema":
        schema = value.get("json_schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("schema"), dict):
            raise _RecordError("has a json_schema response_format without a 'schema' object")
        try:
            return json_schema_format(dict(schema))
        except ValidationError as exc:
            problem = " ".join(exc.messages)
            raise _RecordError(f"has a response_format that cannot be used: {problem}") from None
    raise _RecordError(
        f"has a response_format {value!r} that is none of auto, text, json_object, json_schema"
    )


# -- importing -----------------------------------------------------------------------------------


def import_assistants(
    records: Iterable[tuple[str, Any]],
    *,
    client_alias: str | None = None,
    owner: Any = None,
    dry_run: bool = False,
) -> list[ImportResult]:
    """Create or update an Assistant for each record (from :func:`read_export`), in one transaction.

    A new assistant gets ``client_alias`` (else "default") and ``owner``; one imported before
    keeps its slug, and its client and owner unless they are given. Raises :class:`ImportFailed`
    naming every bad record, before anything is written. ``dry_run``: nothing is written; the
    results say what would be done.
    """
    mapped = _check(list(records))
    results: list[ImportResult] = []
    with transaction.atomic():
        ids = [fields["legacy_id"] for fields, _ in mapped]
        existing = {a.legacy_id: a for a in Assistant.objects.select_for_update().filter(legacy_id__in=ids)}
        taken: set[str] = set()
        for fields, warnings in mapped:
            assistant = existing.get(fields["legacy_id"])
            if assistant is None:
                assistant = Assistant(
                    slug=_free_slug(fields["name"], fields["legacy_id"], taken),
                    client_alias=client_alias or "default",
                    owner=owner,
                )
                action = "created"
            else:
                action = "updated" if _differs(assistant, fields, client_alias, owner) else "unchanged"
                assistant.client_alias = client_alias or assistant.client_alias
                assistant.owner = owner if owner is not None else assistant.owner
            for name, value in fields.items():
                setattr(assistant, name, value)
            if not dry_run and action != "unchanged":
                assistant.save()
            taken.add(assistant.slug)
            results.append(
                ImportResult(fields["legacy_id"], assistant.name, action, assistant.slug, warnings, assistant)
            )
    return results


def _check(records: list[tuple[str, Any]]) -> list[tuple[dict[str, Any], list[str]]]:
    problems: list[str] = []
    mapped: list[tuple[dict[str, Any], list[str]]] = []
    seen: dict[str, str] = {}
    for where, record in records:
        if isinstance(record, _Unreadable):
            problems.append(record)
            continue
        legacy_id = record.get("id") if isinstance(record, dict) else None
        label = where + (f" ({legacy_id})" if isinstance(legacy_id, str) else "")
        try:
            fields, warnings = assistant_fields(record)
        except _RecordError as exc:
            problems.append(f"{label} {exc}.")
            continue
        if fields["legacy_id"] in seen:
            problems.append(f"{label} repeats the id of {seen[fields['legacy_id']]}.")
            continue
        seen[fields["legacy_id"]] = where
        mapped.append((fields, warnings))
    if problems:
        raise ImportFailed(problems)
    if not mapped:
        raise ImportFailed(["The file holds no assistants."])
    return mapped


def _stored(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def _differs(assistant: Assistant, fields: dict[str, Any], client_alias: str | None, owner: Any) -> bool:
    if client_alias and client_alias != assistant.client_alias:
        return True
    if owner is not None and owner.pk != assistant.owner_id:
        return True
    return any(_stored(getattr(assistant, name)) != _stored(fields[name]) for name in IMPORTED_FIELDS)


def _free_slug(name: str, legacy_id: str, taken: set[str]) -> str:
    base = (slugify(name) or slugify(legacy_id) or "assistant")[:_SLUG_LENGTH]
    used = taken | set(
        Assistant.objects.filter(slug__startswith=base[: _SLUG_LENGTH - 4]).values_list("slug", flat=True)
    )
    slug, n = base, 1
    while slug in used:
        n += 1
        suffix = f"-{n}"
        slug = base[: _SLUG_LENGTH - len(suffix)] + suffix
    return slug
