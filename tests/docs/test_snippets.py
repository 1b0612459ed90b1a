"""Every code block of README.md, CONTRIBUTING.md and docs/ runs as written, against the fake
OpenAI server (the convention is in CONTRIBUTING.md, "Code blocks in the docs")."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from .commands import check_command, named_management_commands
from .django_files import check_asgi, check_celery, check_settings, check_urls, current_celery_app_kept
from .snippets import (
    LANGUAGES,
    Block,
    BlockFailed,
    PageRunner,
    all_blocks,
    compile_block,
    pages,
    read_blocks,
    relative,
    run_script,
    shell_commands,
    undefined_names,
)

#: How many blocks may be shown without being run (``python not-run: <reason>``). Each one is a
#: promise nobody checks: change this number only with a reason the reviewer accepts.
NOT_RUN_BUDGET = 1

#: The environment the blocks see, besides OPENAI_API_KEY and OPENAI_BASE_URL (the fake's).
#: Settings blocks read secrets from the environment, as a real project's settings do.
ENVIRONMENT = {
    "AZURE_OPENAI_API_KEY": "azure-key-for-the-docs",
    "OPENAI_WEBHOOK_SECRET": "whsec_" + base64.b64encode(b"a secret for the docs").decode(),
    "OPENAI_WEBHOOK_SECRET_OLD": "whsec_" + base64.b64encode(b"the previous secret").decode(),
}


def pages_with(language: str) -> list[Path]:
    return [page for page in pages() if any(b.language == language for b in read_blocks(page))]


@pytest.fixture
def docs_environment(use_openai_fake, monkeypatch, tmp_path):
    """The default client and OPENAI_BASE_URL point at the fake; the working directory is empty."""
    fake = use_openai_fake("default")
    monkeypatch.setenv("OPENAI_API_KEY", fake.api_key)
    monkeypatch.setenv("OPENAI_BASE_URL", fake.base_url)
    for name, value in ENVIRONMENT.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "cwd").mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    return fake


def python_blocks(page: Path) -> list[Block]:
    return [block for block in read_blocks(page) if block.language == "python"]


def doc_tests() -> list[tuple[Path, str]]:
    """(page, name) of every test function a page's blocks define."""
    return [
        (page, name)
        for page in pages()
        for block in python_blocks(page)
        if block.kind == "page"
        for name in block.test_functions()
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("page", pages_with("python"), ids=relative)
def test_python_blocks_run(page, docs_environment, tmp_path):
    runner = PageRunner()
    try:
        for number, block in enumerate(python_blocks(page)):
            run_block(block, runner, tmp_path, f"docs_urls_{number}")
    finally:
        runner.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("page", "name"), doc_tests(), ids=lambda v: relative(v) if isinstance(v, Path) else v
)
def test_test_functions_in_the_docs_pass(page, name, docs_environment, request):
    """Each test function a page shows is a test of its own, with fresh fixtures, called after
    the blocks of the page above it have run."""
    runner = PageRunner()
    try:
        for block in python_blocks(page):
            if block.kind != "page":
                continue
            runner.run(block)
            if name in block.test_functions():
                runner.call_test(block, name, request.getfixturevalue)
                return
    finally:
        runner.close()


def run_block(block: Block, runner: PageRunner, tmp_path: Path, module_name: str) -> None:
    kind = block.kind
    if kind == "page":
        runner.run(block)
        return
    if kind == "unknown":
        raise BlockFailed(f"{block.where}: after `python` the fence line may only say `not-run: <reason>`")
    code = compile_block(block)
    if kind == "not-run":
        return
    if kind == "script":
        problems = run_script(block, tmp_path)
    else:
        namespace = {"__name__": module_name}
        with current_celery_app_kept():
            runner.execute(block, code, namespace)
            if kind == "settings":
                problems = check_settings(namespace, block.imported_names())
            elif kind == "urls":
                problems = check_urls(namespace, module_name)
            elif kind == "asgi":
                problems = check_asgi(namespace, runner.loop)
            else:
                problems = check_celery(namespace)
    if problems:
        raise BlockFailed(f"{block.where} ({block.file_name}):\n  " + "\n  ".join(problems))


@pytest.mark.parametrize("page", pages_with("python"), ids=relative)
def test_python_blocks_define_every_name_they_use(page):
    assert undefined_names(read_blocks(page)) == []


@pytest.mark.parametrize("page", pages_with("bash"), ids=relative)
def test_shell_blocks_name_commands_that_exist(page):
    problems = [
        f"{block.where}: {problem}"
        for block in read_blocks(page)
        if block.language == "bash"
        for words in shell_commands(block.code)
        if (problem := check_command(words))
    ]
    assert problems == []


@pytest.mark.parametrize(
    "page", [p for p in pages() if named_management_commands(p.read_text())], ids=relative
)
def test_management_commands_named_in_the_text_exist(page):
    from django.core.management import get_commands

    assert sorted(named_management_commands(page.read_text()) - set(get_commands())) == []


def test_every_block_is_closed_and_names_a_checked_language():
    problems = [
        f"{block.where}: " + ("the fence is never closed" if not block.closed else "name its language")
        for block in all_blocks()
        if not block.closed or block.language not in LANGUAGES
    ]
    assert problems == [], f"languages: {', '.join(f'{k} ({v})' for k, v in LANGUAGES.items())}"


def test_blocks_shown_but_not_run_are_few_and_say_why():
    shown = [b for b in all_blocks() if b.language == "python" and b.kind == "not-run"]
    assert [b.where for b in shown if not b.not_run_reason] == [], "say why the block is not run"
    assert len(shown) == NOT_RUN_BUDGET, "\n".join(f"{b.where}: {b.not_run_reason}" for b in shown)
