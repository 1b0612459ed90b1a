"""Function tools: Python callables a run offers to the model (docs/assistants.md, "Tools").

    import django_openai

    @django_openai.tool
    def get_weather(city: str, unit: Literal["C", "F"] = "C") -> str:
        '''The current weather in a city.'''
        return "18C"

The JSON schema comes from the type hints (or from a pydantic model, when the one argument is
one), in strict mode: every property required, no others allowed; an argument with a default
may be sent as ``null`` to mean "the default". An argument annotated :class:`ToolContext` is not
offered to the model: it receives the thread, the run and the user. Sync and async callables
both work. An assistant names its tools by their registered names.

This module imports no Django: a tool module can be imported anywhere, settings or not.
"""

from __future__ import annotations

import copy
import inspect
import json
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, overload

import pydantic

__all__ = [
    "FunctionTool",
    "ToolArgumentsError",
    "ToolContext",
    "ToolNotFound",
    "ToolOutputError",
    "get_tool",
    "registered_tools",
    "strict_schema",
    "tool",
    "unregister",
]


@dataclass(frozen=True)
class ToolContext:
    """What a tool may ask for with an argument of this type: where it is being called from."""

    thread: Any
    run: Any
    user: Any
    call_id: str = ""


class ToolNotFound(LookupError):
    """An assistant names a function tool that nobody registered."""


class ToolArgumentsError(ValueError):
    """The model's arguments are not JSON, or do not match the tool's schema."""


class ToolOutputError(TypeError):
    """A tool returned something that cannot be sent back to the model as JSON."""


_REGISTRY: dict[str, FunctionTool] = {}


class FunctionTool:
    """A registered callable: its name, description, strict JSON schema, and how to call it."""

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        name: str | None = None,
        description: str | None = None,
        timeout: float | None = None,
        strict: bool = True,
    ) -> None:
        self.function = function
        self.name = name or function.__name__
        self.description = description if description is not None else inspect.getdoc(function) or ""
        #: Seconds the tool may take before the model is told it timed out (None: the setting).
        self.timeout = timeout
        self.strict = strict
        self.is_async = inspect.iscoroutinefunction(function)
        self._context_parameter, self._model, self._whole_model = _arguments_model(function, self.name)
        schema = self._model.model_json_schema()
        self.parameters = strict_schema(schema) if strict else _inline_refs(schema)

    def __repr__(self) -> str:
        return f"<FunctionTool {self.name}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The decorated function stays callable as it was."""
        return self.function(*args, **kwargs)

    def definition(self, api: str = "responses") -> dict[str, Any]:
        """The tool as a request offers it: flat for the Responses API, nested for chat."""
        function = {"name": self.name, "description": self.description, "parameters": self.parameters}
        if api == "chat":
            return {"type": "function", "function": {**function, "strict": self.strict}}
        return {"type": "function", **function, "strict": self.strict}

    @property
    def takes_context(self) -> bool:
        """Whether the function has a ``ToolContext`` argument."""
        return bool(self._context_parameter)

    def arguments(self, raw: str, context: ToolContext | None = None) -> dict[str, Any]:
        """The keyword arguments for a call, from the model's JSON (raises ToolArgumentsError)."""
        try:
            decoded = json.loads(raw or "{}")
        except ValueError as exc:
            raise ToolArgumentsError(f"the arguments are not JSON ({exc})") from None
        if not isinstance(decoded, dict):
            raise ToolArgumentsError("the arguments must be a JSON object")
        # null stands for "the default" (strict mode cannot leave an argument out).
        decoded = {k: v for k, v in decoded.items() if not (v is None and k in self._defaults)}
        try:
            validated = self._model.model_validate(decoded)
        except pydantic.ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in error['loc']) or 'arguments'}: {error['msg']}"
                for error in exc.errors()
            )
            raise ToolArgumentsError(f"invalid arguments: {problems}") from None
        if self._whole_model is not None:
            kwargs: dict[str, Any] = {self._whole_model: validated}
        else:
            kwargs = {name: getattr(validated, name) for name in type(validated).model_fields}
        if self._context_parameter:
            kwargs[self._context_parameter] = context
        return kwargs

    @property
    def _defaults(self) -> set[str]:
        return {name for name, f in self._model.model_fields.items() if not f.is_required()}

    def call(self, raw_arguments: str, context: ToolContext | None = None) -> str:
        """Call a sync tool; its result as the text sent back to the model."""
        return output_text(self.function(**self.arguments(raw_arguments, context)))

    async def acall(self, raw_arguments: str, context: ToolContext | None = None) -> str:
        result = self.function(**self.arguments(raw_arguments, context))
        if inspect.isawaitable(result):
            result = await result
        return output_text(result)


