"""Why a held device result is held (``referral.review``'s worklist): the codes (:data:`Why`), the
words the worklist shows for each (:data:`WHY`, and :class:`HeldResult`'s ``why_text``), the rule
that gives a result its whys (:func:`why_held`), and the gateway's flags they read.
``referral.review`` keeps the same rule in SQL (its ``_WHY_WHERE``), so a filtered list pages."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, get_args

from referral.abnormal_flags import unknown_flag_why
from referral.associations import expired_note
from referral.errors import json_text
from referral.inbox import FINAL_STATUSES, NotAcceptedCode, StoredDeviceResult
from referral.incomplete_message import INCOMPLETE_FLAG, incomplete_why
from referral.result_flags import flag_list
from referral.value_sets import STATUS_CHANGE_UNIT_CONFLICT, WITHDRAWN

Why = Literal[
    "no_patient_link",
    "device_clock",
    "not_final",
    "unmapped",
    "unexpected_unit",
    "unscalable_value",
    "not_accepted",
    "correction_rejected",
]
#: Why a result is held, in the words the worklist shows (the service translates the codes).
WHY: dict[Why, str] = {
    "no_patient_link": "no patient link (no patient id from the device and no device association)",
    "device_clock": "device clock wrong: set the device's clock (and time zone); a resend keeps this"
    " result's wrong time, so check its time, and measure again or dismiss it",
    "not_final": "result status is not final",
    "unmapped": "device test code is not mapped to the vocabulary",
    "unexpected_unit": "device unit is not one the device profile takes for this test: once the site"
    " confirms what the unit is, add it to the test's device_units in the profile's mapping table",
    "unscalable_value": "value is not a number the scale of the test in the device profile applies to:"
    " check the device's result, or the scale of the test in the profile's mapping table",
    "not_accepted": "complete, but triage did not accept it (value or unit rejected)",
    "correction_rejected": "the device corrected a reading already stored for a patient, but the corrected"
    " value cannot be used; the original reading is withdrawn from the decision",
}
#: The words of ``not_final`` for a result the device withdrew (HL7 OBX-11 ``W``).
WITHDRAWN_TEXT = (
    "withdrawn by the device (HL7 status W, posted as wrong - e.g. sent for the wrong patient -, or D,"
    " deleted); never used - dismiss it once seen"
)
#: ... and for one whose value the device sent as ``""``: delete the stored value (LIS2-A2 5.4.9).
DELETED_TEXT = 'deleted by the device: it sent "" for the value (delete the stored value); never used - dismiss it once seen'
#: The flag of such a result (``devices.results.DELETE``; ``referral`` does not import ``devices``).
DELETE_FLAG = "delete_value"
#: The flag of an ASTM result the device marked "validity questionable" (R.9 ``W``;
#: ``devices.results.QUESTIONABLE``): stored preliminary, so held.
QUESTIONABLE_FLAG = "validity_questionable"
#: The words of ``not_final`` for a value the device sent with an HL7 OBX-11 that carries no result
#: (``devices.results.NO_RESULT_STATUS``: I, N, O) and for a result an HL7 U made final naming
#: another unit than its value's (:data:`STATUS_CHANGE_UNIT_CONFLICT`), by the flag the gateway stored.
NOT_FINAL_SAID = {
    "results_pending": "not a result yet: the device sent a value with HL7 status I (specimen in the laboratory,"
    " results pending) - check it on the device; its result, sent as final, replaces this one",
    "not_asked": "no result: the device sent a value with HL7 status N (not asked - the test was not done)"
    " - check it on the device, then dismiss it",
    "order_detail_only": "no result: the device sent a value with HL7 status O (order detail only) - check it"
    " on the device, then dismiss it",
    QUESTIONABLE_FLAG: "validity questionable: the device marked the result so (ASTM status W) - check it on the"
    " device; sent again as final, it replaces this one",
    STATUS_CHANGE_UNIT_CONFLICT: "not confirmed: the device made the result final (HL7 status U) naming another"
    " unit than its value's - check the result on the device; sent again as final with its value, it replaces"
    " this one",
}
#: What the worklist can be narrowed to (the API's ``?reason=``): a why, or why triage did not
#: accept a complete result (``not_accepted_code``, :data:`referral.inbox.NOT_ACCEPTED_CODES`).
Reason = Literal[Why, NotAcceptedCode]
REASONS: tuple[Reason, ...] = get_args(Reason)

#: Whys of a result that can only be dismissed: no vocabulary code, not final, or a rejected correction.
CANNOT_ASSIGN: frozenset[Why] = frozenset(
    {"device_clock", "not_final", "unmapped", "unexpected_unit", "unscalable_value", "correction_rejected"}
)

#: The flag the gateway stores on a result whose vendor code its profile lists in ``ignored_codes``
#: (``devices.results.IGNORED``; ``referral`` does not import ``devices``). Flags are comma-joined.
IGNORED_FLAG = "ignored_by_profile"
#: The flags of a result the gateway held for its device time (``devices.results.CLOCK_AHEAD``,
#: ``CLOCK_OLD``; ``devices.device_clock``): timed after its receipt, or long before it. The
#: gateway stores such a result as preliminary, so it can only be dismissed.
CLOCK_FLAGS = ("device_time_ahead", "device_time_old")


@dataclass(frozen=True)
class HeldResult:
    result: StoredDeviceResult
    why: tuple[Why, ...]
    #: why triage did not accept it (``device_results.not_accepted_code``); None for any other why,
    #: and for a result noted before migration 0023 (its English sentence alone says why)
    not_accepted_code: NotAcceptedCode | None = None

    @property
    def assignable(self) -> bool:
        """Final and mapped: it may be assigned to an encounter (otherwise only dismissed). A
        rejected correction is already a reading of its encounter: it can only be dismissed."""
        return not CANNOT_ASSIGN & set(self.why)

    def as_dict(self) -> dict[str, Any]:
        r = self.result
        return {
            "id": r.id,
            "device_id": r.device_id,
            "received_at": r.received_at,
            "result_time": r.result_time,
            "sample_id": r.sample_id,
            "vendor_code": r.vendor_code,
            "code": r.code,
            "value": r.value,
            "unit": r.unit,
            "status": r.status,
            "corrected_from": r.corrected_from,
            "patient_id": r.patient_id or None,
            "why": list(self.why),
            "why_text": [self._why_text(w) for w in self.why],
            "not_accepted": r.details.get("not_accepted") if "not_accepted" in self.why else None,
            "not_accepted_code": self.not_accepted_code if "not_accepted" in self.why else None,
            "association_expired": r.details.get("association_expired"),
            "assignable": self.assignable,
        }

    def _why_text(self, why: Why) -> str:
        """``WHY[why]``; for a result that found its device's association expired, which one and when."""
        details = self.result.details
        if why == "not_accepted" and details.get("not_accepted"):
            return f"{WHY[why]}: {details['not_accepted']}"
        if why == "device_clock":
            r = self.result
            return (
                f"device clock wrong: device time {r.result_time}, received {r.received_at}"
                f"{WHY[why].removeprefix('device clock wrong')}"
            )
        if why == "unexpected_unit":
            return unit_reason(self.result)
        if why == "unscalable_value":
            r = self.result
            scale = details.get("scale")
            return (
                f"value {json_text(r.value or '')} of test {json_text(r.vendor_code)} is not a number the scale"
                f"{' ' + format(scale, 'g') if isinstance(scale, int | float) else ''} of its profile applies to:"
                f"{WHY[why].partition(':')[2]}"
            )
        if why == "not_final" and self.result.status == WITHDRAWN:
            deleted = DELETE_FLAG in flag_list(self.result.flags)
            return DELETED_TEXT if deleted else WITHDRAWN_TEXT
        flags = flag_list(self.result.flags)
        if why == "not_final" and INCOMPLETE_FLAG in flags and QUESTIONABLE_FLAG not in flags:
            return (
                f"not final: its message did not end complete: {incomplete_why(flags)} - check the result"
                " on the device; sent again in a complete message, it replaces this one"
            )
        said = [NOT_FINAL_SAID[f] for f in flags if f in NOT_FINAL_SAID]
        if why == "not_final" and said:
            return said[0]
        if why == "not_final" and (flag_why := unknown_flag_why(flags)):
            return f"not final: {flag_why}"
        note = expired_note(details) if why == "no_patient_link" else None
        return f"no patient link: {note}" if note else WHY[why]


