"""What a backup's copy that cannot be written is told to do: referral.storage's advice was the
log's for every file - "remount it read-write, or move the log (database.path) to a disk that can
be written", "give the log to this user (chown ... clinic.db-wal ...)", "make it writable (SQLite also
writes ...-wal and ...-shm beside it)" - so a backup onto a USB stick that turned read-only mid-copy
told the administrator to move the referral log. Now a backup's copy is told what is true of a
backup (write it to a disk that can be written: --out, database.backup_dir), the log as before.
Real SQLite files; the folder read-only as the backup module meets it: as root a read-only bind
mount in a private mount namespace (skipped where not allowed), else chmod 555."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.referral.test_read_only_log import read_only_mount

BACKUP_ELSEWHERE = "write the backup to a folder on a disk that can be written (--out, database.backup_dir)"
#: a write to the copy in a folder now read-only: the SQLite error storage_error is given, as the
#: backup module gives it (subject "backup", its outcome), and as the log's writers give theirs
WRITE = """
import json, sqlite3, sys
from referral.storage import storage_error
path = sys.argv[1]
conn = sqlite3.connect(path)
try:
    conn.execute("INSERT INTO t VALUES (1)")
    conn.commit()
except sqlite3.Error as exc:
    outcome = f"no backup was written (nothing is left at {path[:-8]}) and the referral log is unchanged"
    backup = storage_error(exc, path, subject=sys.argv[2], outcome=outcome)
    log = storage_error(exc, path)
    print(json.dumps([str(backup), str(log)]))
else:
    print(json.dumps(None))
"""


def _written_on_a_read_only_folder(tmp_path: Path, subject: str) -> tuple[Path, str, str]:
    """A backup's copy in a folder made read-only, written to: what it is told as ``subject`` and as
    the log."""
    usb = tmp_path / "usb"
    usb.mkdir()
    copy = usb / "b.db.partial"
    made = sqlite3.connect(copy)
    made.execute("CREATE TABLE t (x)")
    made.commit()
    made.close()
    command = [sys.executable, "-c", WRITE, str(copy), subject]
    root = os.geteuid() == 0
    if root:
        command = read_only_mount(usb, command)
    else:  # the copy is this user's: SQLite cannot make its -journal in the folder
        usb.chmod(0o555)
    try:
        done = subprocess.run(
            command, cwd=Path(__file__).resolve().parents[2], capture_output=True, text=True, timeout=120
        )
    finally:
        usb.chmod(0o755)
    if root and done.returncode != 0 and "mount" in done.stderr:
        pytest.skip(f"a read-only bind mount is not allowed here: {done.stderr.strip()[-200:]}")
    assert done.returncode == 0, done.stderr
    said = json.loads(done.stdout)
    assert said is not None, "the write went through"
    backup, log = said
    return copy, backup, log


def test_a_backup_copy_on_a_read_only_folder_is_told_what_to_do_with_the_backup(tmp_path: Path) -> None:
    copy, backup, log = _written_on_a_read_only_folder(tmp_path, "backup")
    usb, root = copy.parent, os.geteuid() == 0
    assert backup.startswith(f"backup: cannot use {copy}: "), backup
    if root:
        assert f"mounted at {usb}, is read-only: remount it read-write, or {BACKUP_ELSEWHERE}" in backup, (
            backup
        )
    assert BACKUP_ELSEWHERE in backup, backup
    for logs_words in ("database.path", "move the log", "give the log", "-wal", "the log's user"):
        assert logs_words not in backup, (logs_words, backup)
    # the log itself is still told what to do with the log
    assert log.startswith(f"referral log: cannot use {copy}: "), log
    assert "move the log (database.path)" in log if root else "give the log to this user" in log, log


def test_the_backup_an_upgrade_takes_is_not_told_of_an_out_it_cannot_be_given(tmp_path: Path) -> None:
    """The backup `migrate` (or `serve`, any command that upgrades) takes first was told "write the
    backup to a folder on a disk that can be written (--out, database.backup_dir)": no such command
    takes --out. It is told the setting that says where that backup is written, and the room it needs."""
    copy, said, _ = _written_on_a_read_only_folder(tmp_path, "backup before the upgrade")  # UPGRADE_BACKUP
    assert said.startswith(f"backup before the upgrade: cannot use {copy}: "), said
    assert "--out" not in said, said
    assert (
        "set database.backup_dir in the settings to a folder on a disk that can be written, with room for a"
        " copy of the log, where the upgrade writes its backup" in said
    ), said