def output_text(value: Any) -> str:
    """A tool's result as the model reads it: text as it is, anything else as JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value)
    except (TypeError, ValueError) as exc:
        raise ToolOutputError(
            f"the tool returned a {type(value).__name__}, which is not JSON-serialisable ({exc})"
        ) from None


def _arguments_model(
    function: Callable[..., Any], name: str
) -> tuple[str, type[pydantic.BaseModel], str | None]:
    """(the ToolContext parameter, the arguments' model, the parameter that takes it whole)."""
    hints = typing.get_type_hints(function)
    signature = inspect.signature(function)
    context = ""
    fields: dict[str, Any] = {}
    for parameter in signature.parameters.values():
        if parameter.kind in (parameter.VAR_POSITIONAL, parameter.VAR_KEYWORD):
            raise TypeError(f"tool {name!r}: *args and **kwargs cannot be described to the model")
        annotation = hints.get(parameter.name, Any)
        if annotation is ToolContext:
            context = parameter.name
            continue
        default = ... if parameter.default is inspect.Parameter.empty else parameter.default
        fields[parameter.name] = (annotation, default)
    if len(fields) == 1:
        (only, (annotation, _)), *_ = fields.items()
        if inspect.isclass(annotation) and issubclass(annotation, pydantic.BaseModel):
            return context, annotation, only
    model = pydantic.create_model(f"{name}_arguments", **fields)
    return context, model, None


def strict_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """A JSON schema as OpenAI's strict mode takes it.

    Every object lists all its properties as required and allows no others; a property that had
    a default becomes nullable instead (null meaning "the default"); ``$ref`` is inlined where the
    schema is not recursive; titles and defaults, which strict mode does not take, are left out.
    """
    return _strict(_inline_refs(schema))


def _inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    definitions = schema.get("$defs") or {}

    def resolve(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [resolve(item, seen) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            key = ref.rpartition("/")[2]
            if key in seen or key not in definitions:
                return node  # recursive: kept as a reference
            return resolve(
                {**definitions[key], **{k: v for k, v in node.items() if k != "$ref"}}, (*seen, key)
            )
        return {k: resolve(v, seen) for k, v in node.items() if k != "$defs"}

    resolved = resolve(copy.deepcopy(schema), ())
    if any("$ref" in json.dumps(v) for v in definitions.values()) or "$ref" in json.dumps(resolved):
        resolved["$defs"] = definitions  # recursive models keep their definitions
    return resolved


def _strict(node: Any) -> Any:
    if isinstance(node, list):
        return [_strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {k: _strict(v) for k, v in node.items() if k not in ("title", "default")}
    properties = node.get("properties")
    if node.get("type") == "object" or isinstance(properties, dict):
        required = set(node.get("required") or ())
        properties = properties or {}
        for key, sub in list(properties.items()):
            if key not in required:
                properties[key] = _nullable(sub)
        node["properties"] = properties
        node["required"] = list(properties)
        node["additionalProperties"] = False
    return node


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    options = schema.get("anyOf")
    if isinstance(options, list):
        if any(option.get("type") == "null" for option in options if isinstance(option, dict)):
            return schema
        return {**schema, "anyOf": [*options, {"type": "null"}]}
    return {"anyOf": [schema, {"type": "null"}]}


@overload
def tool(function: Callable[..., Any], /) -> FunctionTool: ...
@overload
def tool(
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    strict: bool = True,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...
def tool(
    function: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    timeout: float | None = None,
    strict: bool = True,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Register a function tool: ``@tool`` or ``@tool(name=..., description=..., timeout=...)``.

    A name registered again replaces the earlier tool (a module reloaded in development).
    """

    def register(function: Callable[..., Any]) -> FunctionTool:
        made = FunctionTool(function, name=name, description=description, timeout=timeout, strict=strict)
        _REGISTRY[made.name] = made
        return made

    return register(function) if function is not None else register


def get_tool(name: str) -> FunctionTool:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise ToolNotFound(
            f"No function tool is registered as {name!r} (registered: {known}). Decorate the function "
            "with @django_openai.tool in a module that is imported at start-up (an app's ready())."
        ) from None


def registered_tools() -> dict[str, FunctionTool]:
    return dict(_REGISTRY)


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)
