"""Checks that the shell commands a page names exist: scripts, modules and their options,
management commands and their options, pip extras. Paths are taken from the checkout's root."""

from __future__ import annotations

import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

from .snippets import ROOT

SHELL_BUILTINS = {"cd", "export", "source", ".", "echo", "set", "unset", "true", "false"}


def check_command(words: list[str]) -> str | None:
    """What is wrong with one command (its words, assignments dropped), or None."""
    program, args = words[0], words[1:]
    if program in ("bash", "sh"):
        return _exists(args[0]) if args else None
    if program in ("python", "python3"):
        return _check_python(args)
    if program in ("pip", "pip3"):
        return _check_pip(args)
    if program in ("django-admin",) or program.endswith("manage.py"):
        return (_exists(program) if "/" in program or program == "manage.py" else None) or _check_manage(args)
    if "/" in program:
        return _exists(program)
    if program in SHELL_BUILTINS or _which(program):
        return None
    return f"`{program}` is not a command here (nor one the docs check knows how to check)"


def _which(program: str) -> str | None:
    # The test may run without its virtualenv's bin/ on PATH: look there first.
    path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    return shutil.which(program, path=path)


def _exists(name: str) -> str | None:
    return None if (ROOT / name).exists() else f"{name} does not exist in the checkout"


def _options(args: list[str]) -> list[str]:
    return [a.split("=", 1)[0] for a in args if a.startswith("--") and len(a) > 2]


def _check_python(args: list[str]) -> str | None:
    if not args:
        return None
    if args[0] == "-m" and len(args) > 1:
        module, rest = args[1], args[2:]
        if module == "pip":
            return _check_pip(rest)
        if importlib.util.find_spec(module) is None:
            return f"python -m {module}: no such module"
        missing = [o for o in _options(rest) if not re.search(rf"{re.escape(o)}\b", _module_help(module))]
        return f"python -m {module}: no option {', '.join(missing)}" if missing else None
    if args[0].endswith("manage.py"):
        return _exists(args[0]) or _check_manage(args[1:])
    if args[0].endswith(".py"):
        return _exists(args[0])
    return None


@functools.cache
def _module_help(module: str) -> str:
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    return result.stdout + result.stderr


def _check_manage(args: list[str]) -> str | None:
    from django.core.management import get_commands, load_command_class

    if not args:
        return None
    name = args[0]
    commands = get_commands()
    if name not in commands:
        return f"manage.py {name}: no such command"
    parser = load_command_class(commands[name], name).create_parser("manage.py", name)
    known = set(parser._option_string_actions)
    # A command with subcommands (``openai_gateway_key create ...``): the subcommand's options too.
    for action in parser._subparsers._group_actions if parser._subparsers else ():
        subparser = getattr(action, "choices", {}).get(args[1]) if len(args) > 1 else None
        if subparser is not None:
            known |= set(subparser._option_string_actions)
    missing = [o for o in _options(args[1:]) if o not in known]
    return f"manage.py {name}: no option {', '.join(missing)}" if missing else None


def _check_pip(args: list[str]) -> str | None:
    if not args or args[0] != "install":
        return None
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project.get("optional-dependencies", {})
    known = {project["name"]} | {
        re.split(r"[\s\[<>=!~;]", spec, maxsplit=1)[0].lower()
        for spec in [*project.get("dependencies", []), *(s for group in extras.values() for s in group)]
    }
    for arg in args[1:]:
        if arg.startswith("-"):
            continue
        target = re.fullmatch(r"(?P<name>[^\[]+)(\[(?P<extras>[^\]]*)\])?", arg)
        if target is None:
            return f"pip install {arg}: not a requirement the docs check can read"
        name, wanted = target["name"], [e.strip() for e in (target["extras"] or "").split(",") if e.strip()]
        if name.startswith((".", "/")):
            if not (ROOT / name / "pyproject.toml").exists():
                return f"pip install {arg}: no pyproject.toml at {name}"
        elif re.split(r"[<>=!~]", name, maxsplit=1)[0].lower() not in known:
            return f"pip install {arg}: not this project nor one of its dependencies"
        unknown = [e for e in wanted if e not in extras]
        if unknown:
            return f"pip install {arg}: no extra {', '.join(unknown)} in pyproject.toml"
    return None


def named_management_commands(text: str) -> set[str]:
    """The ``manage.py <command>`` names a page mentions anywhere, prose included."""
    return set(re.findall(r"manage\.py ([a-z][a-z0-9_]*)", text))
