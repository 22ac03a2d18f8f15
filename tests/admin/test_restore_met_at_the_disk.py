"""`triage referrals restore` onto a disk with room for the backup's copy but not for the restored
log's -wal and -shm: the check before it counted the backup's bytes only, so the clinic's log was
moved aside, the backup put in its place, and then the restore could not record itself in the
restored log's audit trail - 'error: referral log: the disk holding .../clinic.db is full; nothing
of this request was stored - free space on that filesystem and retry', exit 1, of a log already
replaced (clinic.db.replaced-<time> beside it, the restore in no audit entry). Now the check counts
the room the restored log needs once in place too (referral.restore.OPEN_ROOM) and refuses before
anything is changed, saying how much. Real processes and files; the disk is a tmpfs mounted in a
private mount namespace, as root only."""

from __future__ import annotations

import contextlib
import hashlib
import re
import sqlite3
from pathlib import Path

from referral.restore import OPEN_ROOM
from tests.admin.test_backup_dir_disk_full import pytestmark as pytestmark  # root and unshare
from tests.admin.test_restore_onto_a_full_disk import on_a_tmpfs
from tests.admin.test_restore_onto_a_read_only_disk import _log_and_backup
from tests.cli.running import TRIAGE
from tests.referral.test_audit_rows_upgrade import _log_0017

#: room on the tmpfs beyond the log and the backup's copy: the restored log's -shm alone is 32 KiB
SPARE = 16 * 1024


def test_room_for_the_copy_alone_is_refused_before_the_log_is_replaced(tmp_path: Path) -> None:
    _log_and_backup(tmp_path / "clinic.db", tmp_path / "b.db")
    copied = tmp_path / "copied.db"  # the log as the service leaves it once stopped: one file
    with contextlib.closing(sqlite3.connect(tmp_path / "clinic.db")) as conn:
        conn.execute("VACUUM INTO ?", (str(copied),))
    backup = (tmp_path / "b.db").stat().st_size
    disk = tmp_path / "disk"
    disk.mkdir()
    log = disk / "clinic.db"
    size = copied.stat().st_size + backup + SPARE  # the log, the backup's copy, and a little more
    restore = [TRIAGE, "referrals", "restore", "--from", str(tmp_path / "b.db"), "--db", str(log)]
    code, lines = on_a_tmpfs(f"size={size}", disk, copied, "room", restore)
    *_, error, held, hashed = lines
    assert code == 1, lines
    assert error.startswith(f"error: --db {log}: cannot restore there: the disk holding it has "), error
    assert error.endswith(
        f" bytes free, the restored log needs {backup + 128 * 1024:,} (the backup's {backup:,}, and"
        " 131,072 for its -wal and -shm, where the restore is recorded) - free space on that disk, then"
        " restore again; nothing was changed"
    ), error
    assert held == "held: clinic.db ", "the log was moved aside"
    assert hashed == f"hash: {hashlib.sha256(copied.read_bytes()).hexdigest()}"


def test_an_older_backup_whose_upgrade_fills_the_disk_says_the_log_was_replaced(tmp_path: Path) -> None:
    """A backup from an older version is upgraded once in place, and its migrations may need more
    than the room counted before the copy: the disk filled then, and the line said 'nothing of this
    request was stored - free space on that filesystem and retry' of a log already replaced by the
    backup (at its old schema, the restore in no audit entry). It now says what was done and what
    to do."""
    backup = _log_0017(tmp_path / "old")  # schema 17: 11 migrations to apply once restored
    _log_and_backup(tmp_path / "clinic.db", tmp_path / "b.db")
    disk = tmp_path / "disk"
    disk.mkdir()
    log = disk / "clinic.db"
    size = (tmp_path / "clinic.db").stat().st_size + backup.stat().st_size + OPEN_ROOM + 4096
    restore = [TRIAGE, "referrals", "restore", "--from", str(backup), "--db", str(log)]
    code, lines = on_a_tmpfs(f"size={size}", disk, tmp_path / "clinic.db", "room", restore)
    *_, error, held, _ = lines
    assert code == 1, lines
    (kept,) = re.findall(r"clinic\.db\.replaced-\d{8}T\d{6}Z", held)
    assert error == (
        f"error: --db {log}: the backup {backup} was put in place of the log (the replaced log is kept as"
        f" {disk / kept}), but the disk holding it filled before the restored log was upgraded and the"
        " restore recorded in its audit trail (SQLite: database or disk is full) - free space on that"
        " disk, then restore again (the log there now is the backup as it was: it is replaced and kept"
        " as the first one was)"
    )
