"""An online backup of the referral log: a consistent copy taken while the service keeps writing.

SQLite's backup API copies the log as of one moment (a read transaction: in WAL mode writers go
on meanwhile and their later commits are simply not in the copy). The copy is written to
``<out>.partial``, turned into a single self-contained file (rollback journal, no ``-wal`` to
carry along), checked - ``PRAGMA integrity_check``, the audit chain (:func:`referral.audit.verify`) and the tables
against it (:func:`referral.audit_rows.verify_rows`) - synced to disk, and only then renamed to ``out``: a backup that exists under its name is complete
and proven. Copying ``clinic.db`` with ``cp`` while the service runs is **not** a backup: the
last commits sit in ``clinic.db-wal`` and a copy of the two files taken at different moments can
be damaged.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import fcntl
import logging
import os
import re
import sqlite3
import stat
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol, TypeVar
from urllib.parse import quote

from sqlite_utils import Database

from referral import audit
from referral.audit_rows import RowsReport, verify_rows
from referral.errors import ClinicError, ConflictError, IntegrityError, StorageError, UserInputError
from referral.plurals import counted
from referral.readable import folder_problem
from referral.schema import create_private
from referral.storage import UPGRADE_BACKUP, free_bytes, storage_error

T = TypeVar("T")
_log = logging.getLogger("referral.backup")


@dataclass(frozen=True)
class BackupReport:
    path: Path
    bytes: int
    referrals: int
    audit: audit.AuditReport
    rows: RowsReport | None  # None when the chain is broken: the trail cannot be trusted
    #: older automatic backups an upgrade's backup removed (:class:`UpgradeBackups`), oldest first
    removed: tuple[Path, ...] = ()
    #: those it could not remove (a file another user owns in a sticky folder, an immutable one,
    #: a read-only mount), each with the reason; they are left as they are
    not_removed: tuple[tuple[Path, str], ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "bytes": self.bytes,
            "referrals": self.referrals,
            "integrity": "ok",
            "audit": self.audit.as_dict(),
            "rows": self.rows and self.rows.as_dict(),
        }


class Steps(Protocol):
    """What a long backup says it is doing (the CLI on a terminal: ``triage.cli.check_progress``)."""

    def stage(self, what: str) -> None: ...
    def entries(self, done: int) -> None: ...
    def table(self, name: str) -> None: ...


def backup(
    db: Database, out: Path, like: Path | None = None, steps: Steps | None = None, subject: str = "backup"
) -> BackupReport:
    """Copy the open log ``db`` to ``out`` (replacing a file there only once the copy is proven,
    and only an earlier backup: :func:`not_a_log`); ``like``: a file whose owner, group and mode the
    copy takes (the log, for the copy an upgrade takes beside it); ``steps``: told each step;
    ``subject``: what its errors name it, and what they advise (:data:`referral.storage.ELSEWHERE`)."""
    _refuse_the_log_s_own_files(db, out)
    problem = None if not out.is_file() else not_a_log(out)
    if problem is not None:  # a mistyped --out naming another file was replaced by the copy, unkept
        raise UserInputError(
            f"--out {out} is there and is no backup of a referral log ({problem}); a backup replaces only"
            " an earlier backup - give another file, or move that one away first; nothing was written"
        )
    said = (subject, f"no backup was written (nothing is left at {out}) and the referral log is unchanged")
    # a read-only disk, or a folder this user may not write: met, not given wrong (exit 1, as a full
    # disk's); it was the OSError of the copy's first file, said as a wrong --out (exit 2)
    blocked = folder_problem(out.parent) if out.parent.is_dir() else None
    if blocked is not None:
        raise StorageError(
            f"{subject}: cannot write {out}: {blocked}; {said[1]}",
            says="error.storage.read_only",
            params={"file": str(out)},
        )
    before_rename = None if like is None else lambda: _same_owner_and_mode(partial_of(out), like)
    if steps is not None:
        steps.stage("copying the log")
    report = _write_copy(
        db.conn, out, lambda copy: _check(copy, out, steps=steps), before_rename=before_rename, said=said
    )
    return BackupReport(out, out.stat().st_size, *report)


class UpgradeRefused(StorageError):
    """The backup an upgrade takes first could not be written (a full or read-only disk): the log
    is not upgraded - exit 2, and ``triage serve`` not ready until it can be."""

    exit_code = 2
    code = "upgrade_refused"


@dataclass(frozen=True)
class UpgradeBackups:
    """Where the backup an upgrade takes first is written (``folder``; ``None``: beside the log) and
    how many of them, of this log, that folder keeps (``keep``, the newest: the settings'
    ``database.backup_dir`` and ``database.upgrade_backups_kept``). Only files named as this module
    names them (:func:`upgrade_backups_of`) are ever removed: never a backup someone took."""

    folder: Path | None = None
    keep: int = 3


def upgrade_backups_of(log: Path, folder: Path, *, unfinished: bool = False) -> list[Path]:
    """The automatic backups of ``log`` in ``folder``, oldest first (by the time in their name);
    ``unfinished``: instead, the copies of them an upgrade cut short left (``<name>.partial`` and
    SQLite's ``-journal``, ``-wal``, ``-shm`` beside it)."""
    suffix = log.suffix or ".db"
    left = r"\.partial(?:-journal|-wal|-shm)?" if unfinished else ""
    named = re.compile(
        rf"{re.escape(log.stem)}\.before-upgrade\.schema[0-9]+\.([0-9]{{8}}T[0-9]{{6}}Z){re.escape(suffix)}{left}"
    )
    found = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            matched = named.fullmatch(entry.name)
            if matched and entry.is_file() and not entry.is_symlink():
                found.append((matched[1], entry.name, entry))
    return [entry for *_, entry in sorted(found)]


def _remove_older(out: Path, log: Path, keep: int) -> tuple[tuple[Path, ...], tuple[tuple[Path, str], ...]]:
    """Remove all but the newest ``keep`` automatic backups of ``log`` beside ``out`` (never ``out``,
    just written), and any copy an upgrade cut short left there (the caller holds the log's write
    lock: no other upgrade of it is writing one). Returns those removed, and those that could not
    be, each with the reason: left, and said (the folder otherwise grew by a copy of the log at
    every upgrade without a word)."""
    older = [p for p in upgrade_backups_of(log, out.parent) if p != out]
    unfinished = upgrade_backups_of(log, out.parent, unfinished=True)
    removed, left = [], []
    for old in [*unfinished, *older[: max(0, len(older) - (keep - 1))]]:
        try:
            old.unlink()
        except FileNotFoundError:  # gone meanwhile: nothing to say
            continue
        except OSError as exc:
            left.append((old, exc.strerror or str(exc)))
            continue
        removed.append(old)
    if removed:
        _sync_folder(out.parent)
    return tuple(removed), tuple(left)


def before_upgrade(
    path: Path, schema: list[str], newest: str, backups: UpgradeBackups | None = None
) -> BackupReport:
    """Back up the log at ``path``, at ``schema`` (its applied migrations), before it is upgraded to
    ``newest``: a verified, synced copy beside it (or in ``backups.folder``) named with that schema
    (``clinic.before-upgrade.schema17.20261206T011500Z.db``), read through a connection of its own
    while the upgrading one holds the writers' lock, so the copy is the log exactly as it was. No
    room for the copy (the filesystem says so first: nothing is written), or any other failure to
    write it, refuses the upgrade (:class:`UpgradeRefused`) - the log is then left as it was. Once
    the copy is there, the older automatic backups of the log there beyond ``backups.keep`` are
    removed (the report's ``removed``)."""
    backups = backups or UpgradeBackups()
    folder = backups.folder if backups.folder is not None else path.parent
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    out = folder / f"{path.stem}.before-upgrade.schema{len(schema)}.{stamp}{path.suffix or '.db'}"
    refused = (
        f"referral log {path} is at schema {len(schema)} ({schema[-1]}) and was not upgraded to {newest}:"
        f" the backup taken before an upgrade could not be written at {out}"
    )
    source = _read_only(path)
    try:
        size = int(source.execute("PRAGMA page_count").fetchone()[0]) * int(
            source.execute("PRAGMA page_size").fetchone()[0]
        )
        if free_bytes(folder) < size:
            raise UpgradeRefused(
                f"{refused} ({free_bytes(folder):,} bytes free there, the copy needs {size:,}); the"
                " log is unchanged - free space on that filesystem and try again",
                says="error.storage.full",
                params={"file": str(out)},
            )
        # the log's owner and mode: `sudo ... migrate` too; told what an upgrade's backup can do (no --out)
        report = backup(Database(source), out, like=path, subject=UPGRADE_BACKUP)
    except UpgradeRefused:
        raise
    except (ClinicError, OSError, sqlite3.Error) as exc:
        said = (exc.strerror or str(exc)) if isinstance(exc, OSError) else str(exc)
        raise UpgradeRefused(
            f"{refused} ({said}); the log is unchanged - make room or fix that, and try again"
        ) from None
    finally:
        source.close()
    removed, not_removed = _remove_older(out, path, backups.keep)
    return dataclasses.replace(report, removed=removed, not_removed=not_removed)


def removed_text(report: BackupReport) -> str:
    """What an upgrade's message adds when its backup removed older automatic ones (:class:`UpgradeBackups`),
    and when some could not be removed: each file, whole, and why."""
    said = ""
    if report.removed:
        said += (
            f"; removed {counted(len(report.removed), 'older automatic backups')} of it there (database.upgrade_backups_kept):"
            f" {', '.join(p.name for p in report.removed)}"
        )
    if report.not_removed:
        said += (
            f"; could not remove {counted(len(report.not_removed), 'older automatic backups')} of it there"
            " (database.upgrade_backups_kept), left as they are:"
            f" {', '.join(f'{path} ({why})' for path, why in report.not_removed)} - remove"
            f" {'it' if len(report.not_removed) == 1 else 'them'} by hand"
        )
    return said


def upgraded_log(log: Path, report: BackupReport) -> None:
    """The log line for an upgrade whose caller says nothing of it (:func:`referral.schema.connect`:
    the device gateway, `facilities load` ...) when older automatic backups could not be removed,
    or the log it backed up does not verify (:func:`untrusted_trail`, as `migrate` and `serve` say:
    such a log was upgraded without a word). Its `` `triage ...` `` is the one that runs where the
    CLI installs :func:`triage.command_name.runnable_hints` on this logger."""
    trail = untrusted_trail(report)
    if report.not_removed or trail:
        _log.warning(
            "referral log %s upgraded; its backup taken first is %s%s%s",
            log,
            report.path,
            removed_text(report),
            trail,
        )


def untrusted_trail(report: BackupReport) -> str:
    """What an upgrade's message adds when the log it backed up (faithfully: not refused) does not
    verify - a broken audit chain, or a row that differs from its trail; nothing when it does."""
    said = trail_warning(report)
    return "" if said is None else f"; warning: {said}"


def trail_warning(report: BackupReport) -> str | None:
    """The warning itself (``migrate --json``'s ``warning``); ``None`` when the backed-up log verifies."""
    chain, rows = report.audit, report.rows
    if not chain.ok:
        where = f"its audit chain is broken at entry {chain.first_broken_seq} ({chain.problem})"
    elif rows is not None and not rows.ok:
        where = f"its {rows.table} row {rows.row_id} differs from its audit trail ({rows.problem})"
    else:
        return None
    return (
        f"{where}, as it was before the upgrade (the backup is a faithful copy) - run"
        " `triage referrals verify-audit` and keep both for an inquiry"
    )


#: What SQLite and the service keep beside the log ``clinic.db``: ``clinic.db-wal`` holds its
#: latest commits until a checkpoint; a backup renamed over one of them destroys them (``.logouts``:
#: the logouts the service could not write yet, triage/service/logouts.py).
SIDE_FILES = ("-wal", "-shm", "-journal", ".writer-lock", ".logouts")


def _refuse_the_log_s_own_files(db: Database, out: Path) -> None:
    """``--out clinic.db-wal`` (a slip of tab completion) renamed the backup over the live
    write-ahead log: the commits not yet checkpointed were gone once the service stopped."""
    files = [row[2] for row in db.conn.execute("PRAGMA database_list") if row[1] == "main" and row[2]]
    if not files:
        return
    log, target = Path(files[0]).resolve(), out.resolve()
    if target == log:
        raise UserInputError(f"--out {out} is the referral log itself; give another file")
    for suffix in SIDE_FILES:
        if target == Path(f"{log}{suffix}"):
            raise UserInputError(
                f"--out {out} is the {suffix} file the referral log {log} keeps beside it while in use;"
                " nothing was written - give another file"
            )


def _write_copy(
    source: sqlite3.Connection,
    final: Path,
    check: Callable[[Database], T],
    before_rename: Callable[[], None] | None = None,
    said: tuple[str, str] = ("restore", "nothing was restored and the referral log is as it was"),
) -> T:
    """Copy ``source`` as of one moment to ``<final>.partial`` (one step of SQLite's backup API:
    writers are not blocked), make it one self-contained file, ``check`` it, sync it, and only then
    (after ``before_rename``) rename it to ``final``; on any failure nothing is left under either
    name, and a full or read-only disk says so (``said``: what was written, what that means)."""
    partial = partial_of(final)
    final.parent.mkdir(parents=True, exist_ok=True)
    if _being_written(partial):  # another backup of that name, started this second: not its copy to remove
        raise ConflictError(
            f"{partial} is being written by another {said[0]} now (to {final}); nothing was written -"
            " wait for it to finish, or give another file"
        )
    partial.unlink(missing_ok=True)
    # the owner's alone while it is written (SQLite made it with the umask: 0644, every account of the
    # machine read the copy of the log - and for good, when the backup was killed); it takes the log's
    # owner and mode before its rename (before_rename)
    create_private(partial)
    writing: int | None = None
    try:
        try:
            target = sqlite3.connect(str(partial))
        except sqlite3.DatabaseError as exc:  # was a bare SQLite error, named after the log
            created = _creation_error(partial)
            if created is not None and created.errno in (errno.ENOSPC, errno.EDQUOT):
                raise created from None  # a disk out of inodes: the system's reason, said by the caller
            raise UserInputError(
                f"{partial}: cannot create the file (SQLite: {exc}); check that its folder exists and"
                " that this user can write there - nothing was written"
            ) from None
        writing = _writing(partial)
        try:
            source.backup(target)
            target.execute("PRAGMA journal_mode = DELETE")  # one file, no -wal beside it
            result = check(Database(target))
        except sqlite3.DatabaseError as exc:  # the copy's disk is full, read-only...
            raise storage_error(exc, partial, subject=said[0], outcome=said[1]) or exc from exc
        finally:
            target.close()
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        if before_rename is not None:
            before_rename()
        partial.replace(final)
        _sync_folder(final.parent)
    except BaseException:
        # With the copy, the rollback journal SQLite left beside it when the disk filled mid-copy
        # (``b.db.partial-journal`` stayed in the backup folder after every such failure).
        for leftover in ("", "-journal", "-wal", "-shm"):
            Path(f"{partial}{leftover}").unlink(missing_ok=True)
        raise
    finally:
        if writing is not None:
            os.close(writing)
    return result


def _creation_error(partial: Path) -> OSError | None:
    """Why ``partial`` cannot be created, in the system's words, where SQLite says only "unable to
    open database file": ``No space left on device`` for a disk with no inode left (its folder
    otherwise writable), which was said as a folder that may not exist (exit 2, a wrong --out);
    ``None`` when it can be."""
    try:
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600))
    except OSError as exc:
        return exc
    return None


