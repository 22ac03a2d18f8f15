"""Every upgrade of a log from an older version takes a verified backup first: `triage serve` (its
line said "restoring the backup taken before the upgrade", though none was taken), `triage referrals
migrate` and the other writing commands (``connect()``) upgraded the clinic's only copy in place.
The backup lies beside the log, named with the schema it was at, checked (integrity, audit chain)
and synced; when it cannot be written (a real full disk: a small tmpfs) the log is not upgraded -
exit 2, one line, the log byte for byte as it was."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from referral.migrations import MIGRATIONS
from referral.schema import applied_migrations, connect, connect_to_read
from tests.referral.test_log_access import TRIAGE
from tests.service.test_full_disk_readiness import _fill, small_disk
from triage.cli import main
from triage.service.database import Databases, LogUnavailable

from .test_audit_rows_upgrade import _log_0017

__all__ = ["small_disk"]  # the fixture, used by name

SCHEMA_17 = [m.name for m in MIGRATIONS._migrations[:17]]


def _content(log: Path) -> str:
    """What the log holds, as SQL (opening it in WAL mode rewrites two header bytes, nothing else)."""
    raw = sqlite3.connect(log)
    try:
        return hashlib.sha256("\n".join(raw.iterdump()).encode()).hexdigest()
    finally:
        raw.close()


def _backups(folder: Path) -> list[Path]:
    return sorted(folder.glob("old.before-upgrade.schema17.*Z.db"))


def _at_schema_17(backup: Path) -> None:
    """The backup is the log as it was: schema 17, and its audit chain verifies."""
    copy = connect_to_read(backup, as_is=True)
    try:
        assert applied_migrations(copy) == SCHEMA_17
    finally:
        copy.close()
    assert main(["referrals", "verify-audit", "--db", str(backup)]) == 0


def test_migrate_backs_the_log_up_beside_it_first_and_names_the_backup(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log")
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    out = capsys.readouterr().out
    [backup] = _backups(log.parent)
    assert out.endswith(f"; the log as it was is backed up (checked) at {backup}\n"), out
    _at_schema_17(backup)
    capsys.readouterr()
    assert main(["referrals", "migrate", "--db", str(log), "--json"]) == 0  # nothing to upgrade: no backup
    assert json.loads(capsys.readouterr().out)["backup"] is None
    assert _backups(log.parent) == [backup]


def test_the_other_writing_commands_back_it_up_too(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log")
    connect(log).close()  # `facilities load`, `acknowledge`, `devices listen` ... open it this way
    [backup] = _backups(log.parent)
    _at_schema_17(backup)


def test_a_new_log_is_not_backed_up(tmp_path: Path) -> None:
    connect(tmp_path / "new.db").close()
    assert sorted(p.name for p in tmp_path.iterdir() if "before-upgrade" in p.name) == []


def test_no_room_for_the_backup_refuses_the_upgrade_and_leaves_the_log_as_it_was(small_disk: Path) -> None:
    log = _log_0017(small_disk / "log")
    filler = _fill(small_disk)
    os.truncate(filler, filler.stat().st_size - 128 * 1024)  # room for SQLite's -wal and -shm, not a copy
    before = _content(log)
    failed = subprocess.run(
        [TRIAGE, "referrals", "migrate", "--db", str(log)], capture_output=True, text=True, timeout=60
    )
    assert failed.returncode == 2, failed.stderr
    newest = MIGRATIONS._migrations[-1].name
    assert failed.stderr.startswith(
        f"error: referral log {log} is at schema 17 (0017_meter_operator_lists) and was not upgraded to"
        f" {newest}: the backup taken before an upgrade could not be written at {log.parent}/old.before-upgrade"
    ), failed.stderr
    assert failed.stderr.endswith("the log is unchanged - free space on that filesystem and try again\n")
    assert _content(log) == before
    assert sorted(p.name for p in log.parent.iterdir()) == ["old.db"]
    with pytest.raises(LogUnavailable) as info:  # `triage serve`: not ready, tried again in the background
        Databases(log, busy_timeout_ms=1000).migrate()
    assert str(info.value).startswith(f"database.path {log}: referral log {log} is at schema 17"), info.value
    assert info.value.code == "upgrade_refused"  # /readyz's label, as the CLI's; not invalid_config
    assert _content(log) == before and sorted(p.name for p in log.parent.iterdir()) == ["old.db"]
    filler.unlink()
    done = subprocess.run([TRIAGE, "referrals", "migrate", "--db", str(log)], capture_output=True, timeout=60)
    assert done.returncode == 0, done.stderr
    [backup] = _backups(log.parent)
    _at_schema_17(backup)
