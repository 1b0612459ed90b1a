"""Imports point down only, and no module of the package imports itself back (docs/architecture.md, "Layers").

The imports are read from the source (every ``import``, at module level or inside a function;
not those under ``if TYPE_CHECKING:``, which never run). ``client/`` and ``testing/`` are checked
by their own tests (``client/`` must import without Django).
"""

from __future__ import annotations

import ast
from pathlib import Path

import django_openai

ROOT = Path(django_openai.__file__).parent
PACKAGE = "django_openai"

#: The layer of each part of the package: a module may import its own layer and those below.
#: A new part of the package joins this table and the one in docs/architecture.md.
LAYERS = {
    "client": 0,  # standalone: no Django
    "conf": 1,  # settings, signals, task names, configured clients, system checks
    "signals": 1,
    "schedules": 1,
    "clients": 1,
    "checks": 1,
    "tools": 1,  # the function tool registry: imported by projects' tool modules, no Django
    "models": 2,
    "migrations": 2,
    "services": 3,
    "tasks": 4,  # the ways in: Celery, webhooks, admin, commands
    "webhooks": 4,
    "admin": 4,
    "api": 4,
    "downloads": 4,
    "streaming": 4,  # run events as SSE (both formats), for the views and the API
    "views": 4,  # the plain (non-DRF) views: the streaming views
    "asgi": 4,  # the one-hop mount: Django's handlers only, importable before the apps are ready
    "management": 4,
    "gateway": 4,
    "agents": 4,  # the OpenAI Agents SDK's session protocol on threads
    "apps": 5,  # the app config and the package's facade wire everything together
    "": 5,
}
CHECKED_ELSEWHERE = ("client", "testing")


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    relative = Path(*name.split(".")[1:]) if "." in name else Path()
    return (ROOT / relative).with_suffix(".py").exists() or (ROOT / relative / "__init__.py").exists()


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _runtime_imports(tree: ast.AST):
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            for child in node.orelse:
                yield from _runtime_imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        yield from _runtime_imports(node)


def imported_modules(path: Path) -> set[str]:
    """The package's modules a module imports, with the packages whose ``__init__`` that runs."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _runtime_imports(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            targets = [source] + [f"{source}.{alias.name}" for alias in node.names]
        for target in targets:
            if not target.startswith(PACKAGE + ".") or not is_module(target):
                continue
            found.add(target)
            # Importing a.b.c runs a.b's __init__ first, unless the importer is inside a.b (then
            # it runs already). The package root's __init__ is a facade that imports nothing.
            parts = target.split(".")
            found.update(
                parent
                for parent in (".".join(parts[:i]) for i in range(2, len(parts)))
                if not (name + ".").startswith(parent + ".")
            )
    found.discard(name)
    return found


def part(module: str) -> str:
    return module.split(".")[1] if "." in module else ""


def graph() -> dict[str, set[str]]:
    modules = {}
    for path in sorted(ROOT.rglob("*.py")):
        name = module_name(path)
        if part(name) in CHECKED_ELSEWHERE:
            continue
        modules[name] = imported_modules(path)
    return modules


def test_every_part_of_the_package_has_a_layer():
    unknown = {part(module) for module in graph()} - set(LAYERS) - set(CHECKED_ELSEWHERE)
    assert not unknown, f"add {sorted(unknown)} to LAYERS here and to docs/architecture.md"


def test_imports_point_down_only():
    upward = [
        f"{module} ({part(module) or PACKAGE}, layer {LAYERS[part(module)]}) imports {target} "
        f"(layer {LAYERS[part(target)]})"
        for module, targets in graph().items()
        for target in sorted(targets)
        if LAYERS.get(part(target), 99) > LAYERS.get(part(module), -1)
    ]
    assert upward == []


def test_models_import_nothing_of_services():
    assert [
        m
        for m, targets in graph().items()
        if part(m) == "models" and any(part(t) == "services" for t in targets)
    ] == []


def test_no_import_circles():
    edges = graph()
    cycles: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for target in sorted(edges.get(module, ())):
            if state.get(target) == 1:
                cycles.append([*path[path.index(target) :], target])
            elif target in edges and target not in state:
                visit(target, [*path, target])
        state[module] = 2

    for module in sorted(edges):
        if module not in state:
            visit(module, [module])
    assert cycles == []


def test_the_reader_sees_function_level_imports_and_skips_type_checking_ones(tmp_path, monkeypatch):
    source = ROOT / "models" / "_layers_probe.py"
    source.write_text(
        "from typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..services import batches\n"
        "else:\n    from . import base\n"
        "def f():\n    from ..tasks import sweep\n"
    )
    try:
        assert imported_modules(source) == {
            "django_openai.models",
            "django_openai.models.base",
            "django_openai.tasks",
        }
    finally:
        source.unlink()