def _writing(partial: Path) -> int:
    """An ``flock`` on ``partial`` held while it is written (until the descriptor returned is
    closed, or the process ends, killed included): what tells :func:`unfinished_backups` that a
    copy is being written. flock is not SQLite's own (POSIX) locking, which it leaves alone."""
    descriptor = os.open(partial, os.O_RDONLY | os.O_CREAT, 0o644)
    fcntl.flock(descriptor, fcntl.LOCK_EX)
    return descriptor


#: How long since its last write an unfinished backup copy nobody writes must be before it is
#: named a leftover (a copy being written is written to, or its writer holds its lock, anyway).
STALE_PARTIAL_AFTER_S = 3600


def unfinished_backups(log: Path, folder: Path, now: float | None = None) -> list[Path]:
    """What a ``triage referrals backup`` into ``folder`` (``database.backup_dir``) killed or cut
    off while writing left there for good - ``<stem>.backup.<time><suffix>.partial`` and SQLite's
    ``-journal``, ``-wal``, ``-shm`` beside it -, oldest first: only files last written over
    :data:`STALE_PARTIAL_AFTER_S` ago whose copy no process is writing (no writer holds its lock),
    so never one being written."""
    named = re.compile(
        rf"{re.escape(log.stem)}\.backup\.([0-9]{{8}}T[0-9]{{6}}Z){re.escape(log.suffix or '.db')}"
        r"\.partial(-journal|-wal|-shm)?"
    )
    return [entry for *_, entry in sorted(_left_over(named, folder, now))]


