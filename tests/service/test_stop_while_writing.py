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
import struct
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.service.test_storage_failures import _mrns, _walk_in, serving

#: The services' ``database.busy_timeout_ms`` here: their stop waits that plus 2 s for the request
#: (``triage.service.server.stop_grace_s``), 3 s instead of the default's 7 s, before it cancels the
#: request. The request still waits longer than that: at the writers' turn (a ``flock``, no timeout)
#: or in SQLite's busy handler (six tries of 1 s and their pauses, 7.4 s), so it is cancelled as
#: with the default - the stop these tests are about - and not answered ``database_busy``.
BUSY_TIMEOUT_MS = "1000"


@pytest.fixture(autouse=True)
def _shorter_stop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIAGE_DATABASE__BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS)  # serving's environment


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
#: How far above a sleeping thread's stack pointer SQLite's return address is looked for: past the
#: frames of nanosleep and usleep (it lies 104 bytes up with Debian 12's glibc).
_STACK_BYTES = 512


def _sqlite_code(pid: int) -> list[range]:
    """Where SQLite's machine code lies in process ``pid``: the executable mappings of libsqlite3,
    or of Python's ``_sqlite3`` module where SQLite is built into it."""
    code = []
    for line in Path(f"/proc/{pid}/maps").read_text(encoding="utf-8").splitlines():
        fields = line.split(maxsplit=5)
        if len(fields) == 6 and "x" in fields[1] and "sqlite3" in Path(fields[5]).name:
            start, end = (int(address, 16) for address in fields[0].split("-"))
            code.append(range(start, end))
    return code


def _waiting_in_sqlite(pid: int) -> dict[int, str]:
    """The threads of process ``pid`` asleep in SQLite's busy handler now, by id, with their names
    for the system: in a sleep system call that SQLite made - a return address into SQLite's code
    just above the stack pointer. (Other sleeps of the service - ``time.sleep``, a retry's pause -
    have none there.)"""
    code = _sqlite_code(pid)
    waiting = {}
    with open(f"/proc/{pid}/mem", "rb") as memory:
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(OSError):  # the thread ended meanwhile
                call = (task / "syscall").read_text(encoding="utf-8").split()  # number, 6 args, sp, pc
                if call[0] not in _SLEEPS:
                    continue
                memory.seek(int(call[7], 16))
                stack = memory.read(_STACK_BYTES)
                words = struct.unpack(f"<{len(stack) // 8}Q", stack[: len(stack) // 8 * 8])
                if any(word in span for word in words for span in code):
                    waiting[int(task.name)] = (task / "comm").read_text(encoding="utf-8").strip()
    return waiting


def sigterm_once_it_waits(
    process: subprocess.Popen[str], send: Callable[[], None], *, thread: str | None = None
) -> threading.Thread:
    """Run ``send`` (a request whose write will wait for the log another writer holds) in a thread
    and SIGTERM ``process`` once a thread of it (named ``thread`` for the system, if given) is seen
    asleep in SQLite's busy handler, where none was before the request; the thread, running.

    It counted the service's threads in any sleep against a count taken first and looked again
    after seeing one more: the second look found the waiting thread between two of its sleeps (on a
    busy box, woken and waiting for a CPU) about one run in six. The sighting is now the proof."""
    assert not _waiting_in_sqlite(process.pid), "a thread waited for the log before the request"
    sender = threading.Thread(target=send)
    sender.start()
    deadline = time.monotonic() + 30
    seen: dict[int, str] = {}
    while not any(thread in (None, name) for name in seen.values()) and time.monotonic() < deadline:
        time.sleep(0.02)
        seen = _waiting_in_sqlite(process.pid)
    where = "" if thread is None else f" on its {thread} thread"
    assert any(thread in (None, name) for name in seen.values()), (
        f"the request never waited for the log{where}; waiting: {seen or 'none'}"
    )
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
