"""A device correction of a reading already in an encounter is used or held by the kind of the
gateway's hold (``GatewayResult.hold_kind``, a code), never by the English sentence beside it:
real service, real SQLite file, the real inbox and the real pipeline. The sentences below are not
the gateway's, so a rule reading the words instead of the code fails both ways."""

from __future__ import annotations

from devices.hold import GatewayResult, HoldKind
from referral.inbox import NewDeviceMessage, NewDeviceResult, record_message
from tests.service.conftest import Staff
from tests.service.test_corrections import result, rows, used_glucose
from tests.service.test_held_results import assign, open_encounter
from triage.service.pipeline import DevicePipeline


def deliver_held(staff: Staff, new: NewDeviceResult, kind: HoldKind, reason: str) -> None:
    """Store one result and hand it to the pipeline held with this kind and sentence."""
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    message = NewDeviceMessage(device_id=new.device_id, session_id="s1", protocol="astm", raw=b"H|\\^&|||LAB")
    (stored,) = record_message(db, message, [new]).new_results
    DevicePipeline(runtime, runtime.extras["clinic"]).handle(
        [GatewayResult(stored.id, stored, False, reason, kind)]
    )


def assigned_reading(staff: Staff) -> int:
    """A glucose of 28.0 without a patient id, assigned from the held worklist: its encounter."""
    encounter_id = open_encounter(staff, "MRN-KIND")
    deliver_held(staff, result("28.0", patient_id=None), "no_patient", "no patient link")
    ((stored,),) = [rows(staff, "SELECT id FROM device_results")]
    assert assign(staff, int(stored["id"]), encounter_id).status_code == 201
    assert used_glucose(staff, encounter_id) == [28.0]
    return encounter_id


def test_a_correction_held_only_for_want_of_a_patient_link_is_applied_whatever_the_wording(
    staff: Staff,
) -> None:
    encounter_id = assigned_reading(staff)
    deliver_held(
        staff, result("2.8", "corrected", patient_id=None), "no_patient", "not linked to a patient yet"
    )
    assert used_glucose(staff, encounter_id) == [2.8]
    (correction,) = rows(staff, "SELECT state, held_reason FROM observation_corrections")
    assert (correction["state"], correction["held_reason"]) == ("applied", None)


def test_a_correction_held_for_another_kind_is_held_even_when_its_words_say_no_patient_link(
    staff: Staff,
) -> None:
    encounter_id = assigned_reading(staff)
    deliver_held(staff, result("2.8", "corrected", patient_id=None), "unmapped", "no patient link")
    assert used_glucose(staff, encounter_id) == [], "the device withdrew 28.0; nothing replaces it"
    (correction,) = rows(staff, "SELECT state, held_reason FROM observation_corrections")
    assert (correction["state"], correction["held_reason"]) == (
        "held",
        "device correction not used: no patient link",
    )
