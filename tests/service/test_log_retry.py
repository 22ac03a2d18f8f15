"""`triage serve` whose referral log cannot be opened at start (its folder cannot be created: a file
stands where the folder goes, as a mount not back yet or a full disk would stop it) tries again in
the background and becomes ready once the folder is there - it stayed not ready until restarted.
A log a newer version migrated is not retried.

A real `triage serve` subprocess on loopback and real SQLite files.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from referral.schema import connect
from tests.ports import port_said
from tests.service.conftest import HTTP_TIMEOUT_S
from triage.service.accounts import Accounts
from triage.service.api.system import public_reason
from triage.service.auth import Role
from triage.service.database import Databases

from .test_serve_startup import TRIAGE, environment, unstamped


def readyz(base: str) -> httpx.Response | None:
    try:
        return httpx.get(f"{base}/readyz", headers={"Connection": "close"}, timeout=5)
    except httpx.TransportError:
        return None


def wait_for(
    base: str,
    status: int,
    process: subprocess.Popen[str],
    log: Path,
    within_s: float,
    seen: list[dict] | None = None,
) -> dict:
    """/readyz's body once it answers ``status``; every body it gave meanwhile appended to ``seen``."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(encoding="utf-8")
        response = readyz(base)
        if response is not None and seen is not None:
            seen.append(dict(response.json()))
        if response is not None and response.status_code == status:
            return dict(response.json())
        time.sleep(0.1)
    raise AssertionError(f"/readyz never answered {status}: {log.read_text(encoding='utf-8')}")


def serve_on(
    db_path: Path, tmp_path: Path, prefix: list[str] | None = None
) -> tuple[subprocess.Popen[str], str, Path]:
    """A real `triage serve` (one process) on ``db_path``; its log in ``tmp_path/serve.log``."""
    log = tmp_path / "serve.log"
    env = environment() | {"TRIAGE_DATA_DIR": str(tmp_path), "TRIAGE_DATABASE__PATH": str(db_path)}
    with log.open("w", encoding="utf-8") as err:
        process = subprocess.Popen(
            [*(prefix or []), TRIAGE, "serve", "--workers", "1", "--port", "0"],
            env=env,
            stderr=err,
            text=True,
        )
    try:
        port = port_said(lambda: log.read_text(encoding="utf-8"), process)  # --port 0: the one it got
    except BaseException:
        process.kill()
        process.wait()
        raise
    return process, f"http://127.0.0.1:{port}", log


def nurse_token(db_path: Path) -> str:
    """A nurse's API token in the log at ``db_path`` (made here, as an administrator would)."""
    databases = Databases(db_path, 5000)
    accounts = Accounts(databases)
    accounts.create("nurse", "nurse-password-1", Role.nurse, "en", actor="test-setup")
    token = accounts.issue_token("nurse", "log test", actor="test-setup")
    databases.close_all()
    return token


def post_walk_in(base: str, token: str, mrn: str) -> httpx.Response:
    return httpx.post(
        f"{base}/api/v1/assessments",
        json={
            "patient": {"mrn": mrn, "sex": "female"},
            "age_years": 50,
            "observations": [{"code": "spo2", "value": 97, "unit": "%"}],
        },
        headers={"Authorization": f"Bearer {token}", "Connection": "close"},
        timeout=HTTP_TIMEOUT_S,
    )


def patients_like(db_path: Path, pattern: str) -> int:
    """How many patients the log holds whose MRN is LIKE ``pattern``."""
    db = connect(db_path, migrate=False)
    try:
        return int(db.conn.execute("SELECT count(*) FROM patients WHERE mrn LIKE ?", [pattern]).fetchone()[0])
    finally:
        db.close()


