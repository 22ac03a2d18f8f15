"""Restore: a checked backup put in place of the referral log (stopped), the log it replaces kept
beside it, and the restore recorded in the restored log's own audit trail. The copy itself is
written as a backup is (:mod:`referral.backup`): to ``<log>.partial``, checked, synced, renamed."""

from __future__ import annotations

import glob
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from referral import audit
from referral.backup import (
    BackupReport,
    _check,
    _read_only,
    _same_owner_and_mode,
    _sync_folder,
    _write_copy,
    not_a_log,
    partial_of,
)
from referral.errors import ConflictError, IntegrityError, StorageError, UserInputError
from referral.plurals import counted
from referral.schema import refuse_newer_schema
from referral.storage import access_problem, free_bytes
from referral.transactions import write
from referral.upgrade_record import RESTORE_ACTION


@dataclass(frozen=True)
class RestoreReport:
    path: Path
    moved_aside: list[Path]
    backup: BackupReport

    def as_dict(self) -> dict[str, Any]:
        return {
            "db": str(self.path),
            "moved_aside": [str(p) for p in self.moved_aside],
            "from": self.backup.as_dict(),
        }


def record_restore(db: Database, report: RestoreReport, source: Path, actor: str) -> int:
    """The restore in the restored log's own trail (``log.restore``, entity ``log``): from which
    backup (its path, its chain head), and where the log it replaced is kept. Without it the trail
    went on from the backup's last entry as if nothing had happened: whatever the replaced log held
    after the backup was gone without a trace in the log itself. Compared with no table. Returns
    the entry's ``seq``."""
    head = report.backup.audit
    data = {
        "from": str(source.resolve()),  # relative, it named no file a year later
        "backup_head": None if head.head_hash is None else f"{head.entries}:{head.head_hash}",
        "replaced": [str(p) for p in report.moved_aside],
    }
    return write(
        db,
        lambda db: audit.append(
            db,
            actor=actor,
            action=RESTORE_ACTION,
            entity="log",
            entity_id=report.path.name,
            reason="restored from a backup: what the replaced log held after it is not in this log",
            data=data,
        ),
    )


def restore(
    source: Path, target: Path, *, replace_newer: bool = False, replace_damaged: bool = False
) -> RestoreReport:
    """Put the backup ``source`` in place of the log ``target`` (stopped: no process may have it
    open). The backup is checked first and refused if SQLite finds it damaged, its audit chain
    is broken or its tables differ from it. A log holding audit entries the backup does not
    (written after it was taken, or another log's) is replaced only with ``replace_newer``
    (:func:`refuse_newer_log`). The log it replaces is moved aside with its ``-wal``
    and ``-shm`` (kept: they may be evidence) - a ``-wal`` left beside the restored file would be
    replayed into it. A file SQLite cannot read as a referral log is replaced only with
    ``replace_damaged`` (:func:`refuse_not_a_log`). Pending migrations are the caller's (``connect``)."""
    if source.is_dir():
        raise UserInputError(_a_folder(source))
    if not source.is_file():
        raise UserInputError(f"--from {source}: no backup file there")
    if target.exists() and source.resolve() == target.resolve():
        raise UserInputError(f"--from {source} is the referral log itself; give a backup file")
    refuse_unwritable(target, source.stat().st_size)  # before the backup's check: minutes for a year's log
    try:
        backup_db = _read_only(source)
    except sqlite3.DatabaseError as exc:
        raise UserInputError(f"--from {source}: cannot open it (SQLite: {exc})") from None
    try:
        checked = _check_backup(backup_db, source)
        if target.exists():
            if not replace_damaged:
                refuse_not_a_log(target)
            if not replace_newer:  # read as it is: the check below leaves it in rollback mode
                refuse_newer_log(target, backup_db, source)
            _refuse_while_open(target)  # before copying: refused with nothing changed
        moved: list[Path] = []

        def aside() -> None:
            # Only once the copy is written and synced beside it: the log was moved aside first,
            # so a restore killed or cut off by a power failure during the copy (seconds for a
            # large log) left no log under the name, and the service started next created an
            # empty one there.
            if target.exists():
                _same_owner_and_mode(partial_of(target), target)
                moved.extend(_move_aside(target))
            else:  # a new box: the log is its folder's owner's (the service's data folder)
                _folder_s_owner(partial_of(target), target.parent)

        try:
            # the backup as checked, with its own -wal's commits
            _write_copy(backup_db, target, lambda _: None, before_rename=aside)
        except BaseException:
            # A copy that failed (a full disk) left no log under the name: the next start of the
            # service would have created an empty one there, and run on it, without a word.
            _put_back(moved, target)
            raise
    finally:
        backup_db.close()
    return RestoreReport(target, moved, checked)


#: how many of a folder's backups the error for ``--from FOLDER`` names
FOLDER_NAMED = 5


