"""What SQLite's file and disk errors mean for the person who runs the clinic's box.

SQLite reports a full disk, a read-only file, a damaged file or a failing disk as a bare
``sqlite3.OperationalError``/``DatabaseError`` ("database or disk is full") that names neither the
file nor what to do. :func:`storage_error` turns one into a one-line :class:`StorageError` saying
which file, what is wrong and how to recover; any other SQLite error (a constraint, a lock) is
left to its caller (``None``).
"""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from referral.errors import FolderGivenError, StorageError
from referral.readable import not_allowed as _not_allowed
from referral.readable import read_problem as read_problem  # said here first (triage.cli)
from referral.readable import user_said as _user

#: Where an operator reads how to back up and restore the log.
RESTORE_HINT = "restore the latest backup (docs/referral-log.md, 'Backup and restore')"


def _mount_point(path: Path) -> Path:
    """The mount point holding ``path``: the longest one in ``/proc/self/mounts`` above it (a bind
    mount has its filesystem's device number, so walking up by device would miss it)."""
    path = path.resolve()
    try:
        lines = Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()
    except OSError:
        return path
    points = [
        Path(fields[1].encode("latin-1").decode("unicode_escape"))  # octal escapes: \040 a space
        for fields in (line.split(" ") for line in lines)
        if len(fields) > 1
    ]
    return max(
        (p for p in points if p == path or p in path.parents), key=lambda p: len(p.parts), default=path
    )


#: What to do about a backup's copy that cannot be written: not the log's advice (move the log,
#: give the log to this user, run as the log's user), which said nothing true of a backup.
BACKUP_ELSEWHERE = "write the backup to a folder on a disk that can be written (--out, database.backup_dir)"
#: The backup an upgrade takes first (:func:`referral.backup.before_upgrade`), as its messages name it:
#: ``migrate``, ``serve`` and the other commands that upgrade take no ``--out`` - it is written in
#: ``database.backup_dir``, or beside the log without it.
UPGRADE_BACKUP = "backup before the upgrade"
#: What to do about each backup's copy that cannot be written, by ``subject``.
ELSEWHERE = {
    "backup": BACKUP_ELSEWHERE,
    UPGRADE_BACKUP: "set database.backup_dir in the settings to a folder on a disk that can be written, with"
    " room for a copy of the log, where the upgrade writes its backup",
}


def access_problem(path: Path | str, subject: str = "referral log") -> str | None:
    """Why this user cannot use the log at ``path``, when the filesystem or file permissions are
    why: a read-only filesystem (its mount point), or the file, its ``-wal`` or ``-shm`` it may not
    read and write, or the folder it may not write (SQLite creates the ``-wal`` and ``-shm``
    there), with their owner and mode and what to do; else ``None``.

    The usual cause is a command run as another user than the service (root, an administrator's
    own account), or a log copied in by hand: SQLite itself says only "unable to open database
    file" or "attempt to write a readonly database". ``subject`` ``"backup"``: ``path`` is a backup's
    copy being written, and what to do is said of the backup, not the log."""
    target = Path(path)
    elsewhere = ELSEWHERE.get(subject)
    _, my_name = _user(os.getuid())
    for blocked in (target, Path(f"{target}-wal"), Path(f"{target}-shm"), target.parent):
        try:
            info = blocked.stat()
            read_only = bool(os.statvfs(blocked).f_flag & os.ST_RDONLY)
        except OSError:
            continue
        if read_only:
            return (
                f"the filesystem holding it, mounted at {_mount_point(blocked)}, is read-only: remount"
                f" it read-write, or {elsewhere or 'move the log (database.path) to a disk that can be written'}"
            )
        folder = blocked == target.parent
        if os.access(blocked, os.W_OK | os.X_OK if folder else os.R_OK | os.W_OK):
            continue
        what = (
            f"{'write the folder' if folder else 'read and write'} {'it' if blocked == target else blocked}"
        )
        return _not_allowed(
            info,
            what,
            f"chmod u+rw{'x' if folder else ''} {blocked}",
            lambda sudo: (
                f"run this as its owner (sudo -u {sudo} ...), or {elsewhere}"
                if elsewhere
                else f"run this as the log's user, the service's (sudo -u {sudo} ...), or give the"
                f" log to this user (chown {my_name} the folder, {target.name}, {target.name}-wal and"
                f" {target.name}-shm)"
            ),
        )
    return None


