"""example_project/run.sh as a new user meets it: it starts, answers, stops on Ctrl-C, and leaves
nothing in the checkout outside var/; and the demo shows times in the machine's zone."""

from __future__ import annotations

import http.cookiejar
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from example_project.machine_time_zone import machine_time_zone

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise AssertionError(f"timed out waiting until {what}\n{tail}")


def checkout_copy(target: Path) -> Path:
    """The files a fresh clone has (tracked, or new and not ignored), committed in a new repository."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, (n.decode() for n in listed)):
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "init", "-q"], cwd=target, check=True)
    subprocess.run([*git, "add", "-A"], cwd=target, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "copy"], cwd=target, check=True)
    return target


def processes_in(directory: Path) -> list[str]:
    """The processes whose working directory is inside ``directory``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if cwd == str(directory) or cwd.startswith(f"{directory}/"):
            found.append(f"{proc.name}: {cmdline}")
    return found


@pytest.mark.skipif(not Path("/proc/self/cwd").exists(), reason="needs /proc")
@pytest.mark.skipif(
    shutil.which("git") is None or not (ROOT / ".git").exists(), reason="needs git and a git checkout"
)
def test_run_script_starts_serves_stops_on_ctrl_c_and_leaves_nothing_behind(tmp_path):
    checkout = checkout_copy(tmp_path / "checkout")
    web, fake = free_port(), free_port()
    log = tmp_path / "run.log"
    # The defaults a new user meets: SQLite, the file-system broker, the fake server.
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("OPENAI_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        VENV=sys.prefix,  # this test's own environment: no pip install (DEMO_INSTALL=0)
        DEMO_INSTALL="0",
        DEMO_ADDR=f"127.0.0.1:{web}",
        FAKE_OPENAI_PORT=str(fake),
        PYTHONPATH=str(checkout),
        CELERY_BROKER_URL="filesystem://",
    )
    env.pop("DEMO_VAR_DIR", None)
    site = f"http://127.0.0.1:{web}"

    def start() -> subprocess.Popen:
        with open(log, "ab") as out:
            # Its own session, as a terminal's foreground job: Ctrl-C is a SIGINT to the whole group.
            script = subprocess.Popen(
                ["bash", "example_project/run.sh"],
                cwd=checkout,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        ready = f"Ready: open {site}/"
        wait_for(lambda: log.read_text(errors="replace").count(ready) == runs, 120, "the site answers", log)
        return script

    def ctrl_c(script: subprocess.Popen) -> None:
        try:
            os.killpg(script.pid, signal.SIGINT)  # Ctrl-C
            script.wait(timeout=60)
        finally:
            if script.poll() is None:
                os.killpg(script.pid, signal.SIGKILL)
                script.wait()
        try:
            # 60 s: on a machine busy with another test run, a worker's warm shutdown takes its time.
            wait_for(lambda: not processes_in(checkout), 60, "every process started by run.sh has ended", log)
        except AssertionError as exc:
            left = "\n".join(processes_in(checkout))
            raise AssertionError(f"{exc}\nstill running:\n{left}") from None

    runs = 1
    script = start()
    try:
        cookies = http.cookiejar.CookieJar()
        browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(cookies))
        page = browser.open(site + "/").read().decode()  # the login page: the chat is each user's own
        assert "Server: <strong>the fake OpenAI server" in page and "the embedded file-system broker" in page

        def token() -> str:
            return next(c.value for c in cookies if c.name == "csrftoken")

        def post(path: str, **fields: str) -> tuple[int, str]:
            data = urllib.parse.urlencode({"csrfmiddlewaretoken": token(), **fields}).encode()
            try:
                with browser.open(site + path, data) as response:
                    return response.status, response.read().decode()
            except urllib.error.HTTPError as error:
                return error.code, error.read().decode()

        status, page = post("/accounts/login/?next=/", username="admin", password="admin")
        assert status == 200 and "Helper" in page and "Weather desk" in page, page  # seeded
        helper = re.search(r'<option value="(\d+)"[^>]*>Helper</option>', page)[1]
        with browser.open(
            site + "/chat/new/",
            urllib.parse.urlencode({"csrfmiddlewaretoken": token(), "assistant": helper}).encode(),
        ) as response:
            thread_url = response.url
        assert re.fullmatch(site + r"/chat/\d+/", thread_url)
        ask = urllib.request.Request(
            thread_url + "stream/",
            json.dumps({"message": "Hello there"}).encode(),
            headers={"Content-Type": "application/json", "X-CSRFToken": token()},
        )
        with browser.open(ask) as response:
            assert response.headers["Content-Type"].startswith("text/event-stream")
            stream = response.read().decode()
        deltas = [json.loads(line[6:])["delta"] for line in stream.splitlines() if '"text.delta"' in line]
        assert "".join(deltas).startswith("Reply to: Hello there") and len(deltas) > 5
        assert "event: run.completed" in stream

        assert post("/batches/", count="")[0] == 400
        status, page = post("/batches/", count="3")
        batch_page = re.search(r"/batches/\d+/", browser.open(site + "/batches/").read().decode())
        assert status == 200 and batch_page, page  # redirected to the batch's page
        wait_for(
            lambda: "3 of 3 done" in browser.open(site + batch_page[0]).read().decode(),
            120,
            "the worker polls the batch to completion",
            log,
        )
        assert list((checkout / "var" / "fake-openai").glob("file-*")), "the fake's files"

    finally:
        ctrl_c(script)

    # A second run reuses the virtualenv, the database, the demo's user and assistants.
    runs = 2
    script = start()
    try:
        assert "Kept assistant Helper" in log.read_text()
        page = browser.open(site + "/").read().decode()
        assert "Hello there" in page  # the first run's thread, listed in the same session
    finally:
        ctrl_c(script)

    def status(*extra: str) -> list[str]:
        result = subprocess.run(
            ["git", "status", "--porcelain", *extra], cwd=checkout, capture_output=True, text=True
        )
        return sorted(result.stdout.splitlines())

    assert status() == [], f"run.sh left files in the checkout:\n{log.read_text()[-2000:]}"
    ignored = [line for line in status("--ignored") if "__pycache__" not in line]
    assert ignored == ["!! var/"]
    assert not (checkout / "var" / "fake-openai").exists()


