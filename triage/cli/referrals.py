"""`triage referrals ...`: the durable referral log (migrate, list, show, export, stats, audit), and
referrals whose basis a device corrected (list them, acknowledge "reviewed, keep", cancel)."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, cast, get_args

import typer

from referral.errors import NotFoundError, ReferralNotFoundError, UserInputError, json_text
from referral.plurals import counted
from referral.records import MAX_RECORD_ID
from referral.value_sets import REFERRAL_STATUSES, TIERS
from triage.cli import referrals_log, referrals_tokens, referrals_users
from triage.cli.context import AppContext
from triage.cli.output import echo, print_json, print_table, shown
from triage.cli.referrals_log import DbOption, JsonOption, _path, open_log, read_log
from triage.cli.referrals_open import absent

if TYPE_CHECKING:
    from referral import basis

app = typer.Typer(
    help="Referral log: migrate the database, list/show referrals, export, stats, verify the audit trail,"
    " back it up and restore it; its staff accounts and API tokens, on the service's machine (users,"
    " tokens); review referrals whose basis a device corrected (basis-changes, acknowledge, cancel).",
    short_help="Referral log: migrate, list/show, export, stats, verify the audit trail, back up and restore,"
    " staff accounts; review referrals whose basis a device corrected.",
    no_args_is_help=True,
)
facilities_app = typer.Typer(help="Facility directory: load from CSV, list.", no_args_is_help=True)
app.add_typer(facilities_app, name="facilities")
app.add_typer(referrals_users.app, name="users")

#: Record ids are SQLite integers; a larger one was an OverflowError traceback (the API's bound too).
MAX_ID = MAX_RECORD_ID


def id_parser(what: str) -> Callable[[str | int], int]:
    """The parser of an id argument or option, shown as its metavar (``ID``) in the help: typer's
    range for ``min=1, max=MAX_ID`` read ``<int range> [1<=x<=4611686018427387904]``, a number
    no one types (b2d7479). A bad value still names the limit: '0 is not {what} (a whole number
    from 1 to ...)'."""

    def parse(value: str | int) -> int:
        try:
            number = value if isinstance(value, int) else int(value.strip())
        except ValueError:
            raise typer.BadParameter(f"{json_text(value)} is not {what} (a whole number from 1)") from None
        if not 1 <= number <= MAX_ID:
            raise typer.BadParameter(f"{number} is not {what} (a whole number from 1 to {MAX_ID})")
        return number

    parse.__name__ = "int"  # an argument's type column: <int>, as a plain whole number's
    return parse


@contextmanager
def _the_referral(ctx: typer.Context, db: Path | None, *, writes: bool) -> Iterator[None]:
    """A referral id the log does not hold, said as the command's: which log it looked in and the
    command that lists its referrals (``show``, ``acknowledge``, ``cancel``: 'referral 999 not
    found' named neither - the settings' log, when --db was forgotten, looks just as empty)."""
    try:
        yield
    except ReferralNotFoundError as exc:
        thing = f"referral {exc.referral_id}"
        raise NotFoundError(absent(ctx, db, thing, "list", "referrals", writes=writes)) from None