def unfinished_copies(log: Path, backup_dir: Path | None, now: float | None = None) -> list[Path]:
    """What ``verify-audit`` names: the :func:`unfinished_backups` in ``backup_dir`` (when set), then
    the copy a ``triage referrals restore`` of ``log`` killed or cut off while writing left beside it
    (``<log>.partial`` and its ``-journal``, as large as the log; the next restore replaces it), on
    the same terms - last written over :data:`STALE_PARTIAL_AFTER_S` ago, no process writing it."""
    found = [] if backup_dir is None else unfinished_backups(log, backup_dir, now)
    restored = re.compile(rf"{re.escape(log.name)}()\.partial(-journal|-wal|-shm)?")
    found += [e for *_, e in sorted(_left_over(restored, log.parent, now)) if e not in found]
    return found


def _left_over(named: re.Pattern[str], folder: Path, now: float | None) -> list[tuple[str, str, Path]]:
    """The files of ``folder`` ``named`` (group 1: a sort key, group 2: SQLite's suffix) last written
    over :data:`STALE_PARTIAL_AFTER_S` before ``now`` whose copy no process is writing."""
    moment = time.time() if now is None else now
    found = []
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            matched = named.fullmatch(entry.name)
            if matched is None or entry.is_symlink() or not entry.is_file():
                continue
            copy = entry.with_name(entry.name.removesuffix(matched[2] or ""))
            with contextlib.suppress(OSError):
                if moment - entry.stat().st_mtime >= STALE_PARTIAL_AFTER_S and not _being_written(copy):
                    found.append((matched[1], entry.name, entry))
    return found


