"""The fenced code blocks of the project's Markdown pages, read and checked as CONTRIBUTING.md
("Code blocks in the docs") describes.

Every problem is reported as ``path:line`` of the block's opening fence, and a Python traceback
points into the Markdown file itself: each block is compiled with the page as its file name and
its own line numbers.
"""

from __future__ import annotations

import ast
import asyncio
import inspect
import json
import os
import re
import shlex
import subprocess
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]

#: The languages a fence may name, and what is done with each.
LANGUAGES = {
    "python": "run (see CONTRIBUTING.md)",
    "bash": "every command it names must exist",
    "text": "shown as it is: diagrams, output, file trees",
}
#: The files a ``# name.py`` first line can name with a meaning of their own; any other name is a
#: plain script.
DJANGO_FILES = ("settings.py", "urls.py", "celery.py", "asgi.py")

_OPENING = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_FILE_NAME = re.compile(r"^#\s*(?P<name>[\w./-]+\.py)\b")
_NOT_RUN = re.compile(r"^not-run:\s*(?P<reason>.*)$")


def pages() -> list[Path]:
    """Every Markdown page of the project: the top-level ones and everything under docs/."""
    return sorted(ROOT.glob("*.md")) + sorted((ROOT / "docs").rglob("*.md"))


def relative(path: Path) -> str:
    try:
        return str(path.relative_to(ROOT))
    except ValueError:
        return str(path)


@dataclass(frozen=True)
class Block:
    path: Path
    line: int  # the opening fence's line, 1-based
    language: str
    options: str  # what follows the language on the fence line
    code: str
    closed: bool = True

    @property
    def where(self) -> str:
        return f"{relative(self.path)}:{self.line}"

    @property
    def not_run_reason(self) -> str | None:
        """The reason given by ``python not-run: <reason>``, or None for a block that runs."""
        match = _NOT_RUN.match(self.options)
        return match["reason"].strip() if match else None

    @property
    def file_name(self) -> str | None:
        """The file a ``# name.py`` first line says this block is."""
        first = self.code.lstrip("\n").split("\n", 1)[0]
        match = _FILE_NAME.match(first)
        return match["name"] if match else None

    @property
    def kind(self) -> str:
        """``not-run``, ``settings``, ``urls``, ``celery``, ``asgi``, ``script`` or ``page`` (or ``unknown``
        for a fence line with anything else after ``python``)."""
        if self.options:
            return "not-run" if self.not_run_reason is not None else "unknown"
        name = self.file_name
        if name is None:
            return "page"
        base = Path(name).name
        return base.removesuffix(".py") if base in DJANGO_FILES else "script"

    def imported_names(self) -> set[str]:
        """The names the block's top-level import statements bind."""
        names = set()
        for node in ast.parse(self.code).body:
            if isinstance(node, ast.Import | ast.ImportFrom):
                names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        return names

    def test_functions(self) -> list[str]:
        """The ``test_*`` functions the block defines at its top level."""
        nodes = ast.parse(self.code).body
        return [
            n.name
            for n in nodes
            if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name.startswith("test")
        ]

    def source(self) -> str:
        """The code, preceded by blank lines so that its line numbers are the page's."""
        return "\n" * self.line + self.code


def read_blocks(path: Path) -> list[Block]:
    """The fenced blocks of a page, as CommonMark reads them (a closing fence is the opening's
    character, at least as many times; indentation up to the opening's is removed)."""
    lines = path.read_text().splitlines()
    blocks: list[Block] = []
    number = 0
    while number < len(lines):
        opening = _OPENING.match(lines[number])
        number += 1
        if not opening or (opening["fence"][0] == "`" and "`" in opening["info"]):
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^\s*{re.escape(fence[0])}{{{len(fence)},}}\s*$")
        start, body = number, []
        while number < len(lines) and not closing.match(lines[number]):
            text = lines[number]
            body.append(text[min(indent, len(text) - len(text.lstrip(" "))) :])
            number += 1
        language, _, options = opening["info"].strip().partition(" ")
        blocks.append(
            Block(path, start, language.lower(), options.strip(), "\n".join(body) + "\n", number < len(lines))
        )
        number += 1
    return blocks


def all_blocks() -> Iterator[Block]:
    for page in pages():
        yield from read_blocks(page)


# -- Python: names ------------------------------------------------------------------------------


