"""A backup taken with `triage referrals backup` holds the same patient data as the log: it gets
the log's owner, group and mode, as the backup an upgrade takes and a restored log do (a91d752).
Run as root (`sudo triage referrals backup`, or a root cron line) it was root's 0644 under the
usual umask - readable by every user of the box - beside a 0600 log."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from tests.admin.test_backup_dir import _config
from tests.referral.test_audit_rows_upgrade import _log_0017
from triage.cli import main


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_a_backup_root_takes_is_the_logs_owners_with_the_logs_mode(tmp_path: Path) -> None:
    log = _log_0017(tmp_path / "log")
    assert main(["referrals", "migrate", "--db", str(log)]) == 0
    os.chown(log, 4321, 4322)
    os.chmod(log, 0o600)
    folder = tmp_path / "backups"
    folder.mkdir()
    out = folder / "nightly.db"
    previous = os.umask(0o022)
    try:
        assert main(["referrals", "backup", "--db", str(log), "--out", str(out)]) == 0
        assert (
            main(["--config", str(_config(tmp_path, folder)), "referrals", "backup", "--db", str(log)]) == 0
        )
    finally:
        os.umask(previous)
    [named] = folder.glob("old.backup.*Z.db")
    for backup in (out, named):
        was = backup.stat()
        assert (was.st_uid, was.st_gid, stat.S_IMODE(was.st_mode)) == (4321, 4322, 0o600), backup
