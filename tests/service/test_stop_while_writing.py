"""SIGTERM while a walk-in waits for its turn at the referral log: a real ``triage serve`` whose
writers' turn (``clinic.db.writer-lock``, a real ``flock``) another process holds. The service waits
a few seconds for the requests still running (uvicorn's graceful shutdown), then cancels them: the
walk-in answers 503 ``writer_unavailable`` saying it may or may not be stored and to send it again
with the same idempotency_key - it answered a bare 500 "Internal Server Error", with a traceback in
the log, and was then stored all the same by the shutdown's last commit."""

from __future__ import annotations

import fcntl
import signal
import threading
import time
from pathlib import Path
from typing import Any

import httpx

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