def _being_written(copy: Path) -> bool:
    """Whether a process holds ``copy``'s writing lock (:func:`_writing`)."""
    try:
        descriptor = os.open(copy, os.O_RDONLY)
    except FileNotFoundError:  # a journal left without its copy: nobody writes it
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def _check(
    copy: Database, out: Path, damaged: str | None = None, steps: Steps | None = None
) -> tuple[int, audit.AuditReport, RowsReport | None]:
    """A copy SQLite finds damaged is refused. A broken audit chain or a table that differs from
    it is reported, not refused: the copy is still the faithful record of what the log holds,
    which is what an inquiry needs."""
    if steps is not None:
        steps.stage("checking the copy's integrity")
    try:
        problems = [row[0] for row in copy.conn.execute("PRAGMA integrity_check")]
    except sqlite3.DatabaseError as exc:  # damaged beyond what the check can list
        problems = [str(exc)]
    if problems != ["ok"]:
        raise IntegrityError(
            damaged
            or f"backup {out}: the copy fails SQLite's integrity check ({problems[0]}), so the"
            " log itself is damaged; nothing was written under that name - keep the log as it is and"
            " restore the latest good backup (docs/referral-log.md, 'Backup and restore')"
        )
    referrals = int(copy.conn.execute("SELECT count(*) FROM referrals").fetchone()[0])
    chain = audit.verify(copy, None if steps is None else steps.entries)
    return referrals, chain, verify_rows(copy, None if steps is None else steps.table) if chain.ok else None