#: What a failed write means, said in the message: for a request to the log, nothing of it was stored.
STORED_NOTHING = "nothing of this request was stored"


def _advice(name: str, path: str, outcome: str, subject: str) -> tuple[str, str] | None:
    """The kind of problem (its ``error.storage.<kind>`` message on the staff pages) and the advice
    (for ``subject`` ``"backup"``: of the backup's copy, not the log)."""
    if name == "SQLITE_FULL":
        return "full", (
            f"the disk holding {path} is full; {outcome} - free space on that filesystem and retry"
        )
    readonly = name.startswith(("SQLITE_READONLY", "SQLITE_CANTOPEN"))
    blocked = access_problem(path, subject) if readonly else None
    if blocked is not None:
        kind = "read_only" if name.startswith("SQLITE_READONLY") else "cannot_open"
        return kind, f"cannot use {path}: {blocked}"
    if readonly and subject in ELSEWHERE:  # the log's advice (make it writable, its -wal) is not a backup's
        kind = "read_only" if name.startswith("SQLITE_READONLY") else "cannot_open"
        return kind, f"cannot write {path}; {outcome} - {ELSEWHERE[subject]}"
    if name.startswith("SQLITE_READONLY"):
        return "read_only", (
            f"{path} is read-only (the file, its folder or the filesystem); {outcome}"
            f" - make it writable for this user (SQLite also writes {path}-wal and"
            f" {path}-shm beside it)"
        )
    if name == "SQLITE_CANTOPEN":
        return "cannot_open", (
            f"cannot open {path}: check that the file and its folder exist and can be read and"
            f" written by this user (SQLite also writes {path}-wal and {path}-shm beside it)"
        )
    if name == "SQLITE_CORRUPT":
        return "damaged", f"{path} is damaged; stop every writer, keep the file as it is, and {RESTORE_HINT}"
    if name.startswith("SQLITE_IOERR"):
        return "disk_failed", (
            f"reading or writing {path} failed at the disk (a full or failing disk?); {outcome}"
            " - check free space and the disk, then retry"
        )
    return None


def storage_error(
    exc: sqlite3.Error,
    path: Path | str,
    *,
    outcome: str = STORED_NOTHING,
    subject: str = "referral log",
    clock: Callable[[], float] = time.monotonic,
) -> StorageError | None:
    """The one-line error for a file or disk problem of the log at ``path``; ``None`` for others.
    ``outcome`` says what the failure means for what was being done, ``subject`` what was being
    written (a backup: ``"backup"``, no copy was made and the log is unchanged).

    The staff pages say it in the user's language (``error.storage.<kind>``, the file as ``file``).
    ``clock``: what a full or failing disk is recorded at (:data:`_FULL`)."""
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CANTOPEN", "SQLITE_IOERR")) and Path(path).is_dir():
        # it said "check that the file and its folder exist", or blamed the disk ("disk I/O error")
        example = os.path.join(path, "clinic.db")  # "./clinic.db" for "."
        return FolderGivenError(
            f"referral log: {path} is a folder; give the log file, e.g. {example} (--db, database.path)",
            says="error.storage.cannot_open",
            params={"file": str(path)},
        )
    found = _advice(name, str(path), outcome, subject)
    if found is None:
        return None
    kind, advice = found
    if kind == "full":
        _FULL[str(Path(path).resolve())] = clock()
    elif kind == "disk_failed":
        count, _, _ = _FAILED.get(str(Path(path).resolve()), (0, 0.0, ""))
        _FAILED[str(Path(path).resolve())] = (count + 1, clock(), str(exc))
    return StorageError(
        f"{subject}: {advice} (SQLite: {exc})", says=f"error.storage.{kind}", params={"file": str(path)}
    )