def unit_reason(result: StoredDeviceResult) -> str:
    """Why a result whose unit its profile does not take is held, in words: the unit received,
    the units the profile expects and the setting that would take it (``details`` ``expected_units``
    and ``fix``, kept by the gateway); :data:`WHY` for a result stored before it kept them."""
    details = result.details
    test, device = json_text(result.vendor_code), json_text(result.device_id)
    received = json_text(details.get("device_unit") or "")
    said = f"device unit {received} of test {test} is not one the profile of device {device} takes"
    if not details.get("fix"):  # stored before the gateway kept it: where to add the unit
        return f"{said}:{WHY['unexpected_unit'].partition(':')[2]}"
    expected = details.get("expected_units")
    expects = f"one of {json_text(expected)}" if expected else "a unit its scale applies to"
    return f"{said} (it expects {expects}): {details['fix']}"


def why_held(result: StoredDeviceResult) -> tuple[Why, ...]:
    """Every reason the result did not feed triage by itself (in the gateway's order)."""
    found: list[Why] = []
    if set(CLOCK_FLAGS) & set(flag_list(result.flags)):
        # the gateway made it preliminary for its time: "not final" would hide why
        found.append("device_clock")
    elif result.status not in FINAL_STATUSES:
        found.append("not_final")
    if result.code is None:
        problem = result.details.get("problem")
        found.append(problem if problem in ("unexpected_unit", "unscalable_value") else "unmapped")
    if not result.patient_id:
        found.append("no_patient_link")
    return tuple(found) or ("not_accepted",)
