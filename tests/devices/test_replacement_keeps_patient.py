"""A device that sends no patient id is linked by a device association: its results get the patient
of the association in force when they arrive. A correction (or a withdrawal) of such a result came
later, when the nurse had moved the device to the next patient - and the inbox, replacing the row,
gave it that next patient: the corrected value then fed the wrong patient's decision. A later
version keeps the patient of the result it replaces. A real SQLite log (SYNTHETIC patients)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from referral import associations, facilities
from referral.inbox import results_for_device
from referral.schema import connect
from tests.referral.conftest import visit
from tests.referral.test_associations import OXIMETER, reading, send

TIME = "2026-05-01T09:30:00+08:00"  # the device's own result time: the key of both versions


def test_a_correction_arriving_after_the_device_moved_keeps_the_patient_of_the_result(tmp_path: Path) -> None:
    db = connect(tmp_path / "clinic.db")
    facilities.load_csv(db, facilities.DEMO_CSV, actor="test", clinic="ZJ-C01")
    first = int(visit(db, mrn="SIM-A")["encounter_id"])
    second = int(visit(db, mrn="SIM-B")["encounter_id"])
    associations.associate(db, OXIMETER, first, actor="nurse_wang")
    send(db, reading("SPO2", 85, at=TIME))
    associations.associate(db, OXIMETER, second, actor="nurse_wang", replace_existing=True)
    send(db, replace(reading("SPO2", 95, at=TIME), status="corrected"))

    (row,) = results_for_device(db, OXIMETER)
    assert (row.value, row.status) == ("95", "corrected")
    assert row.patient_id == "SIM-A", "the corrected reading is the first patient's, not the next one's"
    assert row.details["patient_link"]["encounter_id"] == first
    linked = db.conn.execute("SELECT count(*) FROM audit WHERE action = 'device_result.link'").fetchone()[0]
    assert linked == 1, "the correction was not linked to the next patient"
