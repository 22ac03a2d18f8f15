"""SIGTERM while a walk-in waits for its turn at the referral log: a real ``triage serve`` whose
writers' turn (``clinic.db.writer-lock``, a real ``flock``) another process holds. The service waits
a few seconds for the requests still running (uvicorn's graceful shutdown), then cancels them: the
walk-in answers 503 ``writer_unavailable`` saying it may or may not be stored and to send it again
with the same idempotency_key - it answered a bare 500 "Internal Server Error", with a traceback in
the log, and was then stored all the same by the shutdown's last commit."""

from __future__ import annotations

import contextlib
import fcntl
import html
import platform
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.test_storage_failures import _mrns, _walk_in, serving


def _waits_for_the_turn(pid: int) -> bool:
    """Whether process ``pid`` waits for a ``flock`` (a blocked lock in ``/proc/locks``)."""
    for line in Path("/proc/locks").read_text(encoding="utf-8").splitlines():
        fields = line.split()
        if "->" in fields and "FLOCK" in fields and str(pid) in fields:
            return True
    return False


def test_sigterm_while_a_walk_in_waits_for_the_log_answers_503_resend(tmp_path: Path) -> None:
    with serving(tmp_path / "clinic.db", tmp_path, "en") as served:
        api = {"Authorization": f"Bearer {served.token}"}
        answer: dict[str, Any] = {}
        with (tmp_path / "clinic.db.writer-lock").open("a") as turn:
            fcntl.flock(turn, fcntl.LOCK_EX)  # another writer's turn: the walk-in waits for it

            def send() -> None:
                body = {**_walk_in("STOP-1"), "idempotency_key": "stop-1"}
                response = httpx.post(f"{served.base}/api/v1/assessments", json=body, headers=api, timeout=60)
                answer["status"], answer["text"] = response.status_code, response.text

            sender = threading.Thread(target=send)
            sender.start()
            deadline = time.monotonic() + 30
            while not _waits_for_the_turn(served.process.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            assert _waits_for_the_turn(served.process.pid), "the walk-in never waited for the log"
            served.process.send_signal(signal.SIGTERM)
            sender.join(60)  # answered once the service stops waiting for it
            fcntl.flock(turn, fcntl.LOCK_UN)
        assert served.process.wait(30) == -signal.SIGTERM
    assert answer["status"] == 503, answer
    said = httpx.Response(503, text=answer["text"]).json()
    assert said["code"] == "writer_unavailable", said
    assert "may or may not be stored" in said["error"] and "same idempotency_key" in said["error"], said
    log = "".join(served.log)
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
    assert _mrns(served.db_path) == ["STOP-1"]  # the shutdown's last commit stored it


#: clock_nanosleep and nanosleep (x86-64): SQLite's busy handler sleeps between tries for a lock.
_SLEEPS = {"230", "35"}


def _sleeping_threads(pid: int) -> int:
    """How many threads of process ``pid`` are in a sleep system call now."""
    count = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        with contextlib.suppress(OSError):
            count += (task / "syscall").read_text(encoding="utf-8").split()[0] in _SLEEPS
    return count


def sigterm_once_it_waits(process: subprocess.Popen[str], send: Callable[[], None]) -> threading.Thread:
    """Run ``send`` (a request that will wait for the log another writer holds) in a thread and
    SIGTERM ``process`` once one more thread of it sleeps than before - in SQLite's busy handler;
    the thread, running."""
    before = _sleeping_threads(process.pid)  # a thread of the service sleeping for its own reasons
    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 30
    while _sleeping_threads(process.pid) <= before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert _sleeping_threads(process.pid) > before, "the request never waited for the log"
    process.send_signal(signal.SIGTERM)
    return sender


def test_sigterm_while_the_walk_in_page_waits_for_the_log_answers_503_not_500(tmp_path: Path) -> None:
    """The staff page's walk-in form, waiting for SQLite's lock that another process holds (its
    busy handler sleeping between tries): the stopping service answers the page 503, saying it
    stopped the request and that what it was storing may or may not be stored."""
    if platform.machine() != "x86_64":
        pytest.skip("the sleep system calls' numbers are x86-64's")
    with serving(tmp_path / "clinic.db", tmp_path, "zh") as served:  # the nurse reads Chinese
        client = httpx.Client(base_url=served.base, timeout=60)
        login = {"username": "hushi", "password": "nurse-password-1"}
        assert client.post("/login", data=login, follow_redirects=False).status_code == 303
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
        assert found is not None
        assert _sleeping_threads(served.process.pid) == 0
        other = sqlite3.connect(tmp_path / "clinic.db", isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another writer holds the log
        answer: dict[str, Any] = {}

        def send() -> None:
            form = {"mrn": "STOP-2", "name": "Synthetic Patient", "sex": "male", "age_years": "41"}
            response = client.post("/walk-ins", data=form, headers={"X-CSRF-Token": found[1]})
            answer["status"], answer["text"] = response.status_code, response.text

        sigterm_once_it_waits(served.process, send).join(60)
        other.execute("ROLLBACK")
        other.close()
        assert served.process.wait(30) == -signal.SIGTERM
        client.close()
    assert answer["status"] == 503, answer
    shown = html.unescape(answer["text"])
    assert "服务正在停止，此操作在完成前被中止" in shown, shown  # error.stopped, in the nurse's language
    assert "the service is stopping and stopped this request" in shown, shown  # the log's line under it
    log = "".join(served.log)
    assert "Traceback" not in log and "Exception in ASGI application" not in log, log