#: The times below are the machine's monotonic clock (``time.monotonic``, CLOCK_MONOTONIC: one for
#: every process of the machine, and never set back): they order the reports of the service's
#: processes - a report older than a probe that found room is stale - and with the wall clock a clock
#: set back an hour after a probe made every newer report an hour "older" than it, ignored (a worker's
#: full disk unsaid by the primary). Said as UTC times by :func:`_utc`.
#:
#: The logs (resolved path) a write found on a full disk - in this process, or in another process of
#: the service (:func:`heard_full`) - and when.
_FULL: dict[str, float] = {}
#: Failed reads or writes at the disk (SQLITE_IOERR) of each log since a probe beside it last
#: succeeded or a write to it was committed (:func:`wrote`): how many, when the last was and what
#: SQLite said.
_FAILED: dict[str, tuple[int, float, str]] = {}
#: From this many failures on, ``/readyz`` probes the disk (:func:`failing_disk`): one can pass.
FAILING_AFTER = 3
#: When a probe last succeeded beside each log: older reports are then stale.
_ROOM_SINCE: dict[str, float] = {}
#: When a write to each log was last committed after failures at its disk: older reports of failures
#: are then stale.
_WROTE_SINCE: dict[str, float] = {}
_PROBING = threading.Lock()
#: What :func:`full_disk` writes beside the log to see whether its disk has room again: 256 pages.
#: Written only once the filesystem says it has that much free (``statvfs``), so a poll of a disk
#: that is still full writes nothing.
PROBE_BYTES = 1024 * 1024


def full_disk(path: Path | str, clock: Callable[[], float] = time.monotonic) -> str | None:
    """Why the log at ``path`` cannot take writes, when a write to it found its disk full and the
    disk still has no room (its filesystem has less than :data:`PROBE_BYTES` free, or a probe of
    that size written and removed beside it fails); ``None`` otherwise - the record is then
    forgotten, so one full disk is said until it is freed. Nothing is written while the filesystem
    says it is full: a monitor polling every few seconds costs a ``statvfs`` each time.

    ``/readyz`` says it: while every write fails, the service is not ready."""
    target = Path(path).resolve()
    since = _FULL.get(str(target))
    if since is None or not _still_so(target, _FULL, _has_room, clock):
        return None
    return (
        f"the disk holding the log is full: a write to {target} failed at {_utc(since, clock)} and there is still"
        f" no room beside it; free space on the filesystem mounted at {_mount_point(target.parent)}"
        " - ready again as soon as it has room (checked at each /readyz)"
    )


def failing_disk(path: Path | str, clock: Callable[[], float] = time.monotonic) -> str | None:
    """Why the log at ``path`` cannot take writes, when :data:`FAILING_AFTER` reads or writes of it
    failed at the disk (SQLITE_IOERR: a failing disk, a file-size limit) since the last committed
    write (:func:`wrote`), and a probe written beside it fails too; ``None`` otherwise - a probe
    that succeeds forgets the failures (one that passed must not keep the service out of its load
    balancer), and so does a committed write."""
    target = Path(path).resolve()
    count, last, said = _FAILED.get(str(target), (0, 0.0, ""))
    if count < FAILING_AFTER or not _still_so(target, _FAILED, lambda at: _probe(at) is None, clock):
        return None
    return (
        f"the disk holding the log fails writes: {count} reads or writes of {target} failed, the last"
        f" at {_utc(last, clock)} (SQLite: {said}), and a test write beside it fails too; check the disk (the"
        " kernel log, dmesg) and the service's file-size limit (ulimit -f, LimitFSIZE=) - ready"
        " again as soon as a write to the log is stored or a test write succeeds (checked at each /readyz)"
    )


def failing(path: Path | str) -> tuple[int, float, str] | None:
    """The failures at the disk of the log at ``path`` (how many, the last one's time, what SQLite
    said) once they are :data:`FAILING_AFTER` or more; ``None`` otherwise. For the other processes."""
    found = _FAILED.get(str(Path(path).resolve()))
    return found if found is not None and found[0] >= FAILING_AFTER else None


def heard_failing(path: Path | str, count: int, last: float, said: str) -> None:
    """Another process of the service found the disk of the log at ``path`` failing (:func:`failing`):
    this process says so too (:func:`failing_disk`), unless a probe here succeeded after that."""
    key = str(Path(path).resolve())
    stale = max(_ROOM_SINCE.get(key, 0.0), _WROTE_SINCE.get(key, 0.0), _FAILED.get(key, (0, 0.0, ""))[1])
    if last > stale:
        _FAILED[key] = (max(count, FAILING_AFTER), last, said)


