"""`triage referrals ...` keeping the referral log: migrate, export, verify-audit, backup, restore
(opening it, with the --db and --json options every referrals command takes: referrals_open.py).
The commands are registered on `triage referrals` by triage/cli/referrals.py, in the order its
help lists them.

The referral log's modules (sqlite-utils, 0.4-0.9 s of CPU) are imported by the function that
opens or reads the log, not here: `triage --help` and the commands that never open it skip them."""

from __future__ import annotations

import errno
import getpass
import shlex
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, cast

import typer

from referral.errors import AuditChainError, AuditMismatchError, StorageError, UserInputError
from referral.plurals import counted
from referral.tables import sha256_file
from triage.cli.check_progress import CheckProgress
from triage.cli.context import AppContext
from triage.cli.output import echo, print_json, write
from triage.cli.paths import in_existing_folder, output_folder
from triage.cli.referrals_open import (
    DbOption,
    JsonOption,
    _backups,
    _connect,
    _path,
    _working_folder_s,
    read_log,
)
from triage.cli.referrals_open import open_log as open_log  # re-exported: callers import it from here
from triage.command_name import runnable
from triage.errors import ClinicError, ConfigError, os_reason

if TYPE_CHECKING:
    from referral import audit, audit_rows


class ExportFormat(StrEnum):
    csv = "csv"
    parquet = "parquet"
    jsonl = "jsonl"
    fhir = "fhir"
    analytics = "analytics"


class TableFormat(StrEnum):
    parquet = "parquet"
    csv = "csv"
    jsonl = "jsonl"