def not_a_log(path: Path) -> str | None:
    """Why the file at ``path`` is not a referral log (or a backup of one) that SQLite can read -
    not a database, or one with no audit trail (another program's); ``None`` if it is one, or is
    empty (it holds nothing to keep), or no file (a folder: said as such where it is opened)."""
    if not path.is_file() or path.stat().st_size == 0:
        return None
    try:
        found = _read_only(path)
        try:
            held = found.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'audit'"
            ).fetchone()
        finally:
            found.close()
    except sqlite3.DatabaseError as exc:
        return f"SQLite cannot read it as a referral log ({exc})"
    return None if held else "SQLite reads it, but it holds no audit trail: not a referral log"


def _read_only(path: Path) -> sqlite3.Connection:
    """``path`` opened read-only, its name quoted in the URI: unquoted, ``clinic #2.db`` opened
    ``clinic `` (``#`` starts a URI's fragment; created empty, read-write) and ``100%41.db`` another
    name (``%41`` is ``A``)."""
    return sqlite3.connect(f"file:{quote(str(path.absolute()))}?mode=ro", uri=True)


def partial_of(final: Path) -> Path:
    """Where a copy is written before it is renamed to ``final``."""
    return final.with_name(final.name + ".partial")


def _same_owner_and_mode(copy: Path, log: Path) -> None:
    """The restored log keeps the owner, group and mode of the log it replaces. A restore run as
    root (where `sudo triage referrals restore` is the natural slip) wrote a root-owned 0644 file,
    which the service's user could not write: every write then failed as read-only."""
    was = log.stat()
    with contextlib.suppress(PermissionError):  # only root may give a file away; others keep theirs
        os.chown(copy, was.st_uid, was.st_gid)
    with contextlib.suppress(PermissionError):  # a filesystem without modes (a FAT USB stick) refuses
        os.chmod(copy, stat.S_IMODE(was.st_mode))


def _sync_folder(folder: Path) -> None:
    """Make the rename itself durable (a power cut right after would otherwise undo it)."""
    with contextlib.suppress(OSError):  # not every filesystem lets a folder be opened and synced
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