IdArgument = Annotated[
    int, typer.Argument(metavar="ID", parser=id_parser("a referral id"), help="Referral id.")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who decides (a clinician's name; recorded in the audit trail).")
]


app.command()(referrals_log.migrate)


#: ``referrals list``'s default --limit
_PAGE = 50
_LIST_COLUMNS = ("id", "status", "urgency", "from_facility", "to_facility", "created_at", "basis")


@app.command("list")
def list_command(
    ctx: typer.Context,
    db: DbOption = None,
    status: Annotated[
        str | None, typer.Option(help="Only this status (proposed, sent, accepted, ...).")
    ] = None,
    basis_review_needed: Annotated[
        bool | None,
        typer.Option(
            "--basis-review-needed/--no-basis-review-needed",
            help="Only referrals whose basis a device corrected and nobody has reviewed (the"
            " worklist), or with --no-...: only the others. Applied before --limit.",
            show_default=False,
        ),
    ] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000, help="At most this many rows.")] = _PAGE,
    before_id: Annotated[
        int | None,
        typer.Option(
            "--before-id",
            metavar="ID",
            parser=id_parser("a referral id"),
            help="Only referrals older than this id: the next page, as the line under the list"
            " (or next_before_id in --json) says.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List referrals, newest first, a page of --limit at a time; 'basis: REVIEW NEEDED' marks one
    whose basis a device corrected and nobody has reviewed (`triage referrals basis-changes`).

    When more match, a last line says how many and the command for the next page (--before-id,
    the last id shown: stable while referrals are added). --json prints {"data": [...], "total",
    "more", "next_before_id", "next"}."""
    from referral import basis, referrals  # the log's modules (sqlite-utils): when a command opens it
    from referral.transactions import snapshot

    if status is not None and status not in REFERRAL_STATUSES:  # as --tier and --state say it
        raise UserInputError(f"--status {json_text(status)}: choose one of {', '.join(REFERRAL_STATUSES)}")
    database = read_log(ctx, db)
    filters: dict[str, Any] = {"status": status, "basis_review_needed": basis_review_needed}
    with snapshot(database):  # the page and its counts as of one moment, while the service writes
        rows = referrals.list_referrals(database, limit=limit, before_id=before_id, **filters)
        total = referrals.count_referrals(database, **filters)
        more = referrals.count_referrals(database, before_id=rows[-1]["id"], **filters) if rows else 0
        changes = basis.for_referrals(database, [r["id"] for r in rows])
    for row in rows:
        row["basis_review_needed"] = any(c.open for c in changes.get(int(row["id"]), []))
    cursor = rows[-1]["id"] if more else None
    following = None if cursor is None else _next_page(ctx, cursor, as_json)
    if as_json:
        print_json({"data": rows, "total": total, "more": more, "next_before_id": cursor, "next": following})
        return
    if not rows:
        wanted = [f"with status {status}"] if status else []
        if basis_review_needed is not None:
            wanted.append(
                "awaiting a basis review" if basis_review_needed else "without a basis review pending"
            )
        if before_id is not None:
            wanted.append(f"older than {before_id} ({total} in all)")
        echo(" ".join(["no referrals", *wanted]))
        return
    print_table(
        [r | {"basis": "REVIEW NEEDED" if r["basis_review_needed"] else None} for r in rows], _LIST_COLUMNS
    )
    if following is not None:
        echo(f"{more} more of {total}; next page: {following}")


def _next_page(ctx: typer.Context, cursor: int, as_json: bool) -> str:
    """The command line of the next page: the options given to this one, ``--before-id`` the last id shown."""
    config = cast(AppContext, ctx.obj).config_path
    words = ["triage", *(["--config", str(config)] if config is not None else []), "referrals", "list"]
    for name, value in ctx.params.items():
        if value is None or name in ("before_id", "as_json") or (name == "limit" and value == _PAGE):
            continue
        if name == "basis_review_needed":
            words.append("--basis-review-needed" if value else "--no-basis-review-needed")
        else:
            words += [f"--{name}", str(value)]
    words += ["--before-id", str(cursor), *(["--json"] if as_json else [])]
    return shlex.join(words)


@app.command()
def show(
    ctx: typer.Context,
    referral_id: IdArgument,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Show one referral with its lifecycle events, device corrections of its basis and audit entries."""
    from referral import audit, basis, referrals  # the log's modules (sqlite-utils): when a command opens it

    database = read_log(ctx, db)
    with _the_referral(ctx, db, writes=False):
        referral = referrals.get_referral(database, referral_id)
    changes = basis.for_referrals(database, [referral_id]).get(referral_id, [])
    detail: dict[str, Any] = {
        "referral": referral,
        "events": referrals.events(database, referral_id),
        "basis_changes": [c.as_dict() for c in changes],
        "audit": audit.entries_for(database, "referral", referral_id),
    }
    if as_json:
        print_json(detail)
        return
    for key in ("id", "status", "urgency", "from_facility", "to_facility", "reason", "assessment_id"):
        echo(f"{key:>14}: {referral[key]}")
    if referral["feedback"]:
        echo(f"{'feedback':>14}: {json.dumps(referral['feedback'], ensure_ascii=False)}")
    echo("events:")
    for event in detail["events"]:
        echo(
            f"  {event['at']}  {event['from_status'] or '-':>9} -> {event['to_status']:<9}"
            f"  by {event['actor']}" + (f"  ({event['note']})" if event["note"] else "")
        )
    if changes:
        echo("basis corrected by a device:")
        readings = basis.readings(database, changes)
        for change in changes:
            echo(f"  {_basis_line(change, readings)}")


def _basis_line(change: basis.BasisChange, readings: dict[int, basis.Readings]) -> str:
    return f"{change.changed_at}  {change.summary(readings.get(change.id, (None, None)))}"


@app.command("basis-changes")
def basis_changes_command(
    ctx: typer.Context,
    include_reviewed: Annotated[
        bool, typer.Option("--all", help="Include changes already reviewed (acknowledged or closed).")
    ] = False,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Referrals whose basis a device corrected and nobody has reviewed yet (with --all: every one)."""
    from referral import basis  # the log's modules (sqlite-utils): when a command opens it

    database = read_log(ctx, db)
    changes = [
        change
        for found in basis.for_referrals(database).values()
        for change in found
        if include_reviewed or change.open
    ]
    changes.sort(key=lambda c: c.id)
    if as_json:
        print_json([c.as_dict() for c in changes])
        return
    if not changes:
        echo("no referral basis changes" if include_reviewed else "no referral waits for a basis review")
        return
    readings = basis.readings(database, changes)
    for change in changes:
        echo(
            f"referral {change.referral_id} (encounter {change.encounter_id}): {_basis_line(change, readings)}"
        )


@app.command()
def acknowledge(
    ctx: typer.Context,
    referral_id: IdArgument,
    actor: ActorOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the referral stands (required, audited).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reviewed, keep: keep a referral whose basis a device corrected, saying why (audited); for an
    arrived patient, acknowledge the correction with a note."""
    from referral import basis  # the log's modules (sqlite-utils): when a command opens it

    database = open_log(ctx, db)
    with _the_referral(ctx, db, writes=True):
        closed = basis.acknowledge(database, referral_id, actor=actor, reason=reason)
    if as_json:
        print_json([c.as_dict() for c in closed])
        return
    if all(c.informational for c in closed):
        echo(
            f"referral {referral_id}: {counted(len(closed), 'basis changes')} acknowledged by {actor}"
            " (for information: the patient had arrived)"
        )
        return
    echo(
        f"referral {referral_id}: {counted(len(closed), 'basis changes')} reviewed by {actor}, referral kept"
    )


@app.command()
def cancel(
    ctx: typer.Context,
    referral_id: IdArgument,
    actor: ActorOption,
    note: Annotated[str, typer.Option("--note", help="Why it is cancelled (required, audited).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Cancel a referral (not after the patient arrived), with a note; closes open basis changes."""
    from referral import referrals  # the log's modules (sqlite-utils): when a command opens it

    database = open_log(ctx, db)
    with _the_referral(ctx, db, writes=True):
        row = referrals.transition(database, referral_id, "cancelled", actor=actor, note=note)
    if as_json:
        print_json(row)
        return
    echo(f"referral {referral_id}: cancelled by {actor} ({note.strip()})")


app.command("export")(referrals_log.export_command)


@app.command()
def stats(ctx: typer.Context, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Counts: referrals by status, encounters, assessments by disposition, overrides, audit."""
    from referral import referrals  # the log's modules (sqlite-utils): when a command opens it

    database = read_log(ctx, db)

    def count(sql: str) -> int:
        return int(database.execute(sql).fetchone()[0])

    result = {
        "referrals_by_status": referrals.counts_by_status(database),
        "patients": count("SELECT count(*) FROM patients"),
        "encounters": count("SELECT count(*) FROM encounters"),
        "assessments_by_disposition": dict(
            database.execute(
                "SELECT disposition, count(*) FROM assessments GROUP BY disposition ORDER BY 1"
            ).fetchall()
        ),
        "overrides": count("SELECT count(*) FROM overrides"),
        "facilities": count("SELECT count(*) FROM facilities"),
        "audit_entries": count("SELECT count(*) FROM audit"),
    }
    if as_json:
        print_json(result)
        return
    for key, value in result.items():
        if isinstance(value, dict):
            inner = ", ".join(f"{k} {v}" for k, v in value.items()) or "none"
            echo(f"{key}: {inner}")
        else:
            echo(f"{key}: {value}")


# Their docstrings' first paragraphs run to 14 lines of `triage referrals --help`'s list: each is
# listed by a line of its own (its --help says the rest).
app.command(
    "verify-audit",
    short_help="Check the audit trail's hash chain, then the tables against it; print the chain head"
    " (exit 1 naming the first broken entry or edited row).",
)(referrals_log.verify_audit)
app.command(
    "tokens", short_help="API tokens: owner, role, label, last use, expiry and state; never the token."
)(referrals_tokens.tokens_command)
app.command(
    "backup",
    short_help="Online backup while the service keeps writing: one checked file (exit 1 if the audit chain"
    " is broken).",
)(referrals_log.backup_command)
app.command(
    "restore",
    short_help="Put a checked backup in place of the log (stop the service first); the replaced log is kept.",
)(referrals_log.restore_command)


@app.command("queue")
def queue_command(
    ctx: typer.Context,
    db: DbOption = None,
    day: Annotated[str | None, typer.Option(help="Day YYYY-MM-DD (default: today).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100000, help="At most this many encounters.")] = 500,
    state: Annotated[str, typer.Option(help="Which visits: all, open (not yet closed) or closed.")] = "all",
    as_json: JsonOption = False,
) -> None:
    """The staff queue: a day's encounters with their latest assessment, most urgent first."""
    from referral import queue  # the log's modules (sqlite-utils): when a command opens it

    try:
        target = date.fromisoformat(day) if day else ctx.obj.clock.today()
    except ValueError as error:
        raise UserInputError(f"--day {json_text(day)} is not a date YYYY-MM-DD") from error
    if state not in get_args(queue.QueueState):
        raise UserInputError(
            f"--state {json_text(state)}: choose one of {', '.join(get_args(queue.QueueState))}"
        )
    rows = queue.staff_queue(read_log(ctx, db), target, limit, cast(queue.QueueState, state))
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo(f"no encounters on {target}" if state == "all" else f"no {state} encounters on {target}")
    for row in rows:
        flags = ",".join(row["red_flags"]) or "-"
        echo(
            f"{row['started_at']}  {shown(row['mrn']):<12} {row['disposition'] or 'not assessed':<20}"
            f" NEWS2 {row['news2'] if row['news2'] is not None else '-':<3} red flags: {flags}"
            + ("  (overridden)" if row["overridden"] else "")
            + ("  (visit closed)" if row.get("closed_at") else "")
        )


@facilities_app.command("load")
def facilities_load(
    ctx: typer.Context,
    csv_file: Annotated[Path, typer.Argument(metavar="FILE.csv", help="Facility directory CSV.")],
    db: DbOption = None,
    clinic: Annotated[
        str | None, typer.Option(help="Facility id of this clinic (recorded for exports).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Load (insert or update) facilities from CSV; a bad file loads nothing and names the rows."""
    from referral import facilities  # the log's modules (sqlite-utils): when a command opens it

    loaded = facilities.load_csv(
        open_log(ctx, db, create=True), csv_file, actor=referrals_log.cli_actor(), clinic=clinic
    )
    synthetic = sum(1 for f in loaded if f.synthetic)
    if as_json:
        print_json(
            {
                "db": str(_path(ctx, db)[0]),
                "file": str(csv_file),
                "loaded": len(loaded),
                "synthetic": synthetic,
                "clinic": clinic,
                "ids": [f.id for f in loaded],
            }
        )
        return
    note = f" ({synthetic} marked synthetic)" if synthetic else ""
    echo(f"loaded {counted(len(loaded), 'facilities')} from {csv_file}{note}")


@facilities_app.command("list")
def facilities_list(
    ctx: typer.Context,
    db: DbOption = None,
    tier: Annotated[str | None, typer.Option(help="primary, secondary or tertiary.")] = None,
    as_json: JsonOption = False,
) -> None:
    """List the facility directory."""
    from referral import facilities  # the log's modules (sqlite-utils): when a command opens it

    if tier is not None and tier not in TIERS:
        raise UserInputError(f"--tier {json_text(tier)}: choose one of {', '.join(TIERS)}")
    rows = facilities.list_all(read_log(ctx, db), tier)
    if as_json:
        print_json(rows)
        return
    if not rows:
        echo(
            "no facilities"
            + (f" of tier {tier}" if tier else "")
            + "; load them with `triage referrals facilities load FILE.csv`"
        )
        return
    for row in rows:
        echo(f"{row['id']:<10} {row['tier']:<10} {row['region_code']:<8} beds {row['beds']:<5} {row['name']}")
