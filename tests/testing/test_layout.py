"""The fake's modules import one another one way only, and no module is a catch-all."""

from __future__ import annotations

import ast
from pathlib import Path

import django_openai.testing

PACKAGE = Path(django_openai.testing.__file__).parent
NAME = "django_openai.testing"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join((NAME, *parts))


def _imports(path: Path) -> set[str]:
    """The package's own modules this file imports, at any depth (function-level imports too)."""
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            names = [f"{target}.{alias.name}" for alias in node.names]
            candidates = [target, *names]
        elif isinstance(node, ast.Import):
            candidates = [alias.name for alias in node.names]
        else:
            continue
        found.update(c for c in candidates if c.startswith(NAME) and c in MODULES)
    found.discard(module)
    return found


MODULES = {_module_name(p) for p in PACKAGE.rglob("*.py")}


def _graph() -> dict[str, set[str]]:
    graph = {_module_name(p): _imports(p) for p in PACKAGE.rglob("*.py")}
    # A package's __init__ re-exports its public names; importing a submodule loads it first, which
    # is no dependency of the submodule on its siblings.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (name.startswith(t + ".") and t != name)}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == 1:
                return [*stack[stack.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_imports_inside_the_fake_point_one_way():
    assert _cycle(_graph()) is None, " -> ".join(_cycle(_graph()) or [])


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


def test_endpoint_modules_never_import_the_fake_that_composes_them():
    graph = _graph()
    for name, targets in graph.items():
        if name.startswith(f"{NAME}.endpoints"):
            assert f"{NAME}.fake" not in targets, name
            assert f"{NAME}.server" not in targets, name


def test_no_module_of_the_fake_grows_past_500_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.rglob("*.py")}
    assert max(sizes.values()) <= 500, sizes
