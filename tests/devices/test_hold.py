"""The gateway's hold rule (``devices.hold``, a pure core): each kind of hold as the code the
subscriber receives (``GatewayResult.hold_kind``) beside its English reason, first rule first."""

from __future__ import annotations

from typing import Any

import pytest

from devices.hold import classify
from devices.results import CLOCK_AHEAD, CLOCK_OLD, IGNORED
from referral.inbox import StoredDeviceResult


def stored(**fields: Any) -> StoredDeviceResult:
    row: dict[str, Any] = {
        "id": 7,
        "message_id": 3,
        "device_id": "lab-analyzer",
        "sample_id": "S1",
        "vendor_code": "GLU",
        "result_time": "2026-05-01T09:00:00+08:00",
        "received_at": "2026-05-01T01:00:05.000000+00:00",
        "delivered_at": None,
        "status": "final",
        "is_qc": False,
        "patient_id": "MRN-1",
        "code": "glucose_random",
        "value": "6.1",
        "unit": "mmol/L",
    }
    return StoredDeviceResult(**(row | fields))


@pytest.mark.parametrize(
    ("fields", "kind", "says"),
    [
        ({"is_qc": True, "patient_id": None}, "qc", "quality-control result"),
        ({"is_qc": True, "flags": "training_message"}, "qc", "training message (processing ID T)"),
        ({"is_qc": True, "flags": "debugging_message"}, "qc", "debugging message (processing ID D)"),
        ({"flags": CLOCK_AHEAD, "status": "preliminary"}, "clock", "lab-analyzer"),
        ({"flags": CLOCK_OLD, "status": "preliminary", "code": None}, "clock", "lab-analyzer"),
        ({"status": "preliminary", "code": None}, "not_final", 'result status "preliminary" is not final'),
        ({"code": None, "flags": IGNORED}, "ignored", "is ignored by the profile"),
        # an ignored code is never for triage: its time or status puts no one to review it
        ({"code": None, "flags": f"{IGNORED},{CLOCK_OLD}", "status": "preliminary"}, "ignored", "ignored"),
        ({"code": None, "flags": IGNORED, "status": "cannot_be_done"}, "ignored", "ignored"),
        (
            {"code": None, "details": {"problem": "unexpected_unit", "device_unit": "g"}},
            "unexpected_unit",
            'unit "g"',
        ),
        ({"code": None, "details": {"problem": "unscalable_value"}}, "unscalable_value", "scale applies to"),
        ({"code": None, "patient_id": None}, "unmapped", "is not mapped to the vocabulary"),
        ({"patient_id": ""}, "no_patient", "no patient link"),
    ],
)
def test_each_hold_reaches_the_subscriber_as_a_kind_and_a_reason(
    fields: dict[str, Any], kind: str, says: str
) -> None:
    result = classify(stored(**fields))
    assert (result.auto_feed, result.hold_kind) == (False, kind)
    assert says in (result.hold_reason or "")


def test_a_result_that_may_feed_a_decision_has_no_hold() -> None:
    result = classify(stored())
    assert (result.result_id, result.auto_feed, result.hold_kind, result.hold_reason) == (7, True, None, None)


def test_every_reason_is_reported_not_only_the_first() -> None:
    """An old capture of the Pentra: its WBC was held for 'device time wrong' only, which hid that
    its unit "1" is not one the profile takes - fixing the clock then still held it."""
    result = classify(
        stored(
            flags=CLOCK_OLD,
            status="preliminary",
            code=None,
            patient_id=None,
            vendor_code="WBC",
            details={"problem": "unexpected_unit", "device_unit": "1"},
        )
    )
    assert (result.hold_kind, result.hold_kinds) == ("clock", ("clock", "unexpected_unit", "no_patient"))
    reason = result.hold_reason or ""  # the clock's own reason has "; " in it too
    assert reason.startswith("device lab-analyzer timed result WBC") and reason.endswith(
        "a person must check this result's time; "
        'device unit "1" of test "WBC" is not one its profile lists in device_units; no patient link'
    )
    # the clock made it preliminary: "not final" is not said again; without it, it is
    assert classify(stored(status="preliminary", patient_id="")).hold_kinds == ("not_final", "no_patient")
