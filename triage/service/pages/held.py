"""The "Held results" section of the devices page: device results a person must assign to one of
today's encounters or dismiss, with a reason. The work is ``triage.service.held``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from devices.mapping import unit_setting
from devices.results import (
    DELETE,
    INCOMPLETE,
    NO_RESULT_STATUS,
    QUESTIONABLE,
    TERMINATION_SAYS,
    UNIT_CONFLICT,
)
from referral import corrections, review
from referral.abnormal_flags import unknown_flags
from referral.clock import Clock
from referral.errors import ConflictError
from referral.inbox import NotAcceptedCode
from referral.incomplete_message import termination_code
from referral.result_flags import flag_list
from referral.value_sets import WITHDRAWN
from triage.errors import UserInputError
from triage.service import held
from triage.service.api.deps import MAX_ID, RecordId, clinic, runtime_of
from triage.service.auth import CLINICAL_READ, CLINICAL_WRITE, DEVICE_ADMINS, Principal, allow
from triage.service.pages.clock import clock
from triage.service.pages.rendering import stored

router = APIRouter()
Writer = Annotated[Principal, Depends(allow(*CLINICAL_WRITE))]
#: where Assign and Dismiss lead: the devices page, whose top says what was done and takes the
#: focus (``stored``) - not ``/devices#held``: a browser gives no autofocus to a page opened at a
#: fragment, so the sentence was shown and the focus left at the page's top, unsaid
BACK = "/devices"
PAGE_ROWS = 200
HELD_DAYS = 30  # results received in the last 30 days; the API's ?days= reaches further back


def held_context(request: Request, who: Principal) -> dict[str, Any]:
    """What the devices page needs for its held results section."""
    rt = runtime_of(request)
    db = rt.databases.get()
    can_review = who.role in CLINICAL_WRITE
    since = review.held_since(HELD_DAYS)
    counts = review.held_count(db, since)
    return {
        "held": [_row(h, rt.clock) for h in review.held_results(db, PAGE_ROWS, 0, since)],
        "held_days": HELD_DAYS,
        "held_counts": counts,
        "held_total": sum(counts.values()),
        "held_page_rows": PAGE_ROWS,
        "qc_counts": review.qc_counts(db),
        "ignored_counts": review.ignored_counts(db, since),
        "can_review": can_review,
        "held_show_patient": who.role in CLINICAL_READ,
        # each device's connection, as the devices table shows it to the roles that administer devices
        "held_ports": {str(s["device"]): str(s["port"]) for s in rt.device_status() if s.get("port")}
        if who.role in DEVICE_ADMINS
        else {},
        "open_encounters": held.open_encounters(db, rt.clock.today()) if can_review else [],
        # the day's open visits: more than the Assign lists hold is said (held.encounters_more)
        "open_total": held.open_encounter_count(db, rt.clock.today()) if can_review else 0,
    }


def _row(item: review.HeldResult, clinic: Clock) -> dict[str, Any]:
    """A held row for the page, with the time its device association expired (if that is why it
    is held) in the clinic's local time; the template shows its receipt time with ``clock``. Why
    triage did not accept a result is said from its stored code (``not_accepted_code``, the message
    :data:`NOT_ACCEPTED_SAYS` names, with the device's value, unit and code); a result held before
    the code was kept has none: ``held.not_accepted_other`` points to the engine's sentence beside it."""
    row = item.as_dict()
    lapsed = row.get("association_expired")  # the device association had expired: which one, when
    row["expired_local"] = _local(lapsed["expired_at"], clinic) if lapsed else None
    row["not_accepted_says"] = NOT_ACCEPTED_SAYS.get(row["not_accepted_code"], "held.not_accepted_other")
    if row["not_accepted_code"] == "unit_not_accepted" and not str(row.get("unit") or "").strip():
        row["not_accepted_says"] = "held.not_accepted_no_unit"  # a value a unit is not guessed for
    row["problem_says"] = _problem_says(item)
    row["why_says"] = _why_says(item)
    row["termination_code"] = termination_code(flag_list(item.result.flags)) or ""
    # each one whole: the page quotes each and lists them with the language's separator
    row["unknown_flags"] = unknown_flags(flag_list(item.result.flags))
    return row


def _why_says(item: review.HeldResult) -> dict[str, str]:
    """The message of a why whose words depend on the device's status: ``not_final`` of a result
    the device marked questionable (ASTM ``W``) or withdrew (HL7 ``W``), and a held correction
    that is a withdrawal, a value sent with an HL7 status that carries no result (I, N, O), and one
    an HL7 U made final naming another unit -
    each said as such, not "Not final"; other whys: ``held.why_<why>``."""
    r = item.result
    if r.status == WITHDRAWN and DELETE in flag_list(r.flags):  # "" for the value
        return {"not_final": "held.why_deleted", "correction_rejected": "held.why_deleted_reading"}
    if r.status == WITHDRAWN:
        return {"not_final": "held.why_withdrawn", "correction_rejected": "held.why_withdrawn_reading"}
    if QUESTIONABLE in flag_list(r.flags):
        return {"not_final": "held.why_questionable"}
    if UNIT_CONFLICT in flag_list(r.flags):  # an HL7 U naming another unit than the value's
        return {"not_final": "held.why_status_change_unit"}
    if INCOMPLETE in flag_list(r.flags):  # the ASTM message's L record aborted it, or none came
        code = termination_code(flag_list(r.flags))
        if code is None:
            return {"not_final": "held.why_incomplete_no_l"}
        return {
            "not_final": f"held.why_incomplete_{code}"
            if code in TERMINATION_SAYS
            else "held.why_incomplete_other"
        }
    said = [NO_RESULT_SAYS[f] for f in flag_list(r.flags) if f in NO_RESULT_SAYS]
    if not said and unknown_flags(flag_list(r.flags)):  # an R.7 flag E1394 does not define
        return {"not_final": "held.why_unknown_flag"}
    return {"not_final": said[0]} if said else {}


#: the message of ``not_final`` for a value the device sent with an HL7 OBX-11 that carries no
#: result (``devices.results.NO_RESULT_STATUS``: I results pending, N not asked, O order detail)
NO_RESULT_SAYS = {
    NO_RESULT_STATUS["I"]: "held.why_results_pending",
    NO_RESULT_STATUS["N"]: "held.why_not_asked",
    NO_RESULT_STATUS["O"]: "held.why_order_detail",
}


def _problem_says(item: review.HeldResult) -> dict[str, Any] | None:
    """The sentence (message key and its values) for a unit or a value the profile does not take:
    the unit received, the units expected and the profile change the gateway advises (its ``fix``,
    said from ``fix_says`` in the reader's language: ``held.fix_<kind>``, nested as ``{fix}``) -
    the API's ``why_text`` had it, the page only the label, and one wording for every advice
    ("set device_units = [..., "mg/mmol"]" where the advice is to remove the mapping's unit too)."""
    r, details = item.result, item.result.details
    scale = details.get("scale")
    values: dict[str, Any] = {
        "code": r.vendor_code,
        "value": r.value or "",
        "scale": format(scale, "g") if isinstance(scale, int | float) else "",
    }
    if "unscalable_value" in item.why:
        return {"says": "held.scale_problem", **values}
    if "unexpected_unit" not in item.why:
        return None
    unit = str(details.get("device_unit") or "")
    expected = list(details.get("expected_units") or [])
    if not details.get("fix"):  # stored before the gateway kept the units and the setting
        return {"says": "held.unit_problem_old", **values, "unit": unit}
    setting = unit_setting(r.vendor_code, expected, unit)
    fix = details.get("fix_says")
    if isinstance(fix, dict) and fix.get("kind"):
        # the profile change in the reader's language, as the gateway chose it (devices.mapping)
        lead = "held.unit_problem_fix" if unit else "held.unit_problem_none_fix"
        return {
            "says": lead if expected else "held.unit_problem_scale_fix",
            **values,
            "unit": unit,
            "expected": ", ".join(expected),
            "fix_says": f"held.fix_{fix['kind']}",
            "fix_values": {
                "unit": unit,
                "setting": setting,
                "mapping_unit": str(fix.get("mapping_unit") or ""),
                "scale": str(fix.get("scale") or ""),
            },
        }
    return {  # stored before the gateway kept what its advice says (fix_says): one wording
        "says": "held.unit_problem" if expected else "held.unit_problem_scale",
        **values,
        "unit": unit,
        "expected": ", ".join(expected),
        "setting": setting,
    }


#: the message that says each ``not_accepted_code`` in the user's language
NOT_ACCEPTED_SAYS: dict[NotAcceptedCode | None, str] = {
    "implausible_value": "held.not_accepted_implausible",
    "unit_not_accepted": "held.not_accepted_unit",
    "pressures_swapped": "held.not_accepted_pair",
    "value_not_accepted": "held.not_accepted_value",
}


def _local(at: str, clinic: Clock) -> str:
    """A moment as the pages give it (:func:`clock`: ``14:05:09`` today, the date before it
    otherwise), as the devices table gives a device's last result."""
    return clock(at, clinic=clinic)


def correction_context(db: Any, encounter_id: int, clinic: Clock) -> dict[str, Any]:
    """The patient page's marks for device corrections: which reading a correction replaced or
    withdrew, which reading is a correction (and of what), and the corrections still held."""
    replaced_by: dict[int, dict[str, Any]] = {}
    corrected_by: dict[int, dict[str, Any]] = {}
    for item in corrections.for_encounter(db, encounter_id):
        view = {**item.__dict__, "at": _local(item.corrected_at, clinic)}
        if item.replaces_id is not None:
            replaced_by[item.replaces_id] = view
        if item.correction_id is not None:
            corrected_by[item.correction_id] = view
    held_now = []
    for item in corrections.open_held_in(db, encounter_id):
        (code,) = db.conn.execute("SELECT code FROM device_results WHERE id = ?", [item.result_id]).fetchone()
        held_now.append({**item.__dict__, "at": _local(item.corrected_at, clinic), "code": code})
    return {"replaced_by": replaced_by, "corrected_by": corrected_by, "corrections_held": held_now}


@router.post("/devices/results/{result_id}/assign")
def assign(
    request: Request,
    result_id: RecordId,
    who: Writer,
    encounter_id: Annotated[str, Form(max_length=20)] = "",
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    chosen = encounter_id.strip()
    if not chosen.isdecimal() or not 1 <= int(chosen) <= MAX_ID:
        raise UserInputError(
            f"device result {result_id}: choose the encounter it belongs to (none was chosen)",
            says="error.held_choose_encounter",
        )
    rt = runtime_of(request)
    db = rt.databases.get()
    _require_reason(db, result_id, reason, "assign")
    try:
        held.assign(rt, clinic(request), db, result_id, int(chosen), actor=who.username, reason=reason)
    except ConflictError as exc:
        if held.done_so(db, exc, result_id, ("assigned", int(chosen), who.username, reason.strip())) is None:
            raise
    return stored(request, BACK, "held_assigned")


def _require_reason(db: Any, result_id: int, reason: str, doing: str) -> None:
    """A reason left empty (or only spaces) is refused naming the result by its device and sample,
    as the nurse saw it in the row: the error page said "Please give a reason: the field was empty"
    and named the result only in the English record ("device result 7"), the row out of sight."""
    if reason.strip():
        return
    row = db.conn.execute(
        "SELECT device_id, sample_id FROM device_results WHERE id = ?", [result_id]
    ).fetchone()
    if row is None:
        return  # unknown result: the review's own 404 says so
    raise UserInputError(
        f'device result {result_id}: "reason" is empty - say why',
        says=f"error.held_reason_empty_{doing}",
        params={"device": str(row[0]), "sample": str(row[1] or "-")},
    )


@router.post("/devices/results/{result_id}/dismiss")
def dismiss(
    request: Request,
    result_id: RecordId,
    who: Writer,
    reason: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    rt = runtime_of(request)
    db = rt.databases.get()
    _require_reason(db, result_id, reason, "dismiss")
    try:
        held.dismiss(rt, db, result_id, actor=who.username, reason=reason)
    except ConflictError as exc:
        if held.done_so(db, exc, result_id, ("dismissed", None, who.username, reason.strip())) is None:
            raise
    return stored(request, BACK, "held_dismissed")