def migrate(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Create the referral log or apply pending schema migrations (safe to repeat).

    A log it creates is said new, with where it is (--json: created): without --db it is the
    settings' database.path, var/clinic.db of the working folder unless --config or $TRIAGE_CONFIG
    name the service's settings.

    An existing log is backed up first, beside it or in the settings' database.backup_dir
    (<name>.before-upgrade.schema<N>.<time>.db, checked and synced); exit 2, the log unchanged, if
    that backup cannot be written. Older such backups of the log there beyond the newest
    database.upgrade_backups_kept (3) are then removed and named (--json: backups_removed); one that
    cannot be removed is left, named with the reason (--json: backups_not_removed). A log
    whose audit chain is broken is backed up and upgraded all the same, with a warning (--json:
    warning). The upgrade is recorded in the log's audit trail (log.upgrade: from and to which
    schema, by whom, the backup), which verify-audit lists."""
    from referral.backup import removed_text, trail_warning, untrusted_trail
    from referral.migrations import MIGRATIONS  # the log's modules: when a command opens it
    from referral.schema import applied_migrations, upgrade

    path, timeout = _path(ctx, db)
    database = _connect(ctx, path, timeout, migrate=False)
    created = not applied_migrations(database)
    applied_now, kept = upgrade(database, backups=_backups(ctx), actor=cli_actor())
    result = {
        "db": str(path),
        # no log was there (or an empty file): this made a new one - not an upgrade of the clinic's
        "created": created,
        "applied_now": applied_now,
        "schema": applied_migrations(database),
        "backup": kept and str(kept.path),
        # older automatic backups of the log removed there (database.upgrade_backups_kept)
        "backups_removed": [str(p) for p in kept.removed] if kept else [],
        # and those it could not remove (left as they are), with the reason
        "backups_not_removed": [{"path": str(p), "reason": why} for p, why in kept.not_removed]
        if kept
        else [],
        # the text's warning: the log backed up does not verify (its chain broken, a row edited);
        # its `triage referrals verify-audit` names the triage that runs, as the text's does
        "warning": runnable(warned) if kept and (warned := trail_warning(kept)) else None,
    }
    if as_json:
        print_json(result)
        return
    if created:
        echo(
            f"{path}: there was no referral log there; created a new, empty one{_working_folder_s(path)},"
            f" applied {counted(len(applied_now), 'migrations')} (up to {applied_now[-1]}) - right for a new clinic; to"
            " upgrade the clinic's log instead, give --db, or the settings the service runs with (--config,"
            " $TRIAGE_CONFIG)"
        )
    elif applied_now:
        backed_up = (
            f"; the log as it was is backed up (checked) at {kept.path}{removed_text(kept)}{untrusted_trail(kept)}"
            if kept
            else ""
        )
        # the warning's `triage referrals verify-audit` (the log's words) names the triage that runs
        echo(
            runnable(
                f"{path}: applied {counted(len(applied_now), 'migrations')}: {', '.join(applied_now)}{backed_up}"
            )
        )
    else:
        echo(f"{path}: schema up to date ({len(MIGRATIONS._migrations)} migrations)")


def export_command(
    ctx: typer.Context,
    export_format: Annotated[
        ExportFormat,
        typer.Option(
            "--format",
            help="csv/parquet/jsonl: referral table; fhir: FHIR R4 ServiceRequest Bundle "
            "(.ndjson path: one resource per line); analytics: de-identified export folder.",
        ),
    ],
    out: Annotated[
        Path,
        typer.Option(
            "--out", help="Output file (folder for analytics, made if missing), in a folder that exists."
        ),
    ],
    db: DbOption = None,
    table_format: Annotated[
        TableFormat, typer.Option(help="Table format inside an analytics export.")
    ] = TableFormat.parquet,
    as_json: JsonOption = False,
) -> None:
    """Export referrals (csv, parquet, jsonl, fhir) or the de-identified analytics export."""
    from referral import analytics_export, export  # the log's modules: when a command opens it

    # a mistyped folder, or a drive not mounted: it was made, and the export left there unseen
    in_existing_folder(out, "--out")
    database = read_log(ctx, db)
    fmt = export_format.value
    if fmt == "analytics":
        output_folder(out)  # a file, or a folder that cannot be created: one line, before any work
        if not as_json:
            echo(f"writing de-identified analytics export to {out}/ ...", err=True)

        def progress(done: int, total: int) -> None:
            if not as_json:
                echo(f"  encounters {done:,}/{total:,}", err=True)

        manifest = analytics_export.export_analytics(database, out, table_format.value, progress=progress)
        if as_json:
            print_json({"format": fmt, "out": str(out), "manifest": str(out / "manifest.json")} | manifest)
            return
        counts = ", ".join(f"{n} {t['rows']}" for n, t in manifest["tables"].items())
        label = " (SYNTHETIC data)" if manifest["synthetic"] else ""
        echo(f"{out}/manifest.json: {manifest['format_version']}{label}; rows: {counts}")
        return
    if out.is_dir():
        raise UserInputError(f"--out {out} is a folder; give a file path for --format {fmt}")
    try:
        if fmt == "fhir":
            count = export.export_fhir(database, out)
        else:
            count = export.export_referrals(database, out, fmt)  # type: ignore[arg-type]
    except OSError as exc:  # nothing is left under the name: the file is written as <name>.partial
        raise UserInputError(f"--out {out}: cannot write the file ({os_reason(exc)})") from None
    if as_json:
        print_json(
            {
                "format": fmt,
                "out": str(out),
                "referrals": count,
                "bytes": out.stat().st_size,
                "sha256": sha256_file(out),
            }
        )
        return
    echo(f"{out}: {counted(count, 'referrals')} as {fmt}")


def verify_audit(
    ctx: typer.Context,
    db: DbOption = None,
    as_json: JsonOption = False,
    anchor: Annotated[
        str | None,
        typer.Option(
            "--anchor",
            help="SEQ:HASH, a chain head this command printed earlier and you kept off the box:"
            " exit 1 unless the trail still holds that entry with that hash.",
        ),
    ] = None,
) -> None:
    """Check the audit trail's hash chain, then the tables against it (patients, encounters,
    observations, assessments, overrides, referrals and their events, facilities, settings, users,
    API tokens, device associations, device result reviews, observation corrections, referral
    basis changes); exit 1 naming the first broken entry or the first row edited outside the
    application. The device gateway's inbox (device messages, results, quarantine) is stored
    without audit entries and not compared: what triage took from it is (docs/referral-log.md,
    'Not compared'). Prints the chain head (newest entry and its hash): record it somewhere else to
    prove later, with --anchor, that the trail up to it was not rewritten. Names, as the next backup
    does, the unfinished copies a backup into database.backup_dir or a restore of the log killed
    while writing left (last written over an hour ago, no process writing them; --json:
    unfinished_left), with the rm line that deletes them. Lists the schema upgrades the trail
    records (log.upgrade: entry, time, from and to which schema, by whom, the backup taken first;
    --json: upgrades) and the restores (log.restore: entry, time, by whom, from which backup and
    its chain head, where the replaced log is kept; --json: restores)."""
    from referral import audit, audit_rows  # the log's modules: when a command opens it
    from referral.backup import unfinished_copies
    from referral.transactions import snapshot
    from referral.upgrade_record import (
        RESTORE_ACTION,
        recorded,
        recorded_upgrades,
        restores_text,
        upgrades_text,
    )

    wanted = None if anchor is None else audit.parse_anchor(anchor)
    database = read_log(ctx, db, as_is=True)
    # the chain and the tables as of one moment, while writers go on; on a terminal, what it is checking
    with snapshot(database), CheckProgress() as progress:
        chain = audit.verify(database, progress.entries)
        rows = audit_rows.verify_rows(database, progress.table) if chain.ok else None
        moved = None if wanted is None or not chain.ok else audit.check_anchor(database, chain, *wanted)
        upgrades = recorded_upgrades(database)
        restores = recorded(database, RESTORE_ACTION)
    ok = chain.ok and rows is not None and rows.ok and moved is None
    # what a backup or restore killed while writing left (the next backup names those in backup_dir)
    log = _path(ctx, db)[0]
    leftovers = unfinished_copies(log, cast(AppContext, ctx.obj).settings.database.backup_dir)
    if as_json:
        print_json(
            chain.as_dict()
            | {"ok": ok, "rows": rows and rows.rows, "mismatch": _mismatch(rows)}
            | {"unfinished_left": [str(p) for p in leftovers], "upgrades": upgrades, "restores": restores}
            | ({} if wanted is None else {"anchor": {"seq": wanted[0], "hash": wanted[1], "problem": moved}})
        )
    else:
        _say_unfinished(leftovers, log)
        _say_set_back(chain)
    _raise_if_tampered(chain, rows, "")
    if moved is not None:
        raise AuditChainError(
            f"audit chain intact ({counted(chain.entries, 'entries')}), but not the anchored one: {moved}"
        )
    if as_json or rows is None:
        return
    anchored = "" if wanted is None else f"; anchor entry {wanted[0]} found unchanged"
    echo(f"audit chain intact: {counted(chain.entries, 'entries')} verified{anchored}; {_rows_text(rows)}")
    for said in (upgrades_text(upgrades), restores_text(restores)):
        if said:
            echo(said)
    if chain.head_hash is not None:
        echo(
            f"chain head: {chain.entries}:{chain.head_hash} (keep it off this box; --anchor checks it later)"
        )


def _say_unfinished(leftovers: list[Path], log: Path) -> None:
    """On standard error, per folder, the copies a backup (or a restore of ``log``) killed or cut
    off while writing left (``referral.backup.unfinished_copies``), with the line that deletes them."""
    from referral.backup import STALE_PARTIAL_AFTER_S

    for folder, by in dict.fromkeys(
        (p.parent, "a restore" if p.name.startswith(f"{log.name}.partial") else "a backup") for p in leftovers
    ):
        left = [
            p
            for p in leftovers
            if p.parent == folder and p.name.startswith(f"{log.name}.partial") == (by == "a restore")
        ]
        them = "it" if len(left) == 1 else "them"
        write(
            f"note: {counted(len(left), 'unfinished backup files')} in {folder}, left by {by} killed or cut off"
            f" while writing (no process writes {them}; last written over {STALE_PARTIAL_AFTER_S // 3600} h"
            f" ago): {', '.join(p.name for p in left)}; no backup is in {them} - delete {them}:"
            f" rm {' '.join(shlex.quote(str(p)) for p in left)}",
            err=True,
        )


def _say_set_back(chain: audit.AuditReport) -> None:
    """On standard error, the entries stamped before the entry ahead of them: the machine's clock was
    set back while the trail was written (its order is the entries' numbers, which the chain holds)."""
    from referral.audit import SET_BACK_NAMED

    if not chain.clock_set_back:
        return
    count = len(chain.clock_set_back)
    which = ", ".join(str(seq) for seq in chain.clock_set_back)
    said = (
        f"1 entry is stamped earlier than the entry before it (entry {which})"
        if count == 1
        else f"{count}{' or more' if count >= SET_BACK_NAMED else ''} entries are stamped earlier than the"
        f" entry before them (entries {which})"
    )
    write(
        f"note: the machine's clock was set back while the trail was written: {said}; the trail's order"
        " is its entries' numbers, which the chain holds, not their times - set the clock right"
        " (timedatectl, NTP)",
        err=True,
    )


def _mismatch(rows: audit_rows.RowsReport | None) -> dict[str, object] | None:
    """The first row edited outside the application, for ``--json``; ``None`` if the tables match
    (or were not compared: the chain is broken)."""
    if rows is None or rows.ok:
        return None
    return {"table": rows.table, "row_id": rows.row_id, "problem": rows.problem}


def _rows_text(rows: audit_rows.RowsReport) -> str:
    return "the tables match it (" + ", ".join(counted(n, table) for table, n in rows.rows.items()) + ")"


def _raise_if_tampered(chain: audit.AuditReport, rows: audit_rows.RowsReport | None, prefix: str) -> None:
    if not chain.ok:
        raise AuditChainError(
            f"{prefix}audit chain broken at entry {chain.first_broken_seq} of {chain.entries}: {chain.problem}"
        )
    if rows is not None and not rows.ok:
        raise AuditMismatchError(
            f"{prefix}audit chain intact ({counted(chain.entries, 'entries')}), but {rows.table} row {rows.row_id}:"
            f" {rows.problem} - edited outside the application"
        )


def backup_command(
    ctx: typer.Context,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Backup file to write (an earlier backup there replaced only once the new one is proven; any other"
            " file refused), in a folder that exists; default: in"
            " the settings' database.backup_dir, named <log name>.backup.<UTC time>.db.",
        ),
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Online backup while the service keeps writing: a consistent one-file copy, checked
    (integrity, audit chain) before it gets its name; exit 1 if the audit chain is broken. It is
    never removed by the retention of the backups an upgrade takes."""
    from referral import backup  # the log's modules: when a command opens it

    leftovers: list[Path] = []
    given = out is not None
    if out is None:
        out = _in_backup_dir(ctx, _path(ctx, db)[0])
        leftovers = backup.unfinished_backups(_path(ctx, db)[0], out.parent)
    else:  # a mistyped folder, or a drive not mounted: the folder was made, the backup left there
        in_existing_folder(out, "--out")
    database = read_log(ctx, db, as_is=True)
    if out.is_dir():
        raise UserInputError(f"--out {out} is a folder; give a file path for the backup")
    if out.resolve() == _path(ctx, db)[0].resolve():
        raise UserInputError(f"--out {out} is the referral log itself; give another file")
    try:
        # the log's owner, group and mode: `sudo triage referrals backup` wrote root's 0644 copy of a 0600 log
        with CheckProgress() as progress:  # on a terminal: what it is doing (a year's log takes a while)
            report = backup.backup(database, out, like=_path(ctx, db)[0], steps=progress)
    except OSError as exc:  # nothing is left under the name: the copy is written as <name>.partial
        raise _not_written(ctx, out, given, exc) from None
    if as_json:
        print_json(report.as_dict() | {"unfinished_left": [str(p) for p in leftovers]})
    else:  # a backup killed mid-copy (or cut off by a power failure) left them for good
        _say_unfinished(leftovers, _path(ctx, db)[0])
    chain = report.audit
    _raise_if_tampered(
        chain,
        report.rows,
        f"backup {out} written ({counted(report.referrals, 'referrals')}; keep the log and it for the inquiry): ",
    )
    if not as_json:
        echo(
            f"{out}: backup of {counted(report.referrals, 'referrals')}, {report.bytes:,} bytes; integrity ok,"
            f" audit chain intact ({counted(chain.entries, 'entries')}), {_rows_text(report.rows) if report.rows else ''}"
        )


#: What a disk did, not what was given (exit 1): out of space or inodes, over its quota, read-only.
_DISK_MET = {errno.ENOSPC: "free space on that disk", errno.EDQUOT: "free space on that disk"} | {
    errno.EROFS: "remount it read-write"
}


def _not_written(ctx: typer.Context, out: Path, given: bool, exc: OSError) -> ClinicError:
    """The backup's file could not be written, named by where its path came from: --out, or the
    settings' database.backup_dir with the settings file or variable that set it (it said "--out" for
    both, where no --out was given); a full or read-only disk is met (exit 1), else given wrong (2)."""
    from triage.settings import setting_problem

    reason = os_reason(exc)
    if given:
        said = f"--out {out}: cannot write the backup ({reason})"
    else:
        config = cast(AppContext, ctx.obj).config_path
        said = setting_problem(
            ("database", "backup_dir"), f"cannot write the backup {out} there ({reason})", config
        )
    met = _met_at_the_disk(
        f"{said}; no backup was written (nothing is left at {out}) and the referral log is unchanged",
        exc,
        out,
        ", or write the backup to another disk",
    )
    if met is None:
        return UserInputError(said) if given else ConfigError(said)
    return met


def _met_at_the_disk(said: str, exc: OSError, file: Path, then: str) -> StorageError | None:
    """``said`` with what to do (and ``then``) when ``exc`` is a disk's (:data:`_DISK_MET`: exit 1);
    ``None`` when it is not - a path given wrong."""
    todo = _DISK_MET.get(exc.errno or 0)
    if todo is None:
        return None
    return StorageError(
        f"{said} - {todo}{then}",
        says="error.storage.full" if exc.errno != errno.EROFS else "error.storage.read_only",
        params={"file": str(file)},
    )


def _in_backup_dir(ctx: typer.Context, log: Path) -> Path:
    """Where `backup` with no --out writes: database.backup_dir, named by the log and the time."""
    from datetime import UTC, datetime

    folder = cast(AppContext, ctx.obj).settings.database.backup_dir
    if folder is None:
        raise UserInputError(
            "give --out FILE for the backup, or set database.backup_dir in the settings to write it"
            " there named by the time"
        )
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return folder / f"{log.stem}.backup.{stamp}{log.suffix or '.db'}"


def _restore_unfinished(path: Path, source: Path, moved: list[Path], exc: StorageError) -> StorageError:
    """The backup was put in place of the log, then the log's disk failed its upgrade or the
    restore's audit entry (an older backup's migrations need more room than the check before the
    copy counts): said so, where the log's own error said 'nothing of this request was stored ...
    retry' of a log already replaced."""
    sqlite = str(exc).rpartition(" (SQLite: ")
    full = exc.says == "error.storage.full"
    why, todo = ("filled", "free space on that disk") if full else ("failed", "check that disk")
    kept = f" (the replaced log is kept as {', '.join(str(p) for p in moved)})" if moved else ""
    return StorageError(
        f"--db {path}: the backup {source} was put in place of the log{kept}, but the disk holding it {why} before the"
        " restored log was upgraded and the restore recorded in its audit trail"
        f"{' (SQLite: ' + sqlite[2] if sqlite[1] else ''}"
        f" - {todo}, then restore again (the log there now is the backup as it was:"
        " it is replaced and kept as the first one was)",
        says=exc.says,
        params={"file": str(path)},
    )


