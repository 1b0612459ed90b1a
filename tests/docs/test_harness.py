"""The docs check itself: what it reads, runs and reports (on pages written here, not the project's)."""

from __future__ import annotations

import traceback

import pytest
from celery import current_app

from .commands import check_command
from .django_files import check_celery, check_settings, check_urls, current_celery_app_kept
from .snippets import (
    BlockFailed,
    PageRunner,
    compile_block,
    read_blocks,
    run_script,
    shell_commands,
    undefined_names,
)

FENCE = "```"


@pytest.fixture
def page(tmp_path):
    def write(text: str):
        path = tmp_path / "page.md"
        path.write_text(text.replace("'''", FENCE))
        return path

    return write


def test_fences_are_read_as_commonmark_reads_them(page):
    path = page(
        "Intro\n"
        "'''python\nx = 1\n'''\n"  # line 2
        "~~~bash\necho hi\n~~~\n"  # line 5
        "- a list item:\n\n  '''text\n  indented\n  '''\n"  # line 10
        "````text\n'''python not-run: shown\nfragment\n'''\n````\n"  # line 13
        "'''python not-run: a fragment\ny = {\n"  # line 18, never closed
    )
    blocks = read_blocks(path)
    assert [(b.line, b.language, b.options, b.code, b.closed) for b in blocks] == [
        (2, "python", "", "x = 1\n", True),
        (5, "bash", "", "echo hi\n", True),
        (10, "text", "", "indented\n", True),
        (13, "text", "", "```python not-run: shown\nfragment\n```\n", True),
        (18, "python", "not-run: a fragment", "y = {\n", False),
    ]
    assert blocks[0].where == f"{path}:2"


@pytest.mark.parametrize(
    ("fence", "first_line", "kind"),
    [
        ("python", "x = 1", "page"),
        ("python", "# settings.py", "settings"),
        ("python", "# myproject/settings.py", "settings"),
        ("python", "# urls.py", "urls"),
        ("python", "# your_project/celery.py", "celery"),
        ("python", "# hello.py: a plain script", "script"),
        ("python not-run: needs a GPU", "x = 1", "not-run"),
        ("python not-run:", "x = 1", "not-run"),
        ("python skip", "x = 1", "unknown"),
    ],
)
def test_what_a_block_is(page, fence, first_line, kind):
    (block,) = read_blocks(page(f"'''{fence}\n{first_line}\n'''\n"))
    assert block.kind == kind


def test_a_failing_block_is_reported_at_its_page_and_line_with_the_page_in_its_traceback(page):
    path = page("# A page\n\n'''python\ntotal = 1\n'''\n\nText.\n\n'''python\nratio = total / 0\n'''\n")
    runner = PageRunner()
    first, second = read_blocks(path)
    try:
        runner.run(first)
        with pytest.raises(BlockFailed) as caught:
            runner.run(second)
    finally:
        runner.close()
    assert str(caught.value) == f"{path}:9: raised ZeroDivisionError: division by zero"
    frame = traceback.extract_tb(caught.value.__cause__.__traceback__)[-1]
    assert (frame.filename, frame.lineno, frame.line) == (str(path), 10, "ratio = total / 0")


def test_blocks_share_a_namespace_and_may_await_at_their_top_level(page):
    path = page(
        "'''python\nimport asyncio\n\nasync def answer():\n    await asyncio.sleep(0)\n    return 42\n'''\n"
        "'''python\nvalue = await answer()\n'''\n"
    )
    runner = PageRunner()
    try:
        for block in read_blocks(path):
            runner.run(block)
    finally:
        runner.close()
    assert runner.namespace["value"] == 42


def test_a_syntax_error_is_reported_even_where_the_block_is_not_run(page):
    (block,) = read_blocks(page("\n'''python not-run: a fragment\nok = 1\n\"azure\": {},\n'''\n"))
    with pytest.raises(BlockFailed, match=r"page\.md:2: line 4: illegal target for annotation"):
        compile_block(block)


def test_an_undefined_name_is_found_inside_a_function_no_block_calls(page):
    path = page(
        "'''python\nimport json\n'''\n\n"
        "'''python\ndef view(request):\n    return json.dumps(messages)\n'''\n"
        "'''python\n# settings.py\nX = json\n'''\n"
    )
    assert undefined_names(read_blocks(path)) == [
        f"{path}:5: line 7: Undefined name `messages`",
        f"{path}:9: line 11: Undefined name `json`",  # a file block does not see the page's names
    ]