def _a_folder(source: Path) -> str:
    """``--from`` named a folder (the backups' drive): said so, with the ``.db`` files in it, the
    newest first - it said "no backup file there", as if the drive were empty."""
    found = sorted(
        (p for p in source.glob("*.db") if p.is_file()),
        key=lambda p: (p.stat().st_mtime_ns, p.name),
        reverse=True,
    )
    if not found:
        return (
            f"--from {source} is a folder, with no .db file in it; give the backup file; nothing was changed"
        )
    named = ", ".join(str(p) for p in found[:FOLDER_NAMED]) + (" ..." if len(found) > FOLDER_NAMED else "")
    return f"--from {source} is a folder; give the backup file in it: {named} (the newest first); nothing was changed"


def refuse_unwritable(target: Path, needs: int) -> None:
    """Refuse (:class:`StorageError`, nothing changed) a restore into a folder this user cannot
    write, on a read-only filesystem, or on a disk with less room than the backup's ``needs``
    bytes or no inode left, saying so: the copy is written beside the log and renamed over it.
    SQLite could not open the log there either (no ``-shm``), so a read-only or full disk was said
    "SQLite cannot read it as a referral log ... or a damaged log: give --replace-damaged" of a
    sound log, and with --replace-damaged the copy's first step ended in a traceback."""
    if not target.parent.is_dir():  # a new box's folder, made by the copy (or its error said)
        return
    problem = access_problem(partial_of(target))  # the folder, and a copy a killed restore left
    if problem is not None:
        raise StorageError(
            f"--db {target}: cannot restore there: {problem}; nothing was changed",
            says="error.storage.read_only",
            params={"file": str(target)},
        )
    problem = _no_room(target.parent, needs)
    if problem is not None:
        raise StorageError(
            f"--db {target}: cannot restore there: the disk holding it {problem} - free space on that"
            " disk, then restore again; nothing was changed",
            says="error.storage.full",
            params={"file": str(target)},
        )


#: The files a restore makes beside the log at most at once: its copy, then the restored log's -wal and
#: -shm (the copy's rollback journal is gone by then; the log moved aside keeps its own).
RESTORE_MAKES = 3

#: The room a restored log needs beside the backup's bytes once it is in place: its -shm (32 KiB)
#: and a -wal for the restore's audit entry (a few 4 KiB pages; 44 KiB in all for a new log's),
#: with room to spare. Only the backup's size was counted: on a disk with room for the copy alone
#: the log was moved aside, the backup put in its place, and the restore's entry could not be
#: written - 'nothing of this request was stored ... retry', of a log already replaced.
OPEN_ROOM = 128 * 1024


def _no_room(folder: Path, needs: int) -> str | None:
    """How the filesystem holding ``folder`` has no room for a copy of ``needs`` bytes and the
    restored log's -wal and -shm (:data:`OPEN_ROOM`), as
    ``statvfs`` says (root may use the blocks and inodes reserved for it); ``None`` when it has, or
    cannot say (a filesystem that counts no inodes, btrfs, says 0 of 0)."""
    try:
        fs = os.statvfs(folder)
    except OSError:
        return None
    files = fs.f_ffree if os.geteuid() == 0 else fs.f_favail
    if fs.f_files and files < RESTORE_MAKES:
        room = f"only {counted(files, 'more files')}" if files else "no more files"
        return (
            f"has room for {room} (inodes), the restore makes {RESTORE_MAKES} (its copy, then the"
            " restored log's -wal and -shm)"
        )
    free = free_bytes(folder)
    if free < needs + OPEN_ROOM:
        return (
            f"has {free:,} bytes free, the restored log needs {needs + OPEN_ROOM:,} (the backup's"
            f" {needs:,}, and {OPEN_ROOM:,} for its -wal and -shm, where the restore is recorded)"
        )
    return None


def refuse_not_a_log(target: Path) -> None:
    """Refuse (``ConflictError``, nothing changed) to replace a file that SQLite cannot read as a
    referral log (:func:`referral.backup.not_a_log`): a mistyped ``--db`` naming another file (as
    root, any file of the system) was moved aside and replaced without a word. It may also be the
    log damaged beyond reading, the reason to restore: then ``--replace-damaged``."""
    problem = not_a_log(target)
    if problem is not None:
        raise ConflictError(
            f"--db {target}: {problem} - the wrong path (check --db), or a damaged log: to put the backup"
            f" in its place all the same (the file is kept beside it as {target.name}.replaced-<time>),"
            " give --replace-damaged; nothing was changed"
        )


