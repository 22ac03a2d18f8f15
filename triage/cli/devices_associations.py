"""`triage devices associations ...`: bedside devices attached to a patient's encounter.

The same rules as the staff pages and the API (``referral/associations.py``): only devices the
clinic knows (configured in ``[gateway] profiles`` or seen in the log) can be attached, at most
one encounter per device, and every association expires after ``device_associations.max_duration_s``.
Listing reads the log only (it opens it read-only, as the other reading commands): an association
past its expiry is shown ended (reason ``expired``), as the pages show it; the end is written and
audited by the next change of that device's associations (attach, detach, the pages).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from devices.profile import load_profile
from referral.errors import NotFoundError, UserInputError
from referral.records import check_record_number
from triage.cli.context import AppContext
from triage.cli.output import echo, print_json, print_table
from triage.cli.referrals import DbOption, JsonOption, id_parser, open_log, read_log
from triage.cli.referrals_open import absent

if TYPE_CHECKING:
    from referral.associations import Association

app = typer.Typer(
    help="Device associations: attach a bedside device (e.g. a pulse oximeter) to a patient's encounter,"
    " detach it, list them; close an encounter, which detaches its devices.",
    no_args_is_help=True,
)


#: ``--encounter`` and ENCOUNTER_ID read ``ID`` / ``ENCOUNTER_ID`` in the help, not a 64-bit range.
encounter_id = id_parser("an encounter id")


ActorOption = Annotated[
    str, typer.Option("--actor", help="Who does it (a staff name; recorded in the audit trail).")
]
DeviceArgument = Annotated[
    str, typer.Argument(metavar="DEVICE_ID", help="The device id of its profile, e.g. demo-oximeter.")
]
_COLUMNS = ("id", "device", "encounter", "mrn", "started", "by", "expires", "ended", "end_reason")


def _cells(a: Association) -> dict[str, Any]:
    from referral.transactions import when  # the log's modules (sqlite-utils): when a command opens it

    return {
        "id": a.id,
        "device": a.device_id,
        "encounter": a.encounter_id,
        "mrn": a.mrn,
        "started": when(a.started_at),
        "by": a.started_by,
        "expires": when(a.expires_at) if a.expires_at else None,
        "ended": when(a.ended_at) if a.ended_at else None,
        "end_reason": a.end_reason,
    }


def _summary(verb: str, a: Association) -> str:
    from referral.transactions import when  # the log's modules (sqlite-utils): when a command opens it

    text = f"{verb} {a.device_id} - encounter {a.encounter_id} ({a.mrn}), association #{a.id}"
    if a.ended_at:
        return f"{text}: ended {when(a.ended_at)} by {a.ended_by} ({a.end_reason})"
    return f"{text}: expires {when(str(a.expires_at))}"


@app.command("list")
def list_command(
    ctx: typer.Context,
    include_ended: Annotated[
        bool, typer.Option("--all", help="Include ended associations (newest first).")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, max=100000, help="With --all: at most this many rows.")] = 200,
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the devices attached now, each with its expiry (one past its expiry shows as ended)."""
    from referral import associations  # the log's modules (sqlite-utils): when a command opens it

    database = read_log(ctx, db)
    if include_ended:
        rows = associations.as_of(associations.list_all(database, limit=limit))
    else:
        rows = [a for a in associations.as_of(associations.list_active(database)) if a.active]
    if as_json:
        print_json([a.as_dict() for a in rows])
        return
    if not rows:
        echo("no device associations" if include_ended else "no device is attached")
        return
    print_table([_cells(a) for a in rows], _COLUMNS)