def said_retrying(body: dict, why: str) -> None:
    """/readyz while the log is tried again: not ready, why, which attempt failed, when the next is."""
    retry = body["retry"]
    failed = retry["failed_attempts"]
    assert failed >= 1 and retry["next_attempt"] == failed + 1, body
    at = datetime.strptime(retry["next_attempt_at"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    now = datetime.now(UTC)
    assert now - timedelta(seconds=2) <= at <= now + timedelta(seconds=31), body
    assert 0 <= retry["next_attempt_in_s"] <= 30, body
    assert body["ready"] is False
    assert body["reason"] == (  # in full only to a signed-in administrator, and in the service log
        f"{public_reason(why)} (retrying in the background: attempt {failed} failed,"
        f" attempt {failed + 1} at {retry['next_attempt_at']})"
    )


def test_a_log_folder_usable_only_after_start_up_is_opened_then_and_the_service_becomes_ready(
    tmp_path: Path,
) -> None:
    blocker = tmp_path / "mnt"
    blocker.write_text("")  # where the log's folder goes (root writes anywhere: permissions cannot stop it)
    db_path = blocker / "clinic.db"
    process, base, log = serve_on(db_path, tmp_path)
    try:
        why = (
            f"invalid_config: database.path {db_path}: cannot create the referral log's folder"
            f" ({blocker} is a file, not a folder)"
        )
        first = wait_for(base, 503, process, log, 60)
        said_retrying(first, why)
        # A few retries fail meanwhile: said once in the log, still not ready, and /readyz
        # counts them.
        later = first
        while later["retry"]["failed_attempts"] < first["retry"]["failed_attempts"] + 1:
            later = wait_for(base, 503, process, log, 60)
            said_retrying(later, why)
        blocker.unlink()  # the folder is there now (the service makes none: a mistyped path)
        blocker.mkdir()
        # Opened by the attempt /readyz announced: no attempt fails once the folder is there.
        waiting: list[dict] = []
        assert wait_for(base, 200, process, log, 60, waiting)["retry"] is None
        # Until then /readyz says the retry it waits for, with its folder problem, or, once the log
        # has opened, what starts ("starting", then "loading policy and risk models" while a busy
        # machine loads them) - it said the folder problem the log no longer had without a retry,
        # and a step of the start with the retry that had ended (tests/service/test_readyz_one_snapshot.py).
        failed = {answer["retry"]["failed_attempts"] for answer in waiting[:-1] if answer["retry"]}
        assert len(failed) <= 1, waiting
        retrying = f"{public_reason(why)} (retrying in the background: attempt "
        starting = {"starting", "loading policy and risk models"}
        neither = [
            answer
            for answer in waiting[:-1]
            if not (
                answer["reason"].startswith(retrying) if answer["retry"] else answer["reason"] in starting
            )
        ]
        assert not neither, neither  # those answers, not all of them (pytest cuts a long list short)
        response = post_walk_in(base, nurse_token(db_path), "RETRY-1")
        assert response.status_code == 201, response.text
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 130
    text = log.read_text(encoding="utf-8")
    assert text.count("service not ready: ") == 1, text
    assert text.count(f"referral log {db_path} opens now; starting") == 1, text
    assert sum(line.startswith("ready: ") for line in unstamped(text)) == 1, text
    assert "Traceback" not in text
    assert patients_like(db_path, "RETRY-1") == 1


def test_a_log_from_a_newer_version_is_not_retried(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Retrying is for what can pass: a newer version's log stays refused, with its reason."""
    import sqlite3

    from fastapi.testclient import TestClient

    from triage.service import create_app

    from .conftest import make_settings

    path = tmp_path / "clinic.db"
    connect(path).close()
    raw = sqlite3.connect(path)
    raw.execute(
        "INSERT INTO _sqlite_migrations (migration_set, name, applied_at)"
        " VALUES ('clinic', '0099_from_the_future', '2030-01-01')"
    )
    raw.commit()
    raw.close()
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert "log_retry_task" not in app.state.runtime.extras
    assert response.status_code == 503
    assert response.json()["reason"].startswith("schema_too_new ("), response.text  # in full: the log
    assert (
        f"service not ready: schema_too_new: {path}: the referral log was written by a newer" in caplog.text
    )


def test_a_log_the_service_user_may_not_use_says_whose_it_is_and_opens_once_given_to_it(
    tmp_path: Path,
) -> None:
    """The clinic's log copied in as root, or the service started as the wrong user: the reason
    was '... not a usable referral log (SQLite: unable to open database file)'. It now says whose
    file it is and what to do; given to the service's user, the log opens without a restart."""
    from tests.referral.test_log_access import as_a_user_who_may_not, problem

    db_path = tmp_path / "clinic.db"
    connect(db_path).close()
    prefix, owner = as_a_user_who_may_not(db_path)
    process, base, log = serve_on(db_path, tmp_path, prefix)
    try:
        body = wait_for(base, 503, process, log, 60)
        assert body["reason"].startswith("invalid_config ("), body  # in full: the service log
        said = f"invalid_config: database.path {db_path}: cannot use {db_path}: {problem(db_path, prefix, owner)}"
        assert said in log.read_text(encoding="utf-8")
        assert body["retry"]["failed_attempts"] >= 1
        if prefix:
            os.chown(db_path, os.getuid(), os.getgid())
        db_path.chmod(0o600)
        assert wait_for(base, 200, process, log, 60)["ready"] is True
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 130
    assert "Traceback" not in log.read_text(encoding="utf-8")


def test_a_damaged_log_says_to_keep_it_and_restore_the_latest_backup(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A log cut short (a disk that failed, a copy stopped half way) was 'not a usable referral log
    (SQLite: database disk image is malformed)': not what to do. Not retried: it will not pass."""
    from fastapi.testclient import TestClient

    from triage.service import create_app

    from .conftest import make_settings

    path = tmp_path / "clinic.db"
    db = connect(path)
    db.conn.execute("PRAGMA journal_mode = DELETE")  # everything in the file itself
    db.close()
    with path.open("r+b") as file:
        file.truncate(path.stat().st_size // 2)
    app = create_app(make_settings(tmp_path))
    with TestClient(app) as client:
        response = client.get("/readyz")
        assert "log_retry_task" not in app.state.runtime.extras
    assert response.status_code == 503
    assert response.json()["reason"].startswith("invalid_config (")  # in full: the service log
    assert (
        f"service not ready: invalid_config: database.path {path}: {path} is damaged; stop every writer, keep the file as"
        " it is, and restore the latest backup (docs/referral-log.md, 'Backup and restore')"
        " (SQLite: database disk image is malformed)"
    ) in caplog.text
