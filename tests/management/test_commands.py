"""The management commands answer bad input and failing services with a message, not a traceback."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from django_openai.models import Batch, File

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_sync_with_an_unknown_client_alias_says_which_exist():
    with pytest.raises(CommandError, match=r"No OpenAI client named 'nope'.*\(configured: default\)"):
        run("openai_sync", "--client", "nope")


def test_sync_with_an_unknown_kind_names_the_kinds():
    with pytest.raises(CommandError, match="unknown kind.*bogus.*choose from files, batches, fine_tuning"):
        run("openai_sync", "bogus")


def test_sync_with_an_unknown_option_is_a_usage_error():
    with pytest.raises(CommandError, match="unrecognized arguments: --bogus"):
        run("openai_sync", "--bogus")


def test_sync_reports_an_api_error_and_keeps_what_came_before(use_openai_fake):
    fake = use_openai_fake()
    with fake.client() as api:
        api.files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
    fake.faults.add("GET", "/batches", status=500, body={"error": {"message": "The batches are away."}})
    out = io.StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("openai_sync", "files", "batches", stdout=out)
    message = str(caught.value)
    assert message.startswith("importing batches with client 'default' failed: InternalServerError: ")
    assert "The batches are away." in message
    assert out.getvalue() == "files: 1 imported or updated\n"
    assert File.objects.count() == 1


def test_sync_reports_an_unreachable_api(use_openai_fake):
    use_openai_fake("default", BASE_URL="http://127.0.0.1:9/v1")  # nothing listens on port 9
    with pytest.raises(
        CommandError, match=r"importing files with client 'default' failed: APIConnectionError"
    ):
        run("openai_sync", "files")


def make_due(*objs: Batch) -> None:
    for obj in objs:
        type(obj).objects.filter(pk=obj.pk).update(next_poll_at=timezone.now() - dt.timedelta(seconds=1))


def test_poll_inline_reports_a_failing_object_and_polls_the_others(use_openai_fake):
    fake = use_openai_fake()
    with fake.client() as api:
        file = api.files.create(file=("in.jsonl", b'{"custom_id": "a"}\n'), purpose="batch")
        remote = [
            api.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions") for _ in range(2)
        ]
    good, bad = (Batch.objects.create(openai_id=b.id, status="validating") for b in remote)
    make_due(good, bad)
    fake.faults.add(
        "GET", f"/batches/{bad.openai_id}", status=502, body={"error": {"message": "Bad gateway."}}
    )
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match=r"1 object\(s\) could not be polled"):
        call_command("openai_poll", "--inline", stdout=out, stderr=err)
    assert out.getvalue() == "1 object(s) polled.\n"
    assert err.getvalue().startswith(f"Batch {bad.openai_id}: InternalServerError: ")
    assert "Bad gateway." in err.getvalue() and err.getvalue().count("\n") == 1
    good.refresh_from_db()
    bad.refresh_from_db()
    assert good.synced_at is not None and good.last_error == ""
    assert "Bad gateway." in bad.last_error and bad.next_poll_at > timezone.now()


def test_poll_with_an_unreachable_broker_says_so(tmp_path):
    """A real Celery producer against a port where no Redis listens (the example project's settings)."""
    env = {
        **{key: value for key, value in os.environ.items() if key != "DATABASE_URL"},  # its SQLite
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DEMO_VAR_DIR": str(tmp_path / "var"),
        "CELERY_BROKER_URL": "redis://127.0.0.1:9/0",
        "PYTHONPATH": str(ROOT),
    }
    manage = [sys.executable, str(ROOT / "manage.py")]
    subprocess.run([*manage, "migrate", "-v", "0"], env=env, cwd=tmp_path, check=True, timeout=120)
    due = (
        "from django.utils import timezone; from django_openai.models import Batch; "
        "Batch.objects.create(openai_id='batch_1', status='in_progress', next_poll_at=timezone.now())"
    )
    subprocess.run([*manage, "shell", "-c", due], env=env, cwd=tmp_path, check=True, timeout=120)
    result = subprocess.run(
        [*manage, "openai_poll"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith(
        "CommandError: enqueueing the polls failed: the Celery broker could not be reached"
    )
    assert "Check CELERY_BROKER_URL, or poll in this process with --inline." in result.stderr