@app.command()
def attach(
    ctx: typer.Context,
    device_id: DeviceArgument,
    actor: ActorOption,
    encounter: Annotated[
        int | None,
        typer.Option("--encounter", parser=encounter_id, metavar="ID", help="The encounter id."),
    ] = None,
    mrn: Annotated[
        str | None,
        typer.Option("--mrn", help="Instead of --encounter: the patient's latest encounter today."),
    ] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="If the device is attached elsewhere, end that (reason 'replaced')."),
    ] = False,
    reason: Annotated[
        str, typer.Option(help="Why (audited).")
    ] = "device attached to the patient (triage CLI)",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Attach a device: its results without a patient id go to that patient until detached or expired."""
    from referral import associations  # the log's modules (sqlite-utils): when a command opens it

    if (encounter is None) == (mrn is None):
        raise UserInputError("attach: give the encounter with exactly one of --encounter N or --mrn MRN")
    app_ctx: AppContext = ctx.obj
    settings = app_ctx.settings
    database = open_log(ctx, db)
    configured = [load_profile(path).device_id for path in settings.gateway.profiles]
    associations.require_known(device_id, associations.known_devices(database, configured))
    encounter_id = (
        encounter
        if encounter is not None
        else associations.encounter_of_day(
            database,
            check_record_number(str(mrn), "--mrn"),
            app_ctx.clock.today().isoformat(),
        )
    )
    before = associations.active_for_device(database, device_id)
    association = associations.associate(
        database,
        device_id,
        encounter_id,
        actor=actor,
        replace_existing=replace,
        reason=reason,
        max_duration=settings.device_associations.max_duration,
    )
    if as_json:
        print_json(association.as_dict())
        return
    unchanged = before is not None and before.id == association.id
    echo(_summary("already attached:" if unchanged else "attached", association))


@app.command(
    "close-encounter",
    short_help="Close an encounter (the visit ends): its devices are detached, it takes no new readings;"
    " its referrals go on.",
)
def close_encounter(
    ctx: typer.Context,
    encounter_id: Annotated[
        int, typer.Argument(metavar="ENCOUNTER_ID", parser=encounter_id, help="The encounter id.")
    ],
    actor: ActorOption,
    reason: Annotated[str, typer.Option("--reason", help="Why the visit ends (required, audited).")],
    db: DbOption = None,
    as_json: JsonOption = False,
    without_referral: Annotated[
        bool,
        typer.Option(
            "--without-referral",
            help="Close although the latest decision is a transfer or referral and no referral was made"
            " (recorded in the audit entry).",
        ),
    ] = False,
) -> None:
    """Close an encounter (the patient's visit ends): every device attached to it is detached
    (reason 'encounter_closed'), so its later results are held for review; the encounter takes no
    new readings, assessments or devices; its referrals go on. A visit whose decision is a transfer
    or referral with no referral made is refused unless --without-referral. The visit's referrals
    proposed and not sent are left open and named (--json: proposed_referrals)."""
    from referral import closure, store  # the log's modules (sqlite-utils): when a command opens it

    database = open_log(ctx, db)
    try:
        closed = closure.close(
            database,
            encounter_id,
            actor=actor,
            reason=reason,
            without_referral=without_referral,
            confirm=closure.CONFIRM_IN_CLI,
        )
    except NotFoundError:  # an unknown encounter, the close's only one: said with where they are listed
        listing = "visits of the day (--day YYYY-MM-DD: another day's)"
        raise NotFoundError(
            absent(ctx, db, f"encounter {encounter_id}", "queue", listing, writes=True)
        ) from None
    encounter = closed.encounter
    # the visit's referrals proposed and not sent, which the close leaves open (as the API answers)
    left = closure.proposed_not_sent(database, encounter_id)
    if as_json:
        ended = [a.as_dict() for a in closed.ended]
        print_json({"encounter": encounter, "ended_associations": ended, "proposed_referrals": left})
        return
    mrn = store.get_patient(database, int(encounter["patient_id"]))["mrn"]
    echo(f"closed encounter {encounter_id} ({mrn}): {closure.closed_text(encounter)}")
    if left:
        named = ", ".join(str(r) for r in left)
        echo(f"left open (proposed, not sent): referral {named} - a clinician sends or cancels each")
    if not closed.ended:
        echo("no device was attached")
        return
    echo("detached:")
    print_table([_cells(a) for a in closed.ended], _COLUMNS)


@app.command()
def detach(
    ctx: typer.Context,
    device_id: DeviceArgument,
    actor: ActorOption,
    reason: Annotated[str, typer.Option("--reason", help="Why (required, audited).")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Detach a device: its later results without a patient id are held for review."""
    from referral import associations  # the log's modules (sqlite-utils): when a command opens it

    association = associations.end(open_log(ctx, db), device_id, actor=actor, reason=reason)
    if as_json:
        print_json(association.as_dict())
        return
    echo(_summary("detached", association))
