"""The service when the referral log cannot be written (full disk, failing disk): a write
request answers 503 with one line naming the problem (the file to a signed-in administrator only:
any other role is told to ask them) and saying that nothing was stored - the API in its JSON error,
the staff page in the user's language with that line under it - the log says it with the file once
per request, without a traceback, and nothing stored before is lost.

Two real mechanisms, no mocks: SQLite's own ``max_page_count`` on the service's group-commit
connection (SQLITE_FULL, exactly what a full disk gives), and a real ``triage serve`` process
whose file-size limit is lowered to 0 while it runs (``prlimit``: every write to a file fails
with EFBIG, SQLite's SQLITE_IOERR_WRITE - a disk that refuses writes).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import resource
import signal
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlite_utils import Database

from referral import store
from referral.errors import StorageError
from referral.records import PatientIn
from referral.schema import connect
from tests.ports import port_said
from tests.service.conftest import HTTP_TIMEOUT_S, WALK_IN, Staff, start_up_written
from tests.service.test_workers import TRIAGE
from triage.service.accounts import Accounts
from triage.service.api.deps import committer
from triage.service.auth import Role
from triage.service.commit import GroupCommitter
from triage.service.database import Databases


def _walk_in(mrn: str, name: str = "Synthetic Patient") -> dict[str, object]:
    return {**WALK_IN, "patient": {"mrn": mrn, "name": name, "sex": "female"}}


def _mrns(path: Path) -> list[str]:
    db = connect(path, migrate=False)
    try:
        return [str(row[0]) for row in db.conn.execute("SELECT mrn FROM patients ORDER BY id")]
    finally:
        db.close()


def test_a_full_log_answers_503_saying_so_and_keeps_what_was_stored(
    staff: Staff, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "clinic.db"
    nurse = staff.bearer(Role.nurse)
    first = staff.client.post("/api/v1/assessments", json=_walk_in("FULL-1"), headers=nurse)
    assert first.status_code == 201, first.text
    conn = committer(staff.app.state.runtime)._db.conn  # type: ignore[union-attr]
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full: no page can be added
    caplog.clear()
    with caplog.at_level(logging.INFO):
        refused = staff.client.post("/api/v1/assessments", json=_walk_in("FULL-2"), headers=nurse)
    assert refused.status_code == 503, refused.text
    body = refused.json()
    assert body["code"] == "storage_error" and body["status"] == 503
    message = body["error"]
    assert "\n" not in message and str(tmp_path) not in message and "the disk holding it is full" in message
    assert "nothing of this request was stored - ask the administrator to free space" in message
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    assert str(path) in errors[0].getMessage() and "is full" in errors[0].getMessage()
    assert errors[0].exc_info is None
    conn.execute("PRAGMA max_page_count = 1073741823")  # space freed: the service writes again
    again = staff.client.post("/api/v1/assessments", json=_walk_in("FULL-3"), headers=nurse)
    assert again.status_code == 201, again.text
    assert _mrns(path) == ["FULL-1", "FULL-3"]


@dataclass
class Served:
    process: subprocess.Popen[str]
    base: str
    token: str
    db_path: Path
    log: list[str]
    admin_token: str = ""  # an administrator's: /readyz tells only them its reason in full


def _ignore_file_size_signal() -> None:
    # EFBIG instead of SIGXFSZ killing the process: a write past the limit fails, as on a full disk
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)


@contextlib.contextmanager
def serving(
    db_path: Path, data_dir: Path, language: str = "zh", *, workers: int = 1, **options: Any
) -> Iterator[Served]:
    """A real ``triage serve --workers N`` on a new log at ``db_path`` with a nurse's API token, once
    ready and its start-up write done (the primary: wait for the workers yourself); ``options`` go
    to ``subprocess.Popen``."""
    databases = Databases(db_path, 5000)
    databases.migrate()
    accounts = Accounts(databases)
    accounts.create("hushi", "nurse-password-1", Role.nurse, language, actor="test-setup")
    token = accounts.issue_token("hushi", "storage test", actor="test-setup")
    accounts.create("guanli", "admin-password-1", Role.admin, language, actor="test-setup")
    admin_token = accounts.issue_token("guanli", "readiness monitor", actor="test-setup")
    databases.close_all()
    env = {
        **os.environ,
        "TRIAGE_DATA_DIR": str(data_dir),
        "TRIAGE_DATABASE__PATH": str(db_path),
        "TRIAGE_SERVICE__DEFAULT_LANGUAGE": language,
    }
    # the log goes through a pipe: a file would refuse the service's log lines too
    process = subprocess.Popen(
        [TRIAGE, "serve", "--workers", str(workers), "--port", "0"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
        **options,
    )
    log: list[str] = []
    assert process.stderr is not None
    reader = threading.Thread(target=lambda: log.extend(process.stderr or ()), daemon=True)
    reader.start()
    try:
        port = port_said(lambda: "".join(log), process)  # --port 0: the one it got, no race for it
        running = Served(process, f"http://127.0.0.1:{port}", token, db_path, log, admin_token)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{running.base}/readyz", timeout=HTTP_TIMEOUT_S).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        # its start-up write (its clock kept) done before the test: held off by a test's lock, it
        # waited for it in SQLite's busy handler - a thread waiting before the request - and took
        # the lock at the release, when the next request's note of its use never waits for it
        start_up_written(db_path, None)
        yield running
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
        reader.join(10)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    with serving(tmp_path / "clinic.db", tmp_path, preexec_fn=_ignore_file_size_signal) as running:
        yield running


def _idle_for_two_minutes(path: Path) -> None:
    db = connect(path, migrate=False)
    try:
        with db.conn:
            db.conn.execute(
                "UPDATE staff_sessions SET created_at = created_at - 120, last_seen = last_seen - 120"
            )
    finally:
        db.close()


def test_a_disk_that_refuses_writes_answers_503_on_the_api_and_the_page(served: Served) -> None:
    api = {"Authorization": f"Bearer {served.token}"}
    with httpx.Client(base_url=served.base, timeout=20) as client:
        assert client.post("/api/v1/assessments", json=_walk_in("DISK-1"), headers=api).status_code == 201
        login = client.post(
            "/login", data={"username": "hushi", "password": "nurse-password-1"}, follow_redirects=False
        )
        assert login.status_code == 303, login.text
        found = re.search(r'"X-CSRF-Token": "([^"]+)"', client.get("/queue").text)
        assert found is not None
        csrf = {"X-CSRF-Token": found[1]}
        _idle_for_two_minutes(served.db_path)  # the next page view touches the session (a write)
        limits = resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE)
        resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, (0, limits[1]))
        try:
            shown = client.get("/queue")  # reading still works: the touch is bookkeeping
            refused = client.post("/api/v1/assessments", json=_walk_in("DISK-2"), headers=api)
            page = client.post(
                "/walk-ins",
                data={"mrn": "DISK-3", "name": "王小明", "sex": "male", "age_years": "41"},
                headers=csrf,
            )
            account = {"username": "new-nurse", "password": "a-long-new-password-7", "role": "nurse"}
            admin = client.post(
                "/api/v1/users", json=account, headers={"Authorization": f"Bearer {served.admin_token}"}
            )
        finally:
            resource.prlimit(served.process.pid, resource.RLIMIT_FSIZE, limits)
        assert shown.status_code == 200 and "DISK-1" in shown.text, shown.text[:2000]
        assert refused.status_code == 503, refused.text
        body = refused.json()
        assert body["code"] == "storage_error"
        # the nurse is told the kind and to ask the administrator, never the log's path (its folder)
        assert str(served.db_path.parent) not in refused.text, body
        assert body["error"].startswith(
            "referral log: reading or writing it failed at the disk (a full or failing disk?); nothing of"
            " this request was stored - ask the administrator to check the disk (the file and what to"
            " do are in the service log, and in this answer to a signed-in administrator)"
        )
        assert "\n" not in body["error"]
        assert page.status_code == 503, page.text[:2000]
        said = (
            "未保存任何内容：写入记录数据库时磁盘出错（磁盘已满或故障？）。请联系管理员检查磁盘后重新提交。"
        )
        assert said in page.text and "nothing of this request was stored" in page.text  # English under it
        assert str(served.db_path.parent) not in page.text, page.text[:2000]
        # the administrator is told the file
        assert (admin.status_code, admin.json()["code"]) == (503, "storage_error"), admin.text
        assert str(served.db_path) in admin.json()["error"] and admin.json()["context"] == {
            "file": str(served.db_path)
        }
        after = client.post("/api/v1/assessments", json=_walk_in("DISK-4"), headers=api)
        assert after.status_code == 201, after.text
    assert _mrns(served.db_path) == ["DISK-1", "DISK-4"]
    log = "".join(served.log)
    assert "Traceback" not in log, log
    failed = [line for line in served.log if "storage_error" in line]
    assert len(failed) == 3 and all(str(served.db_path) in line for line in failed), log


def test_a_batch_the_full_disk_rolled_back_is_refused_whole_and_the_next_one_is_stored(
    tmp_path: Path,
) -> None:
    """SQLite rolls the whole group-commit transaction back on SQLITE_FULL: the units that had
    already run in it are lost too, so no unit of that batch may be acknowledged."""
    path = tmp_path / "clinic.db"
    connect(path).close()

    def register(mrn: str) -> Callable[[Database], int]:
        def unit(db: Database) -> int:
            row = store.upsert_patient(db, PatientIn(mrn=mrn, name="x" * 200), actor="test", reason="t")
            return int(row["id"])

        return unit

    async def scenario() -> tuple[list[object], list[object]]:
        writer = GroupCommitter(path, 5000)
        writer.start()
        try:
            conn = writer._db.conn  # type: ignore[union-attr]
            pages = conn.execute("PRAGMA page_count").fetchone()[0]
            conn.execute(f"PRAGMA max_page_count = {pages}")  # the disk is full
            full = await asyncio.gather(
                *(writer.run(register(f"F{i}")) for i in range(40)), return_exceptions=True
            )
            conn.execute("PRAGMA max_page_count = 1073741823")
            freed = await asyncio.gather(
                *(writer.run(register(f"G{i}")) for i in range(3)), return_exceptions=True
            )
            return list(full), list(freed)
        finally:
            await writer.stop()

    full, freed = asyncio.run(scenario())
    assert all(isinstance(result, StorageError) for result in full), full
    assert all(str(path) in str(result) and "is full" in str(result) for result in full)
    assert all(isinstance(result, int) for result in freed), freed
    assert _mrns(path) == ["G0", "G1", "G2"]
