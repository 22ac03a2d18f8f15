"""The writers' turn file beside the log (`clinic.db.writer-lock`, referral/writer_lock.py) left by
a process run as another user - `sudo triage serve` tried once on the clinic's log - with its mode
0600: the service, run as its own user, answered every walk-in 500 with a PermissionError
traceback in its log, while /readyz said ready. It now says so once and writes without the file.

A real `triage serve` on loopback and a real SQLite file; as root, the service runs as another
uid (setpriv), keeping only the capability to read the project's files.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest

from referral.schema import connect
from triage.service.database import Databases

from .test_log_retry import nurse_token, patients_like, post_walk_in, serve_on, wait_for
from .test_serve_startup import unstamped

SERVICE_UID = 54321


def test_a_turn_file_the_service_may_not_open_is_said_once_and_every_walk_in_is_stored(
    tmp_path: Path,
) -> None:
    db_path = tmp_path / "clinic.db"
    Databases(db_path, 5000).migrate()
    token = nurse_token(db_path)
    lock = Path(f"{db_path}.writer-lock")
    lock.touch()
    if os.getuid() == 0:
        if shutil.which("setpriv") is None:
            pytest.skip("as root, the service must run as another user: needs setpriv (util-linux)")
        prefix = [
            "setpriv",
            f"--reuid={SERVICE_UID}",
            f"--regid={SERVICE_UID}",
            "--clear-groups",
            "--inh-caps=+dac_read_search",
            "--ambient-caps=+dac_read_search",
            "--",
        ]
        for path in tmp_path.iterdir():  # the log is the service user's; the turn file root's
            if path != lock:
                os.chown(path, SERVICE_UID, SERVICE_UID)
        os.chown(tmp_path, SERVICE_UID, SERVICE_UID)
        lock.chmod(0o600)
    else:
        prefix = []
        lock.chmod(0o000)
    process, base, log = serve_on(db_path, tmp_path, prefix)
    try:
        wait_for(base, 200, process, log, 60)
        for number in (1, 2, 3):
            response = post_walk_in(base, token, f"TURN-{number}")
            assert response.status_code == 201, (response.text, log.read_text(encoding="utf-8"))
    finally:
        process.send_signal(signal.SIGINT)
        assert process.wait(15) == 130
    text = log.read_text(encoding="utf-8")
    assert "Traceback" not in text, text
    said = [line for line in unstamped(text) if line.startswith(f"cannot open {lock} ")]
    assert len(said) == 1, text
    assert said[0].endswith(
        ": the service's writers take turns through SQLite alone, slower under load - stop the service"
        " and delete the file (a process run as another user left it), or give it to the service's user"
    ), said
    assert patients_like(db_path, "TURN-%") == 3


def test_a_turn_file_made_by_root_belongs_to_the_log_s_owner(tmp_path: Path) -> None:
    """So `sudo triage serve` run once does not leave the service a file it may not open."""
    if os.getuid() != 0:
        pytest.skip("only root can make a file for another user")
    from referral.writer_lock import WriterLock

    db_path = tmp_path / "clinic.db"
    connect(db_path).close()
    os.chown(db_path, SERVICE_UID, SERVICE_UID + 1)
    turn = WriterLock(db_path)
    try:
        assert turn.try_acquire()
        turn.release()
    finally:
        turn.close()
    made = Path(f"{db_path}.writer-lock").stat()
    assert (made.st_uid, made.st_gid) == (SERVICE_UID, SERVICE_UID + 1)
