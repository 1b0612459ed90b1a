"""The shape of ``django_openai.client``: imports point one way, Django stays out, and the layout
mirrors the official SDK's so that its paths lead to ours."""

from __future__ import annotations

import ast
from pathlib import Path

import django_openai.client

PACKAGE = "django_openai.client"
ROOT = Path(django_openai.client.__file__).parent


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join([PACKAGE, *parts])


MODULES = {module_name(path): path for path in ROOT.rglob("*.py")}


def resolve(importer: str, node: ast.ImportFrom | ast.Import) -> list[str]:
    """The modules an import statement loads: ``from .x import y`` is ``.x.y`` when that is a
    module, else ``.x``."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    package = importer if MODULES[importer].name == "__init__.py" else importer.rpartition(".")[0]
    if node.level:
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = f"{package}.{node.module}" if node.module else package
    else:
        base = node.module or ""
    targets = []
    for alias in node.names:
        candidate = f"{base}.{alias.name}"
        targets.append(candidate if candidate in MODULES else base)
    return targets


def imports() -> dict[str, set[str]]:
    """Every import of every module, at any depth: in functions and TYPE_CHECKING blocks too."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text())
        graph[name] = {
            target
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom)
            for target in resolve(name, node)
        }
    return graph


def test_no_import_cycles_inside_the_client():
    graph = {name: {t for t in targets if t in MODULES} for name, targets in imports().items()}
    # A package's __init__ may gather its own modules; a module importing its package's
    # __init__ is the only way back up, and is counted.
    cycles: list[list[str]] = []
    state: dict[str, int] = {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = 1
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                cycles.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert not cycles, "import cycles: " + "; ".join(" -> ".join(c) for c in cycles)


def test_the_client_imports_nothing_of_django_nor_of_the_rest_of_the_package():
    offending = {
        (name, target)
        for name, targets in imports().items()
        for target in targets
        if target == "django"
        or target.startswith("django.")
        or (target.startswith("django_openai") and not target.startswith(PACKAGE))
    }
    assert not offending


def test_every_response_type_is_reexported_by_name_from_its_area_module():
    import importlib
    import inspect

    from django_openai.client import types
    from django_openai.client.types import Batch, ChatCompletion, FileObject, FineTuningJob, Response

    assert (Batch.__module__, ChatCompletion.__module__, FileObject.__module__) == (
        "django_openai.client.types.batches",
        "django_openai.client.types.chat",
        "django_openai.client.types.files",
    )
    assert (FineTuningJob.__module__, Response.__module__) == (
        "django_openai.client.types.fine_tuning",
        "django_openai.client.types.responses",
    )
    defined = {}
    for name in MODULES:
        if name.startswith(f"{PACKAGE}.types.") and name != f"{PACKAGE}.types":
            module = importlib.import_module(name)
            for attr, value in vars(module).items():
                if inspect.isclass(value) and value.__module__ == name:
                    defined[attr] = value
    assert len(defined) == len({id(v) for v in defined.values()}), "one name, one type"
    assert sorted(defined) == types.__all__
    assert all(getattr(types, name) is value for name, value in defined.items())


def test_a_type_loads_only_its_own_module():
    import subprocess
    import sys

    script = (
        "import sys\n"
        "from django_openai.client.types import Batch\n"
        "loaded = sorted(m for m in sys.modules if m.startswith('django_openai.client.types.'))\n"
        "print(' '.join(loaded))"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.stdout.split() == ["django_openai.client.types._base", "django_openai.client.types.batches"]


#: Every resource we serve, by its path on the client.
RESOURCE_PATHS = [
    "chat",
    "chat.completions",
    "chat.completions.messages",
    "completions",
    "embeddings",
    "moderations",
    "models",
    "images",
    "audio",
    "audio.transcriptions",
    "audio.translations",
    "audio.speech",
    "responses",
    "responses.input_items",
    "responses.input_tokens",
    "conversations",
    "conversations.items",
    "files",
    "uploads",
    "uploads.parts",
    "batches",
    "fine_tuning",
    "fine_tuning.jobs",
    "fine_tuning.jobs.checkpoints",
    "vector_stores",
    "vector_stores.files",
    "vector_stores.file_batches",
    "webhooks",
]


def _walk(client, path: str):
    resource = client
    for part in path.split("."):
        resource = getattr(resource, part)
    return resource


def test_each_resource_lives_where_the_official_sdk_keeps_it():
    """Who knows ``openai.resources.fine_tuning.jobs.checkpoints`` finds ours at the same path: the
    SDK's module of that name defines the class of its resource at the same place on the client."""
    import importlib
    import inspect

    import pytest

    pytest.importorskip("openai")
    import openai

    from django_openai.client import OpenAI

    ours = OpenAI(api_key="sk-0123456789", base_url="http://127.0.0.1:9/v1")
    sdk = openai.OpenAI(api_key="sk-0123456789", base_url="http://127.0.0.1:9/v1")
    mismatched = []
    for path in RESOURCE_PATHS:
        module = type(_walk(ours, path)).__module__
        assert module.startswith(f"{PACKAGE}.resources."), module
        sdk_module = importlib.import_module(
            "openai.resources." + module.removeprefix(f"{PACKAGE}.resources.")
        )
        defined = [
            c for c in vars(sdk_module).values() if inspect.isclass(c) and c.__module__ == sdk_module.__name__
        ]
        if not any(isinstance(_walk(sdk, path), cls) for cls in defined):
            mismatched.append((path, module, type(_walk(sdk, path)).__module__))
    assert not mismatched


def test_the_resources_package_names_each_top_level_resource():
    from django_openai.client import resources
    from django_openai.client.resources import Batches, FineTuning

    assert Batches.__module__ == f"{PACKAGE}.resources.batches"
    assert FineTuning.__module__ == f"{PACKAGE}.resources.fine_tuning.fine_tuning"
    assert {getattr(resources, name).__name__ for name in resources.__all__} == set(resources.__all__)
