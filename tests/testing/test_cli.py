"""``python -m django_openai.testing`` as a person starts it: time runs, and nothing lands in the cwd."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from django_openai.client import OpenAI

from .test_fake_api import _batch_lines


@contextlib.contextmanager
def cli_server(*args: str, cwd: Path) -> Iterator[str]:
    """Start the CLI on a free port in ``cwd``; yield its base URL; stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "django_openai.testing", "--port", "0", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = proc.stdout.readline()
        found = re.search(r"(http://\S+/v1)", line)
        assert found, f"no address in {line!r}: {proc.stderr.read() if proc.poll() is not None else ''}"
        yield found.group(1)
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


def _client(base_url: str) -> OpenAI:
    return OpenAI(api_key="sk-cli-0123456789", base_url=base_url, max_retries=0)


def _submit(client: OpenAI, lines: int = 4):
    file = client.files.create(file=("input.jsonl", _batch_lines(lines)), purpose="batch")
    return client.batches.create(input_file_id=file.id, endpoint="/v1/chat/completions")


def test_a_batch_moves_on_by_itself_on_a_server_started_by_hand(tmp_path):
    with (
        cli_server("--batch-seconds-per-item", "0.05", cwd=tmp_path) as base_url,
        _client(base_url) as client,
    ):
        batch = _submit(client)
        deadline = time.monotonic() + 30
        while (batch := client.batches.retrieve(batch.id)).status != "completed":
            assert time.monotonic() < deadline, f"stuck in {batch.status}"
            time.sleep(0.1)
    assert batch.request_counts.completed == 4


def test_by_default_a_batch_is_seen_completing_item_by_item(tmp_path):
    """On a running clock, a poller sees request_counts.completed move, not jump from 0 to done."""
    seen = set()
    with cli_server(cwd=tmp_path) as base_url, _client(base_url) as client:
        batch = _submit(client, lines=4)
        deadline = time.monotonic() + 30
        while batch.status != "completed":
            assert time.monotonic() < deadline, f"stuck in {batch.status}"
            raw = client.with_raw_response.batches.retrieve(batch.id)
            batch = raw.parse()
            seen.add(batch.request_counts.completed)
            time.sleep(0.05)
        assert raw.headers.get("openai-poll-after-ms") is None
        running = _submit(client, lines=4)
        time.sleep(1.2)
        hint = client.with_raw_response.batches.retrieve(running.id).headers["openai-poll-after-ms"]
    # Each count shows for half a second; polled every 50 ms, at least two of 1, 2, 3 are seen
    # (a batch that jumped, or moved two lines a second on a whole-second clock, shows at most one).
    assert len(seen & {1, 2, 3}) >= 2, f"progress seen: {sorted(seen)}"
    assert int(hint) <= 1000, "a poller that honours the hint sees the counts move"


def test_frozen_clock_keeps_time_still_until_advanced(tmp_path):
    with cli_server("--frozen-clock", cwd=tmp_path) as base_url, _client(base_url) as client:
        batch = _submit(client)
        time.sleep(1.2)
        assert client.batches.retrieve(batch.id).status == "validating"
        client.request("POST", "/_fake/clock/advance", body={"seconds": 60})
        assert client.batches.retrieve(batch.id).status == "completed"


def test_real_time_is_still_accepted(tmp_path):
    with cli_server("--real-time", cwd=tmp_path) as base_url, _client(base_url) as client:
        assert client.models.list().data


def test_contradicting_clock_flags_are_refused(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "django_openai.testing", "--frozen-clock", "--real-time"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "contradict" in result.stderr


def test_nothing_is_written_where_the_server_is_started(tmp_path):
    with cli_server(cwd=tmp_path) as base_url, _client(base_url) as client:
        file = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
        assert client.files.content(file.id).read() == b'{"a": 1}\n'
        assert list(tmp_path.iterdir()) == []


def test_the_temporary_directory_goes_when_the_server_is_stopped(tmp_path):
    proc = subprocess.Popen(
        [sys.executable, "-m", "django_openai.testing", "--port", "0", "--frozen-clock"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        text=True,
    )
    lines = [proc.stdout.readline() for _ in range(3)]
    data_dir = Path(re.search(r"files: (\S+) \(removed on exit\)", lines[2]).group(1))
    assert data_dir.is_dir() and not data_dir.is_relative_to(tmp_path)
    proc.terminate()
    proc.wait(timeout=10)
    proc.stdout.close()
    assert not data_dir.exists()


def test_data_dir_keeps_file_contents_there(tmp_path):
    data = tmp_path / "data"
    keep = data / "unrelated.txt"
    data.mkdir()
    keep.write_text("not the fake's")
    with cli_server("--data-dir", str(data), cwd=tmp_path) as base_url, _client(base_url) as client:
        file = client.files.create(file=("notes.jsonl", b'{"a": 1}\n'), purpose="batch")
        assert (data / file.id).read_bytes() == b'{"a": 1}\n'
        client.request("POST", "/_fake/reset")
        assert not (data / file.id).exists()
    assert keep.read_text() == "not the fake's", "reset removes only what the fake wrote"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_pacing_flags_set_the_default_profile(tmp_path):
    with (
        cli_server("--first-token-ms", "5", "--token-ms", "1", cwd=tmp_path) as base_url,
        _client(base_url) as client,
    ):
        pacing = client.request("GET", "/_fake/pacing")["pacing"]
        client.request("POST", "/_fake/pacing", body={"first_token_ms": 0, "token_ms": 0})
        client.request("POST", "/_fake/reset")
        after_reset = client.request("GET", "/_fake/pacing")["pacing"]
    assert pacing == {"first_token_ms": 5.0, "token_ms": 1.0, "chunks": None}
    assert after_reset == pacing, "reset returns to what the server was started with"


@pytest.mark.parametrize("flag", ["--token-ms", "--first-token-ms"])
def test_negative_pacing_is_refused(tmp_path, flag):
    result = subprocess.run(
        [sys.executable, "-m", "django_openai.testing", flag, "-5"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2 and "must not be negative" in result.stderr


def test_requests_log_is_json(tmp_path):
    with cli_server("--frozen-clock", cwd=tmp_path) as base_url, _client(base_url) as client:
        client.models.list()
        log = client.request("GET", "/_fake/requests")
    assert json.loads(json.dumps(log))["data"][-1]["path"] == "/models"
