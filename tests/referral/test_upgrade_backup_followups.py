"""The backup an upgrade takes first, for the administrator: run as root (`sudo triage referrals
migrate`) it is the log's owner's with the log's mode, as a restore's file is (it was root's 0644:
patient data readable by every user of the box); a log whose audit chain is broken is still backed
up and upgraded (the copy is faithful), but the message says so and where; and a restore from an
older backup upgrades the restored log without a second copy beside it, the --from file being the
log as it was."""

from __future__ import annotations

import logging
import os
import stat
from pathlib import Path

import pytest

from triage.cli import main
from triage.service.database import Databases

from .test_audit_rows_upgrade import _log_0017
from .test_upgrade_backup import _at_schema_17, _backups

BREAK_THE_CHAIN = ("DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'mallory' WHERE seq = 2")


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_backup_taken_by_root_is_the_logs_owners_with_the_logs_mode(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log")
    os.chown(log, 4321, 4322)
    os.chmod(log, 0o600)
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    [backup] = _backups(log.parent)
    was = backup.stat()
    assert (was.st_uid, was.st_gid, stat.S_IMODE(was.st_mode)) == (4321, 4322, 0o600)
    _at_schema_17(backup)


def test_migrate_says_the_chain_of_the_log_it_backed_up_is_broken_and_upgrades_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = _log_0017(tmp_path / "log", *BREAK_THE_CHAIN)
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    out = capsys.readouterr().out
    [backup] = _backups(log.parent)
    assert f"backed up (checked) at {backup}; warning: its audit chain is broken at entry 2 (" in out, out
    assert "run `triage referrals verify-audit`" in out, out
    assert main(["referrals", "migrate", "--db", str(log), "--json"]) == 0  # upgraded: nothing pending


def test_serve_says_the_chain_of_the_log_it_backed_up_is_broken(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    log = _log_0017(tmp_path / "log", *BREAK_THE_CHAIN)
    with caplog.at_level(logging.WARNING, logger="triage.service"):
        Databases(log, busy_timeout_ms=1000).migrate()
    [backup] = _backups(log.parent)
    [line] = [r.getMessage() for r in caplog.records if "upgraded from schema 17" in r.getMessage()]
    assert f"`triage referrals restore --from {backup}`" in line, line
    assert "; warning: its audit chain is broken at entry 2 (" in line, line
    assert "run `triage referrals verify-audit`" in line, line


def test_restore_of_an_older_backup_upgrades_it_without_a_second_copy(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old = _log_0017(tmp_path / "backups")  # a backup the previous version took
    log = tmp_path / "srv" / "clinic.db"
    log.parent.mkdir()  # --db in a folder that does not exist is refused (ce3ebde)
    assert main(["referrals", "restore", "--from", str(old), "--db", str(log)]) == 0
    out = capsys.readouterr().out
    assert f"(no backup taken before the upgrade: {old} is the log as it was)" in out, out
    assert sorted(p.name for p in log.parent.iterdir() if "before-upgrade" in p.name) == []
    assert main(["referrals", "verify-audit", "--db", str(log)]) == 0