def refuse_newer_log(target: Path, backup_db: sqlite3.Connection, source: Path) -> None:
    """Refuse (``ConflictError``, nothing changed) to replace a log whose audit trail holds an entry
    the backup does not: entries written after the backup was taken - they would be left only in
    the replaced copy - or another log's. A log the backup holds all of (an older copy of it, a new
    one with an empty trail) is not refused, nor one SQLite cannot read as a log (damaged: the reason
    to restore)."""
    try:
        log = _read_only(target)
        try:
            head = log.execute("SELECT seq, hash, at FROM audit ORDER BY seq DESC LIMIT 1").fetchone()
            if head is None:
                return
            backup_head = backup_db.execute(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
            ).fetchone()
            has_head = backup_db.execute("SELECT hash FROM audit WHERE seq = ?", (head[0],)).fetchone()
            if has_head is not None and has_head[0] == head[1]:
                return  # the log is the backup's, up to an entry the backup has
            at_backup_head = (
                None
                if backup_head is None
                else log.execute("SELECT hash FROM audit WHERE seq = ?", (backup_head[0],)).fetchone()
            )
        finally:
            log.close()
    except sqlite3.DatabaseError:
        return
    seq, _, at = head
    then = " - to put the backup in its place all the same, give --replace-newer; nothing was changed"
    if backup_head is None or (at_backup_head is not None and at_backup_head[0] == backup_head[1]):
        first = 1 if backup_head is None else backup_head[0] + 1
        entries, them = (f"entry {seq}", "it") if seq == first else (f"entries {first} to {seq}", "them")
        raise ConflictError(
            f"--db {target} holds audit {entries} (the newest at {at}), which the backup does not:"
            f" written after the backup {source} was taken, a restore would leave {them} only in the"
            " replaced log kept beside it (it is for going back to a backup: after a failed upgrade,"
            f" past data written wrongly){then}"
        )
    raise ConflictError(
        f"--db {target} is not the log the backup {source} was taken from: their audit trails differ"
        f" (the log's {seq} entr{'y' if seq == 1 else 'ies'}, the newest at {at}); a restore would put another log's record in"
        f" its place - check --from and --db{then}"
    )


def _check_backup(copy: sqlite3.Connection, source: Path) -> BackupReport:
    damaged = f"--from {source}: refused, SQLite finds the backup damaged; the log was not touched"
    try:
        copy.execute("BEGIN")  # one snapshot for every check
        refuse_newer_schema(Database(copy), source)  # this version would then refuse the log
        referrals, chain, rows = _check(Database(copy), source, damaged)
        copy.execute("ROLLBACK")
    except sqlite3.DatabaseError as exc:
        raise UserInputError(
            f"--from {source}: not a usable backup of a referral log (SQLite: {exc})"
        ) from None
    if not chain.ok or rows is None or not rows.ok:
        where = (
            f"{rows.table} row {rows.row_id}: {rows.problem}"
            if chain.ok and rows is not None
            else f"audit chain broken at entry {chain.first_broken_seq}: {chain.problem}"
        )
        raise IntegrityError(
            f"--from {source}: refused, the backup does not verify ({where}); the log was not touched"
        )
    return BackupReport(source, source.stat().st_size, referrals, chain, rows)


def _move_aside(target: Path) -> list[Path]:
    """Take the log out of the way, with its ``-wal``/``-shm``; refuse while a process has it open."""
    _refuse_while_open(target)
    stamp = _unused_stamp(target)
    moved = []
    for suffix in ("", "-wal", "-shm"):
        path = Path(f"{target}{suffix}")
        if path.exists():
            aside = path.with_name(f"{target.name}.replaced-{stamp}{suffix}")
            path.replace(aside)
            moved.append(aside)
    return moved


def _unused_stamp(target: Path) -> str:
    """The UTC second for the names a replaced log and its side files get, with ``-2``, ``-3`` ...
    when a file of such a name is there: a restore within the same second as another, or after the
    clock was set back, renamed over the log an earlier restore had kept."""
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    taken = {p.name for p in target.parent.glob(f"{glob.escape(target.name)}.replaced-{stamp}*")}
    chosen, n = stamp, 1
    while any(f"{target.name}.replaced-{chosen}{suffix}" in taken for suffix in ("", "-wal", "-shm")):
        n += 1
        chosen = f"{stamp}-{n}"
    return chosen


def _folder_s_owner(copy: Path, folder: Path) -> None:
    if os.geteuid() == 0:  # only root may give a file away
        was = folder.stat()
        os.chown(copy, was.st_uid, was.st_gid)


def _refuse_while_open(target: Path) -> None:
    probe = sqlite3.connect(str(target), timeout=0)
    try:
        # Leaving WAL mode needs every other connection closed: the service or a gateway holding
        # the log open makes this fail at once ("database is locked"), and nothing is moved.
        probe.execute("PRAGMA journal_mode = DELETE").fetchone()
    except sqlite3.OperationalError as exc:
        if "locked" in str(exc) or "busy" in str(exc):
            raise ConflictError(
                f"{target} is open in another process (the service, a device gateway?); stop it,"
                " then restore - nothing was changed"
            ) from None
    except sqlite3.DatabaseError:  # a damaged log - the reason to restore: move it as it is
        pass
    finally:
        probe.close()


def _put_back(moved: list[Path], target: Path) -> None:
    """Undo :func:`_move_aside`: the log and its side files under their names again."""
    for aside in moved:
        suffix = next((s for s in ("-wal", "-shm") if aside.name.endswith(s)), "")
        aside.replace(Path(f"{target}{suffix}"))
    _sync_folder(target.parent)
