"""`triage serve` on a log from an older version, on a disk without room for the backup it takes
before upgrading (a real full tmpfs): not ready, saying why, the log not upgraded - then, once the
disk has room, it backs the log up, upgrades it and becomes ready without a restart (it upgraded the
clinic's only copy in place, and its line spoke of a backup none had taken)."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import httpx

from referral.migrations import MIGRATIONS
from tests.ports import port_said
from tests.referral.test_audit_rows_upgrade import _log_0017
from tests.referral.test_upgrade_backup import _backups, _content
from tests.service.conftest import HTTP_TIMEOUT_S
from tests.service.test_full_disk_readiness import _fill, small_disk
from tests.service.test_storage_failures import TRIAGE

__all__ = ["small_disk"]  # the fixture, used by name


def _readyz_until(base: str, wanted: int, deadline_s: float = 60) -> dict[str, object]:
    started = time.monotonic()
    while True:
        assert time.monotonic() - started < deadline_s, f"/readyz never answered {wanted}"
        try:
            answer = httpx.get(f"{base}/readyz", timeout=HTTP_TIMEOUT_S)
            if answer.status_code == wanted and answer.json().get("reason") != "starting":
                return dict(answer.json())
        except httpx.TransportError:
            pass
        time.sleep(0.2)


def test_serve_does_not_upgrade_without_room_for_the_backup_and_does_once_it_has_room(
    small_disk: Path, tmp_path: Path
) -> None:
    log = _log_0017(small_disk / "log")
    filler = _fill(small_disk)
    os.truncate(filler, filler.stat().st_size - 128 * 1024)  # room for SQLite's -wal and -shm, not a copy
    before = _content(log)
    env = {**os.environ, "TRIAGE_DATABASE__PATH": str(log), "TRIAGE_DATA_DIR": str(tmp_path)}
    process = subprocess.Popen(
        [TRIAGE, "serve", "--workers", "1", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True
    )
    said_so: list[str] = []
    reader = threading.Thread(target=lambda: said_so.extend(process.stderr or ()), daemon=True)
    reader.start()
    try:
        base = f"http://127.0.0.1:{port_said(lambda: ''.join(said_so), process)}"
        started = time.monotonic()
        while True:  # not ready for the backup, not for something else
            said = _readyz_until(base, 503)
            if str(said.get("reason")).startswith("upgrade_refused ("):  # in full: the service log
                break
            assert time.monotonic() - started < 60, said
            time.sleep(0.2)
        full = f"upgrade_refused: database.path {log}: referral log {log} is at schema 17"
        assert full in "".join(said_so), said_so
        assert _content(log) == before and _backups(log.parent) == []
        filler.unlink()
        _readyz_until(base, 200)
        [backup] = _backups(log.parent)
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)
        reader.join(10)
    err = "".join(said_so)
    assert f"the backup taken before the upgrade, {backup}" in err, err
    assert f"to schema {len(MIGRATIONS._migrations)}" in err and "Traceback" not in err, err
