"""Staff pages for device association: "attach device" on the encounter page, "detach" on the
encounter page and on the device status panel. The work is ``triage.service.associations``."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from referral import associations, review, store
from referral.associations import Association
from referral.clock import Clock
from referral.errors import NotFoundError
from triage.errors import UserInputError
from triage.service import associations as attaching
from triage.service.api.deps import RecordId, runtime_of
from triage.service.auth import (
    CLINICAL_READ,
    CLINICAL_WRITE,
    DEVICE_ADMINS,
    Principal,
    allow,
    device_status_for,
)
from triage.service.i18n import catalogue
from triage.service.pages.clock import clock
from triage.service.pages.rendering import stored

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]


def encounter_context(request: Request, who: Principal, encounter_id: int) -> dict[str, Any]:
    """What the encounter page needs for its device box: attached devices and attachable ones."""
    rt = runtime_of(request)
    db = rt.databases.get()
    attached_now = attaching.attached_by_device(rt, db)  # ends expired associations first
    return {
        "attached": [shown(a, rt.clock) for a in associations.for_encounter(db, encounter_id)],
        "attachable": attaching.known_devices(rt, db),
        "attached_now": attached_now,
        "max_duration": duration(rt.settings.device_associations.max_duration_s),
        "can_attach": who.role in CLINICAL_WRITE,
        "linked_by": linked_readings(db, encounter_id),
        "assigned_by": review.assigned_readings(db, encounter_id),
    }


def duration(seconds: int) -> tuple[str, str]:
    """The message key and number that say ``seconds`` in whole hours, else in minutes."""
    if seconds % 3600 == 0:
        return "assoc.hours", str(seconds // 3600)
    return "assoc.minutes", f"{seconds / 60:g}"


def shown(association: Association, clinic: Clock) -> dict[str, Any]:
    """An association for a page: its fields, with start and expiry in the clinic's local time as
    the page gives every moment (:func:`clock`: ``14:05:09`` today, the date before it otherwise)."""
    return {
        **association.as_dict(),
        "started_local": clock(association.started_at, clinic=clinic),
        "expires_local": clock(association.expires_at, clinic=clinic) if association.expires_at else None,
    }


def linked_readings(db: Any, encounter_id: int) -> dict[int, dict[str, Any]]:
    """Observation id -> the ``patient_link`` of the device result it came from, for readings a
    device association linked to this patient (shown next to the reading as provenance)."""
    sources: dict[int, int] = {}
    for observation_id, source in db.conn.execute(
        "SELECT id, device_message_id FROM observations WHERE encounter_id = ? AND device_message_id LIKE 'inbox:%'",
        [encounter_id],
    ):
        tail = str(source)[len("inbox:") :]
        if tail.isdigit():
            sources[int(tail)] = int(observation_id)
    if not sources:
        return {}
    marks = ",".join("?" * len(sources))
    found: dict[int, dict[str, Any]] = {}
    for result_id, details in db.conn.execute(
        f"SELECT id, details FROM device_results WHERE id IN ({marks}) AND details IS NOT NULL", list(sources)
    ):
        link = json.loads(details).get("patient_link")
        if isinstance(link, dict):
            found[sources[int(result_id)]] = link
    return found


def device_rows(request: Request, who: Principal) -> dict[str, Any]:
    """The device status rows, each with the encounter it is attached to (if any) and its problem
    in plain words (``problem``: a message key and its parameters, or None); the connection details,
    counts and the gateway's error text only for the roles that administer devices (``technical``)."""
    rt = runtime_of(request)
    statuses = rt.device_status()
    rows = [device_status_for(who.role, status) for status in statuses]
    db = rt.databases.get()
    attached = attaching.attached_by_device(rt, db)
    show_patient = who.role in CLINICAL_READ
    for row, status in zip(rows, statuses, strict=True):
        association = attached.get(str(row["device"]))
        row["attached"] = shown(association, rt.clock) if association else None
        if association and show_patient:  # the patient by name, as the queue and the Assign list say it
            row["attached"]["name"] = store.get_patient(db, association.patient_id).get("name")
        row["problem"] = problem(status)
    return {
        "devices": rows,
        "technical": who.role in DEVICE_ADMINS,
        "can_attach": who.role in CLINICAL_WRITE,
        "show_patient": show_patient,
    }


def problem(status: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    """A device's problem as a person at the bedside can act on it: not connected (switch it on,
    plug it in), or messages it sent that could not be used (tell whoever looks after devices)."""
    if not status.get("link_up"):
        return "devices.problem.not_connected", {}
    if status.get("errors"):
        return "devices.problem.unusable", {"count": status["errors"]}
    return None


def _back(back: str, default: str) -> str:
    return back if back.startswith("/") and not back.startswith("//") else default


@router.post("/encounters/{encounter_id}/devices")
def attach(
    request: Request,
    encounter_id: RecordId,
    who: Writer,
    device_id: Annotated[str, Form(max_length=64)] = "",
    replace: Annotated[str, Form(max_length=8)] = "",
) -> Response:
    if not device_id.strip():
        raise UserInputError("device: choose the device to attach (the field was empty)")
    rt = runtime_of(request)
    attaching.attach(
        rt, rt.databases.get(), device_id.strip(), encounter_id, actor=who.username, replace=bool(replace)
    )
    return stored(request, f"/encounters/{encounter_id}", "attached")


@router.post("/devices/{device_id}/detach")
def detach(
    request: Request,
    device_id: str,
    who: Writer,
    reason: Annotated[str, Form(max_length=2000)] = "",
    back: Annotated[str, Form(max_length=200)] = "/devices",
) -> Response:
    text = reason.strip() or catalogue(who.language)("assoc.panel_reason")
    rt = runtime_of(request)
    db = rt.databases.get()
    try:
        attaching.detach(rt, db, device_id, actor=who.username, reason=text)
    except NotFoundError:
        # pressed again after "no answer" (app.js), the first press recorded: the page it leads to
        last = associations.history(db, device_id, limit=1)
        if not last or (last[0].ended_by, last[0].end_reason) != (who.username, text):
            raise
    return stored(request, _back(back, "/devices"), "detached")