def test_test_functions_get_their_fixtures_and_their_failures_name_the_block(page, tmp_path):
    path = page("'''python\ndef test_here(tmp_path):\n    assert tmp_path.name == 'elsewhere'\n'''\n")
    (block,) = read_blocks(path)
    assert block.test_functions() == ["test_here"]
    runner = PageRunner()
    try:
        runner.run(block)
        with pytest.raises(BlockFailed, match=r"page\.md:1: test_here\(\) failed: AssertionError"):
            runner.call_test(block, "test_here", {"tmp_path": tmp_path}.__getitem__)
    finally:
        runner.close()


def test_shell_commands_are_split_as_bash_would():
    code = "A=1 B=2 python -m pytest -q && echo done; bash run.sh  # a comment\npip install \\\n  -e .\n"
    assert list(shell_commands(code)) == [
        ["python", "-m", "pytest", "-q"],
        ["echo", "done"],
        ["bash", "run.sh"],
        ["pip", "install", "-e", "."],
    ]


@pytest.mark.parametrize(
    ("words", "problem"),
    [
        (["bash", "example_project/run.sh"], None),
        (["bash", "example_project/go.sh"], "example_project/go.sh does not exist in the checkout"),
        (["python", "-m", "django_openai.testing", "--port", "1"], None),
        (
            ["python", "-m", "django_openai.testing", "--colour"],
            "python -m django_openai.testing: no option --colour",
        ),
        (["python", "-m", "no_such_module"], "python -m no_such_module: no such module"),
        (["python", "manage.py", "openai_poll", "--inline"], None),
        (["python", "manage.py", "openai_poll", "--all"], "manage.py openai_poll: no option --all"),
        (["python", "manage.py", "openai_fetch"], "manage.py openai_fetch: no such command"),
        (["pip", "install", "-e", ".[dev,fast]"], None),
        (["pip", "install", "-e", ".[speed]"], "pip install .[speed]: no extra speed in pyproject.toml"),
        (["pip", "install", "django-openai"], None),
        (
            ["pip", "install", "openai-django"],
            "pip install openai-django: not this project nor one of its dependencies",
        ),
        (
            ["frobnicate", "--now"],
            "`frobnicate` is not a command here (nor one the docs check knows how to check)",
        ),
    ],
)
def test_commands_are_checked(words, problem):
    assert check_command(words) == problem


def test_settings_are_checked_as_django_and_celery_read_them():
    assert check_settings({"DJANGO_OPENAI": {"CLIENTS": {"default": {"API_KEY": "sk-x"}}}}, set()) == []
    problems = check_settings(
        {
            "DJANGO_OPENAI": {"CLIENTS": {"default": {"PROVIDER": "openia", "API_KEY": "sk-x"}}},
            "DJANGO_OPENAI_CLIENTS": {},
            "CELERY_BEAT_SCHEDULES": {},
            "CELERY_BEAT_SCHEDULE": {"sweep": {"task": "django_openai.sweeep", "schedule": 15}},
            "INSTALLED_APPS": ["django_openai", "no_such_app"],
            "BEAT_SCHEDULE": {},
        },
        imported={"BEAT_SCHEDULE"},
    )
    assert [p.split(":")[0] for p in problems] == [
        "DJANGO_OPENAI_CLIENTS is not a setting Django, Celery or django-openai reads",
        "CELERY_BEAT_SCHEDULES is not a Celery setting",
        "INSTALLED_APPS",
        "CELERY_BEAT_SCHEDULE['sweep']",
        "django_openai.E001",
    ]


def test_urls_are_loaded_and_checked():
    from django.urls import include, path

    assert (
        check_urls({"urlpatterns": [path("hooks/", include("django_openai.webhooks.urls"))]}, "docs_u1") == []
    )
    assert check_urls({}, "docs_u2") == ["a urls.py block must define urlpatterns"]
    problems = check_urls(
        {"urlpatterns": [path("^old/$", include("django_openai.webhooks.urls"))]}, "docs_u3"
    )
    assert [p.split(":")[0] for p in problems] == ["2_0.W001"]  # a regex in path()


def test_a_celery_block_is_run_without_changing_the_current_app():
    from celery import Celery

    before = current_app._get_current_object()
    with current_celery_app_kept():
        app = Celery("docs_example")
        app.config_from_object("django.conf:settings", namespace="CELERY")
        assert current_app._get_current_object() is app
        assert check_celery({"app": app}) == []
    assert current_app._get_current_object() is before
    assert check_celery({}) == ["a celery.py block must define a Celery app"]


def test_a_script_block_runs_alone_and_must_not_import_django(page, tmp_path):
    plain, djangoish = read_blocks(
        page(
            "'''python\n# hello.py\nimport django_openai.client\nprint('hello')\n'''\n"
            "'''python\n# uses_django.py\nimport django.conf\n'''\n"
        )
    )
    assert run_script(plain, tmp_path) == []
    (problem,) = run_script(djangoish, tmp_path)
    assert problem.startswith("exit status 1:") and "the script imported Django: django" in problem