def cli_actor() -> str:
    """Who a command records in the audit trail: ``cli:`` and the user who runs it."""
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli"


def restore_command(
    ctx: typer.Context,
    source: Annotated[Path, typer.Option("--from", help="Backup file (from `triage referrals backup`).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    replace_newer: Annotated[
        bool,
        typer.Option(
            "--replace-newer",
            help="Replace a log that holds audit entries the backup does not (written after it was"
            " taken, or another log's): refused without it.",
        ),
    ] = False,
    replace_damaged: Annotated[
        bool,
        typer.Option(
            "--replace-damaged",
            help="Replace a file at --db that SQLite cannot read as a referral log (a log damaged beyond"
            " reading, kept beside it as <name>.replaced-<time>): refused without it, as the wrong path.",
        ),
    ] = False,
) -> None:
    """Put a checked backup in place of the log (stop the service and gateways first); the log it
    replaces is kept beside it as <name>.replaced-<time>, with its -wal and -shm. A log holding
    audit entries the backup does not - written after the backup was taken, or another log's - is
    replaced only with --replace-newer (going back after a failed upgrade); a file SQLite cannot read as
    a referral log (the wrong path, or a log damaged beyond reading) only with --replace-damaged. A backup from an
    older version is upgraded then, with no second copy taken: --from is the log as it was. The
    restore is recorded in the restored log's audit trail (log.restore: the backup, its chain head,
    where the replaced log is kept; --json: audit_entry)."""
    import sqlite3

    from referral import restore  # the log's modules: when a command opens it
    from referral.schema import upgrade
    from referral.storage import storage_error

    path, timeout = _path(ctx, db)
    cast(AppContext, ctx.obj).database = path
    created = not path.exists()  # a new machine, or not the path the service uses
    try:
        report = restore.restore(source, path, replace_newer=replace_newer, replace_damaged=replace_damaged)
    except OSError as exc:  # its folder cannot be made or written: the copy removed, the log put back
        said = f"--db {path}: cannot write the restored log there ({os_reason(exc)}); nothing was changed"
        # a disk out of space or inodes, or read-only: met, not given wrong (exit 1, as backup's); a
        # file in the way of its folder: given wrong (exit 2)
        raise _met_at_the_disk(said, exc, path, ", then restore again") or UserInputError(said) from None
    # A backup from an older version: --from is the log as it was, so no second copy beside it.
    try:
        restored = _connect(ctx, path, timeout, migrate=False)
        applied = upgrade(restored, back_up=False, actor=cli_actor())[0]
        entry = restore.record_restore(restored, report, source, cli_actor())
    except (StorageError, sqlite3.DatabaseError) as exc:  # the backup is in place: not 'nothing ... stored'
        met = exc if isinstance(exc, StorageError) else storage_error(exc, path)
        if met is None:
            raise
        raise _restore_unfinished(path, source, report.moved_aside, met) from None
    if as_json:
        print_json(report.as_dict() | {"created": created, "applied_now": applied, "audit_entry": entry})
        return
    kept = (
        f"; the replaced log is kept as {', '.join(str(p) for p in report.moved_aside)}"
        if report.moved_aside
        else ""
    )
    upgraded = (
        f"; applied {counted(len(applied), 'migrations')} (no backup taken before the upgrade: {source} is the log as it"
        " was)"
        if applied
        else ""
    )
    what = (
        f"restored from {source} into a new one{_working_folder_s(path)}"
        if created  # no log was there: a new machine, or not the log the service uses
        else f"restored from {source}"
    )
    echo(
        f"{path}: {'there was no referral log there; ' if created else ''}{what}"
        f" ({counted(report.backup.referrals, 'referrals')}, audit chain intact,"
        f" {counted(report.backup.audit.entries, 'entries')}){upgraded}{kept}; recorded as audit entry {entry}"
        + (
            " - the service finds it only if its settings' database.path names it; to restore the log"
            " the service uses, give --db, or the settings it runs with (--config, $TRIAGE_CONFIG)"
            if created
            else ""
        )
    )