def wrote_since(path: Path | str) -> float | None:
    """When a write to the log at ``path`` was last committed after failures at its disk (the
    monotonic clock; :func:`wrote`); ``None`` if never. For the other processes (:func:`heard_wrote`)."""
    return _WROTE_SINCE.get(str(Path(path).resolve()))


def heard_wrote(path: Path | str, at: float) -> None:
    """Another process of the service committed a write to the log at ``path`` at ``at``, after
    failures at its disk: failures counted here before that (the others' reports included) are
    forgotten, as by :func:`wrote`. A worker hands its walk-ins to the primary, so without this it
    kept a failure the primary reported for as long as its own test write failed, while the primary
    stored writes again."""
    key = str(Path(path).resolve())
    if at <= _WROTE_SINCE.get(key, 0.0):
        return
    _WROTE_SINCE[key] = at
    found = _FAILED.get(key)
    if found is not None and found[1] < at:
        _FAILED.pop(key, None)


def failures_counted() -> bool:
    """Whether failures at the disk of any log are counted in this process (:func:`wrote` has work)."""
    return bool(_FAILED)


def wrote(path: Path | str, clock: Callable[[], float] = time.monotonic) -> None:
    """A write to the log at ``path`` was committed: its disk takes writes, so the failures counted
    before (:func:`failing_disk`) are forgotten - :data:`FAILING_AFTER` counts failures in a row,
    not over weeks - and the other processes' older reports of them are stale. Called after every
    commit: nothing is looked up unless failures were counted (:func:`failures_counted`)."""
    if not _FAILED:
        return
    key = str(Path(path).resolve())
    if _FAILED.pop(key, None) is not None:
        _WROTE_SINCE[key] = clock()


def full_since(path: Path | str) -> float | None:
    """When a write to the log at ``path`` found its disk full (the monotonic clock), while that holds
    (until :func:`full_disk` finds room again); ``None`` otherwise. For the other processes."""
    return _FULL.get(str(Path(path).resolve()))


def heard_full(path: Path | str, since: float) -> None:
    """Another process of the service found the disk of the log at ``path`` full at ``since``: this
    process says so too (:func:`full_disk`), unless a probe here found room after that."""
    key = str(Path(path).resolve())
    if since > _ROOM_SINCE.get(key, 0.0) and since > _FULL.get(key, 0.0):
        _FULL[key] = since


def _utc(moment: float, clock: Callable[[], float] = time.monotonic) -> str:
    """A ``moment`` of ``clock`` (the monotonic clock) as the UTC time the wall clock says it was."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - (clock() - moment)))


def _still_so(
    target: Path, record: dict[str, Any], works: Callable[[Path], bool], clock: Callable[[], float]
) -> bool:
    """Whether the disk of ``target`` still fails as ``record`` says: a probe beside it that
    ``works`` forgets the record (and notes when, so older reports of the others are stale)."""
    with _PROBING:
        if not works(target):
            return True
        record.pop(str(target), None)
        _ROOM_SINCE[str(target)] = clock()
        return False


def _has_room(target: Path) -> bool:
    if free_bytes(target.parent) < PROBE_BYTES:
        return False  # still full: nothing written
    failed = _probe(target)
    return failed is None or failed.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


def free_bytes(folder: Path) -> int:
    """What this user may still write on the filesystem holding ``folder``, as ``statvfs`` says (root
    may use the blocks reserved for it); :data:`PROBE_BYTES` when it cannot say (the probe decides)."""
    try:
        fs = os.statvfs(folder)
    except OSError:
        return PROBE_BYTES
    return (fs.f_bfree if os.geteuid() == 0 else fs.f_bavail) * fs.f_frsize


def _probe(target: Path) -> OSError | None:
    """Write :data:`PROBE_BYTES` beside ``target``, to disk, and remove them: how it failed, if it did."""
    probe = target.with_name(f".{target.name}.space-probe")
    try:
        with probe.open("wb") as out:
            out.write(bytes(PROBE_BYTES))
            out.flush()
            os.fsync(out.fileno())
    except OSError as exc:
        return exc
    finally:
        probe.unlink(missing_ok=True)
    return None
