"""Opening the referral log for a `triage referrals ...` command: the --db and --json options every
referrals command takes, the log a command opens to write (:func:`open_log`) or only to read
(:func:`read_log`), and one line naming the file and the way out when it is missing, empty, not
SQLite, damaged or on a full or read-only disk.

The referral log's modules (sqlite-utils, 0.4-0.9 s of CPU) are imported by the function that
opens or reads the log, not here: `triage --help` and the commands that never open it skip them."""

from __future__ import annotations

import shlex
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from referral.errors import NotFoundError, UserInputError
from referral.storage import storage_error
from triage.cli.context import AppContext
from triage.cli.paths import in_existing_folder, triage_command
from triage.errors import os_reason

if TYPE_CHECKING:
    from sqlite_utils import Database

    from referral.backup import UpgradeBackups


DbOption = Annotated[
    Path | None,
    # not click's readable check: "Path ... is not readable" said neither whose file nor what to do
    typer.Option("--db", readable=False, help="Referral log SQLite file (default: settings database.path)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _backups(ctx: typer.Context) -> UpgradeBackups:
    """Where the backup an upgrade takes first goes (``database.backup_dir``) and how many are kept."""
    return cast(AppContext, ctx.obj).settings.database.upgrade_backups()


def _path(ctx: typer.Context, db: Path | None) -> tuple[Path, int]:
    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings.database
    if db is not None:  # a log is created only in a folder that exists (the settings' may be made)
        in_existing_folder(db, "--db")
    return (db or settings.path), settings.busy_timeout_ms


def open_log(ctx: typer.Context, db: Path | None, *, create: bool = False) -> Database:
    path, timeout = _path(ctx, db)
    if not create:
        _require_log(path)
    return _connect(ctx, path, timeout)


def read_log(ctx: typer.Context, db: Path | None, *, as_is: bool = False) -> Database:
    """Open the log to read it only (``referral.schema.connect_to_read``): a copy on read-only
    media or in a folder this user cannot write can be read. A log from an older version is never
    upgraded by a reading command - trying a new version with `list` would migrate the clinic's log
    for good, and the previous version then refuses it: ``as_is`` checks it as it is (verify-audit,
    backup); the other readers, whose queries need today's tables, refuse it saying how to upgrade."""
    path, timeout = _path(ctx, db)
    _require_log(path)
    return _connect(ctx, path, timeout, read_only=True, as_is=as_is)


def _require_log(path: Path) -> None:
    if not path.exists():
        # A relative database.path is the working folder's: run from another folder (an
        # administrator's home, cron), the default var/clinic.db is not the service's log, and
        # "create it" alone led to a new, empty log beside the real one.
        where = _working_folder_s(path)
        raise NotFoundError(
            f"no referral log at {path}{where}; give --db, or the settings the service runs with"
            f" (--config, $TRIAGE_CONFIG), or create a new log there with `{_migrate_line(path)}`"
        )
    if path.is_file() and path.stat().st_size == 0:
        # SQLite takes an empty file for an empty database: a reading command would turn the
        # wrong file (a typo'd name, a `touch`) into a referral log without a word
        raise UserInputError(
            f"{path} is an empty file (0 bytes), not a referral log: a mistyped --db, or a first start"
            " that failed before writing anything (a full disk: free space, then delete it); check"
            f" --db, or create one there with `{_migrate_line(path)}`"
        )


def log_command(db: Path | None, words: str) -> str:
    """The command line that runs ``triage referrals WORDS`` (``list``, ``users enable nurse1``) on
    the log the command was given (``--db`` as a shell takes it; none: the settings' log)."""
    return f"{triage_command()} referrals {words}" + ("" if db is None else f" --db {shlex.quote(str(db))}")


def absent(
    ctx: typer.Context, db: Path | None, thing: str, listing: str, kind: str, *, why: str = "", writes: bool
) -> str:
    """What a command says when the log holds no ``thing`` (``referral 999``, ``account "nobody"``):
    which log it looked in, ``why`` the name can be none, the command that lists the log's ``kind``
    (``listing``: ``list``, ``users list``) and, for a command that writes, that nothing changed.
    It said 'referral 999 not found' and 'user "nobody" not found' alone."""
    return (
        f"no {thing} in the referral log {_path(ctx, db)[0]}{why}: `{log_command(db, listing)}` lists its"
        f" {kind}" + ("; nothing changed" if writes else "")
    )


def _migrate_line(path: Path) -> str:
    """The command line that creates a new log at ``path``, as a shell takes it: `migrate --db`
    creates a log only in a folder that exists (a mistyped path is not made), so a folder that does
    not is made first - the line said `triage referrals migrate --db var/clinic.db`, which in a new
    folder ended 'the folder var does not exist'."""
    migrate = f"{triage_command()} referrals migrate --db {shlex.quote(str(path))}"
    folder = path.parent
    return migrate if folder.is_dir() else f"mkdir -p {shlex.quote(str(folder))} && {migrate}"


def _working_folder_s(path: Path) -> str:
    """What a message adds after a relative log path: where that is (the working folder's)."""
    return "" if path.is_absolute() else f" ({path.resolve()}: a relative path is the working folder's)"


def _not_a_database(path: Path) -> str:
    """What to do with a file SQLite does not take for a database: a log whose first page was
    overwritten (a disk fault, a copy cut short) says so as a damaged page does."""
    return (
        " - the wrong file (check --db, or database.path in the settings), or a damaged log: keep it as"
        f" it is and restore the latest backup (`{triage_command()} referrals restore --from FILE --db"
        f" {shlex.quote(str(path))} --replace-damaged`)"
    )


def _connect(
    ctx: typer.Context,
    path: Path,
    timeout: int,
    *,
    migrate: bool = True,
    read_only: bool = False,
    as_is: bool = False,
) -> Database:
    """Open the log (``read_only``: to read it only); a file that is not SQLite, is damaged or sits
    on a full or read-only disk is one line naming it and the way out, not a traceback."""
    from referral.schema import connect, connect_to_read  # the log's modules: when a command opens it

    cast(AppContext, ctx.obj).database = path  # names it if a later read meets a damaged page
    try:
        if read_only:
            database = connect_to_read(path, busy_timeout_ms=timeout, as_is=as_is)
        else:
            database = connect(path, busy_timeout_ms=timeout, migrate=migrate, backups=_backups(ctx))
    except sqlite3.DatabaseError as exc:
        raise storage_error(exc, path) or UserInputError(
            f"{path}: not a usable referral log (SQLite: {exc})"
            + (_not_a_database(path) if "not a database" in str(exc) else "")
        ) from None
    except OSError as exc:  # its folder cannot be created (under a file, on a read-only disk)
        raise UserInputError(f"{path}: cannot create the referral log's folder ({os_reason(exc)})") from None
    # closed when the command ends, however it ends: the connection (the log, its -wal and -shm) had
    # stayed open after main() returned, until a garbage collection, in a process that runs main
    # in-process (a test, a script) - a ResourceWarning under -W error on Python 3.13
    ctx.with_resource(closing(database.conn))
    return database
