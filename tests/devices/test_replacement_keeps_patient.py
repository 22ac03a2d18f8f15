"""A device that sends no patient id is linked by a device association: its results get the patient
of the association in force when they arrive. A correction (or a withdrawal) of such a result came
later, when the nurse had moved the device to the next patient - and the inbox, replacing the row,
gave it that next patient: the corrected value then fed the wrong patient's decision. A later
version keeps the patient of the result it replaces. A real SQLite log (SYNTHETIC patients)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from referral import associations, facilities
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message, results_for_device
from referral.schema import connect
from tests.referral.conftest import visit

MONITOR = "bedside-monitor-1"
TIME = "2026-05-01T09:30:00+08:00"  # the monitor's own result time: the key of both versions


def _spo2(value: float, status: str) -> NewDeviceResult:
    return NewDeviceResult(
        device_id=MONITOR,
        sample_id="",
        vendor_code="SPO2",
        result_time=TIME,
        status=status,
        is_qc=False,
        code="spo2",
        value=str(value),
        value_num=value,
        unit="%",
    )


def _send(db: object, result: NewDeviceResult) -> None:
    message = NewDeviceMessage(
        device_id=MONITOR,
        session_id="s1",
        protocol="hl7",
        raw=b"MSH|^~\\&|MONITOR",
        received_at=datetime.now(UTC).isoformat(timespec="microseconds"),
    )
    record_message(db, message, [result])  # type: ignore[arg-type]


def test_a_correction_arriving_after_the_device_moved_keeps_the_patient_of_the_result(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    first = int(visit(db, mrn="SIM-A")["encounter_id"])
    second = int(visit(db, mrn="SIM-B")["encounter_id"])
    associations.associate(db, MONITOR, first, actor="nurse_wang")
    _send(db, _spo2(85, "final"))
    associations.associate(db, MONITOR, second, actor="nurse_wang", replace_existing=True)
    _send(db, _spo2(95, "corrected"))

    (row,) = results_for_device(db, MONITOR)
    assert (row.value, row.status) == ("95", "corrected")
    assert row.patient_id == "SIM-A", "the corrected reading is the first patient's, not the next one's"
    assert row.details["patient_link"]["encounter_id"] == first
    linked = db.conn.execute("SELECT count(*) FROM audit WHERE action = 'device_result.link'").fetchone()[0]
    assert linked == 1, "the correction was not linked to the next patient"