def undefined_names(blocks: list[Block]) -> list[str]:
    """Names used but never defined (ruff's F821), also inside functions that no block calls.

    The page's own blocks are read as one module, in order, as they run; each file block on its own.
    """
    problems: list[str] = []
    page = [b for b in blocks if b.language == "python" and b.kind in ("page", "not-run")]
    groups = [page] + [[b] for b in blocks if b.language == "python" and b not in page]
    for group in filter(None, groups):
        lines = [""] * (max(b.line + 1 + b.code.count("\n") for b in group) + 1)
        for block in group:
            for offset, text in enumerate(block.code.split("\n")):
                lines[block.line + 1 + offset] = text
        for line, message in _ruff_undefined("\n".join(lines[1:]) + "\n", group[0].path):
            owner = max((b for b in group if b.line < line), key=lambda b: b.line)
            problems.append(f"{owner.where}: line {line}: {message}")
    return problems


def _ruff_undefined(source: str, path: Path) -> list[tuple[int, str]]:
    command = [sys.executable, "-m", "ruff", "check", "--isolated", "--select", "F821"]
    command += ["--output-format", "json", "--stdin-filename", f"{path.name}.py", "-"]
    result = subprocess.run(command, input=source, capture_output=True, text=True, timeout=60)
    if result.returncode not in (0, 1):
        raise RuntimeError(f"ruff failed on {relative(path)}: {result.stderr}")
    return [(d["location"]["row"], d["message"]) for d in json.loads(result.stdout)]


# -- Python: running -----------------------------------------------------------------------------


class BlockFailed(AssertionError):
    pass


def compile_block(block: Block) -> types.CodeType:
    try:
        return compile(
            block.source(), str(block.path), "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
        )
    except SyntaxError as exc:
        raise BlockFailed(f"{block.where}: line {exc.lineno}: {exc.msg}") from None


class PageRunner:
    """Runs the blocks of one page in order, in one namespace and one event loop (so that a block
    may ``await`` at its top level and use what the blocks above it defined)."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__name__": "__docs__"}
        self.loop = asyncio.new_event_loop()

    def run(self, block: Block) -> None:
        self.execute(block, compile_block(block), self.namespace)

    def execute(self, block: Block, code: types.CodeType, namespace: dict[str, Any]) -> None:
        try:
            result = types.FunctionType(code, namespace)()
            if inspect.iscoroutine(result):  # top-level await
                self.loop.run_until_complete(result)
        except BaseException as exc:
            raise BlockFailed(f"{block.where}: raised {type(exc).__name__}: {exc}") from exc

    def call_test(self, block: Block, name: str, fixture: Callable[[str], Any]) -> None:
        """Call the test function ``name`` that ``block`` defined, with the fixtures it names."""
        function = self.namespace[name]
        arguments = {p: fixture(p) for p in inspect.signature(function).parameters}
        try:
            result = function(**arguments)
            if inspect.isawaitable(result):
                self.loop.run_until_complete(result)
        except BaseException as exc:
            raise BlockFailed(f"{block.where}: {name}() failed: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        from django_openai.clients import aclose_clients

        try:
            self.loop.run_until_complete(aclose_clients())
            self.loop.run_until_complete(self.loop.shutdown_asyncgens())
        finally:
            self.loop.close()


def run_script(block: Block, tmp_path: Path) -> list[str]:
    """A plain script: run by itself with python, without Django settings; it must not import
    Django. Its line numbers are the page's."""
    script = tmp_path / Path(block.file_name or "script.py").name
    script.write_text(block.source())
    check = (
        "import runpy, sys; runpy.run_path(sys.argv[1], run_name='__main__'); "
        "django = sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')); "
        "sys.exit('the script imported Django: ' + ', '.join(django[:3]) if django else 0)"
    )
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", check, str(script)], capture_output=True, text=True, env=env, timeout=120
    )
    return [f"exit status {result.returncode}:\n{result.stderr}"] if result.returncode else []


# -- bash ------------------------------------------------------------------------------------------


def shell_commands(code: str) -> Iterator[list[str]]:
    """Each simple command of a bash block, as words; leading VAR=value assignments dropped."""
    text = re.sub(r"\\\n", " ", code)
    for line in text.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=";&|")
        lexer.whitespace_split = True
        lexer.commenters = "#"
        words: list[str] = []
        for word in [*lexer, ";"]:
            if word and set(word) <= set(";&|"):  # &&, ||, ;, |, &: the command ends
                while words and re.match(r"^[A-Za-z_]\w*=", words[0]):
                    words.pop(0)
                if words:
                    yield words
                words = []
            else:
                words.append(word)
