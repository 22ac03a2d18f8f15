"""The device side's writes on a clinic log, each through its product function
(:func:`device_history`), and their names and times: shared by the verify-audit tests
(test_audit_rows.py, test_audit_rows_upgrade.py)."""

from __future__ import annotations

from sqlite_utils import Database

from referral import associations, basis, corrections, referrals, review, store
from referral.inbox import NewDeviceMessage, NewDeviceResult, StoredDeviceResult, record_message
from referral.records import ObservationIn, ReferralIn
from referral.transactions import write

from .conftest import assessment_in

_AT = "2026-05-01T09:05:00+08:00"
ANALYZER, OXIMETER = "lab-analyzer", "ward-oximeter"
_LATER = "2099-01-01T00:00:00.000000+00:00"


def _sent(db: Database, device: str, *results: NewDeviceResult) -> tuple[StoredDeviceResult, ...]:
    message = NewDeviceMessage(device_id=device, session_id="s1", protocol="astm", raw=b"H|\\^&")
    return record_message(db, message, results).new_results


def _glucose(sample: str, value: float, patient: str | None, status: str = "final") -> NewDeviceResult:
    return NewDeviceResult(
        device_id=ANALYZER,
        sample_id=sample,
        vendor_code="GLU",
        result_time="20260501090000",
        status=status,
        is_qc=False,
        patient_id=patient,
        code="glucose_random",
        value=str(value),
        value_num=value,
        unit="mmol/L",
    )


def _reading(result: StoredDeviceResult) -> ObservationIn:
    return ObservationIn(
        code="glucose_random",
        value_num=result.value_num,
        unit="mmol/L",
        observed_at=_AT,
        status="corrected" if result.status == "corrected" else "final",
        device=ANALYZER,
        device_message_id=f"inbox:{result.id}",
    )


def device_history(db: Database, encounter_id: int, mrn: str) -> None:
    """What the device side writes in a clinic, each through its product function: a held result
    assigned (stored as an observation) and one dismissed; a bedside device attached, linking a
    reading, detached and attached again; a device reading a referral was made from, corrected by
    the device (the referral's basis flagged, acknowledged), corrected again with a value triage
    rejects (held, flagged, closed by cancelling the referral, the correction dismissed)."""
    held, strip = _sent(db, ANALYZER, _glucose("A", 6.1, None), _glucose("B", 2.0, None))

    def assign(db: Database) -> None:
        review.assign(db, held.id, encounter_id, actor="nurse1", reason="label torn, Mrs X's sample")
        (stored,) = store.add_observations(
            db, encounter_id, [_reading(held)], actor="nurse1", reason="assigned"
        )
        review.set_observation(db, held.id, stored, actor="nurse1")

    write(db, assign)
    review.dismiss(db, strip.id, actor="nurse1", reason="test strip")
    (early,) = _sent(db, ANALYZER, _glucose("D", 5.0, None, "preliminary"))
    review.dismiss(db, early.id, actor="nurse1", reason="preliminary")
    (final,) = _sent(db, ANALYZER, _glucose("D", 5.2, None))  # replaces it: held again
    review.dismiss(db, final.id, actor="nurse2", reason="no patient for it")
    associations.associate(db, OXIMETER, encounter_id, actor="nurse1")
    spo2 = NewDeviceResult(
        device_id=OXIMETER,
        sample_id="",
        vendor_code="SPO2",
        result_time="20260501090100",
        status="final",
        is_qc=False,
        code="spo2",
        value="97",
        value_num=97.0,
        unit="%",
    )
    _sent(db, OXIMETER, spo2)  # linked by the association: device_result.link
    associations.end(db, OXIMETER, actor="nurse1", reason="measurement finished")
    associations.associate(db, OXIMETER, encounter_id, actor="nurse2")
    associations.expire_due(db, now=_LATER)
    associations.associate(db, OXIMETER, encounter_id, actor="nurse2")

    (reading,) = _sent(db, ANALYZER, _glucose("C", 28.0, mrn))
    store.add_observations(
        db, encounter_id, [_reading(reading)], actor="device-gateway", reason="device result"
    )
    used = {
        "code": "glucose_random",
        "value": 28.0,
        "unit": "mmol/L",
        "source_message_id": f"inbox:{reading.id}",
    }
    made_from = store.record_assessment(
        db,
        encounter_id,
        assessment_in(payload={"observations_used": [used]}),
        actor="engine",
        reason="triage",
    )
    referral = referrals.create_referral(
        db,
        ReferralIn(
            assessment_id=made_from["id"], to_facility="ZJ-S01", urgency="urgent", reason="glucose 28"
        ),
        actor="dr_li",
    )

    def corrected(value: float, held_reason: str | None) -> None:
        (result,) = _sent(db, ANALYZER, _glucose("C", value, mrn, "corrected"))

        def work(db: Database) -> None:
            correction = corrections.record(
                db,
                result,
                encounter_id,
                observation=None if held_reason else _reading(result),
                new_value=f"{value} mmol/L",
                held_reason=held_reason,
                actor="device-gateway",
            )
            assert correction is not None
            again = assessment_in(disposition="local_care", target_tier=None)
            assessment = store.record_assessment(db, encounter_id, again, actor="engine", reason="corrected")
            assert basis.flag(db, correction, assessment, actor="device-gateway")

        write(db, work)

    corrected(8.2, None)
    basis.acknowledge(db, referral["id"], actor="dr_li", reason="rechecked at the bedside: 27.6")
    corrected(99.0, "glucose 99.0 mmol/L is implausible")
    referrals.transition(db, referral["id"], "cancelled", actor="dr_li", note="seen locally")
    corrections.dismiss_held(db, reading.id, actor="nurse1", reason="lab confirmed the first value")