def test_example_worker_keeps_its_broker_files_under_the_var_dir(tmp_path):
    """kombu's file-system broker writes its broadcast exchanges to "control/" in the working
    directory unless told otherwise; a Celery worker declares them as it starts."""
    cwd, var = tmp_path / "cwd", tmp_path / "var"
    cwd.mkdir()
    log = tmp_path / "worker.log"
    env = {
        **{
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("OPENAI_", "CELERY_")) and k != "DATABASE_URL"
        },
        "DJANGO_SETTINGS_MODULE": "example_project.settings",
        "DEMO_VAR_DIR": str(var),
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "celery", "-A", "example_project.celery", "worker", "--pool", "solo"]
    pidbox = "celery.pidbox.exchange"
    with open(log, "wb") as out:
        worker = subprocess.Popen(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        wait_for(
            lambda: any(cwd.rglob(pidbox)) or any(var.rglob(pidbox)),
            60,
            "the worker declares its broadcast exchange",
            log,
        )
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert list(cwd.iterdir()) == []
    assert (var / "celery" / "control" / pidbox).exists()


@pytest.mark.parametrize(
    ("environ", "timezone_file", "localtime", "expected"),
    [
        ({"TZ": "Asia/Tokyo"}, "Europe/Paris", "America/New_York", "Asia/Tokyo"),
        ({"TZ": ":Europe/Lisbon"}, None, None, "Europe/Lisbon"),
        ({"TZ": "/usr/share/zoneinfo/Africa/Nairobi"}, None, None, "Africa/Nairobi"),
        ({"TZ": "not a zone"}, "Europe/Paris", None, "Europe/Paris"),
        ({}, "Europe/Paris\n", "America/New_York", "Europe/Paris"),
        ({}, None, "/usr/share/zoneinfo/America/New_York", "America/New_York"),
        ({}, "Nowhere/Special", "../zoneinfo/Pacific/Auckland", "Pacific/Auckland"),
        ({}, None, None, "UTC"),
        ({"TZ": "UTC0"}, "", "/etc/no-zone-here", "UTC"),
    ],
)
def test_machine_time_zone(tmp_path, environ, timezone_file, localtime, expected):
    if timezone_file is not None:
        (tmp_path / "timezone").write_text(timezone_file)
    if localtime is not None:
        (tmp_path / "localtime").symlink_to(localtime)
    assert machine_time_zone(environ, etc=tmp_path) == expected


def test_example_settings_use_the_machine_time_zone(tmp_path):
    env = {**os.environ, "TZ": "Asia/Kolkata", "DEMO_VAR_DIR": str(tmp_path), "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", "import example_project.settings as s; print(s.TIME_ZONE)"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.strip() == "Asia/Kolkata", result.stderr


@pytest.mark.django_db
@pytest.mark.urls("example_project.urls")
def test_demo_pages_say_which_time_zone_they_show(client, settings):
    settings.TIME_ZONE = "Asia/Tokyo"
    assert "Times are in Asia/Tokyo" in client.get("/accounts/login/").content.decode()
    client.force_login(get_user_model().objects.create_user("tz", password="a-long-password"))
    for path in ("/", "/batches/"):
        assert "Times are in Asia/Tokyo" in client.get(path).content.decode()
