"""A result the gateway held because its profile does not take the unit the device sent (the
real Horiba Pentra XLR capture: R.5 holds the unit-system code "1" where WBC is in 10*3/uL) is
listed in the held worklist with its own reason - the unit received, the units expected and the
profile setting that would take it - not as "device test code is not mapped to the vocabulary",
which sent a nurse or an integrator to a mapping table that has WBC."""

from __future__ import annotations

from pathlib import Path

from sqlite_utils import Database

from devices.capture import read_capture
from devices.decode import decode_message
from devices.hold import holds
from devices.profile import load_profile
from devices.results import to_inbox_result
from devices.tolerance import ToleranceCounter
from referral import review
from referral.device_results import StoredDeviceResult
from referral.inbox import NewDeviceMessage, NewDeviceResult, mark_delivered, record_message, stored_from_row
from referral.schema import connect
from tests.devices.traces.golden_io import DATA
from triage.service.api.held import HeldOut

PENTRA = "horiba-pentra_xlr"
RECEIVED = "2022-07-27T04:16:00.000000+00:00"  # minutes after the device timed its results


def store_pentra(
    db: Database, received_at: str = RECEIVED, *, final: bool = False
) -> tuple[StoredDeviceResult, ...]:
    """The Pentra capture decoded and stored as the gateway does (``final``: its W results sent
    again as F); the results stored new or replaced."""
    profile = load_profile(PENTRA)
    (message,) = read_capture(profile, (DATA / "horiba-pentra_xlr.astm").read_bytes(), ToleranceCounter())
    raw = message.raw.replace(b"|W||NNE", b"|F||NNE") if final else message.raw
    results, _ = decode_message(profile, raw)
    return record_message(
        db,
        NewDeviceMessage(
            device_id=PENTRA, session_id="s1", protocol="astm", raw=raw, received_at=received_at
        ),
        [to_inbox_result(r, received_at) for r in results],
    ).new_results


def _held_pentra(tmp_path: Path) -> dict[str, review.HeldResult]:
    """The Pentra capture stored as the gateway does; its held results by vendor code."""
    db = connect(tmp_path / "clinic.db")
    mark_delivered(db, [r.id for r in store_pentra(db)])
    return {h.result.vendor_code: h for h in review.held_results(db)}


def test_a_unit_the_profile_does_not_take_is_held_for_its_unit_with_the_setting_to_change(
    tmp_path: Path,
) -> None:
    held = _held_pentra(tmp_path)
    assert sorted(held) == ["HCT", "HGB", "PLT", "WBC"]  # mapped, in unit "1"; the ignored codes never listed
    wbc = held["WBC"]
    # R.9 "W": not final either, and no patient id - every reason, the unit's instead of "unmapped"
    assert wbc.why == ("not_final", "unexpected_unit", "no_patient_link") and not wbc.assignable
    text = wbc.as_dict()["why_text"][1]
    assert "not mapped" not in text
    assert 'device unit "1"' in text and '["10*3/uL", "10E3/uL"]' in text, text
    assert 'set [mapping."WBC"] device_units = ["10*3/uL", "10E3/uL", "1"]' in text, text
    assert "profile" in text and PENTRA in text, text
    # the API answers with the new code (its schema lists every why)
    assert HeldOut.model_validate(wbc.as_dict()).why == list(wbc.why)


def test_the_worklist_narrows_to_a_unit_problem_apart_from_an_unmapped_code(tmp_path: Path) -> None:
    db_path = tmp_path / "clinic.db"
    _held_pentra(tmp_path)
    db = connect(db_path)
    assert [h.result.vendor_code for h in review.held_results(db, reason="unexpected_unit")] == [
        "PLT",
        "HCT",
        "HGB",
        "WBC",
    ]
    assert review.held_results(db, reason="unmapped") == []
    assert review.held_count(db, reason="unexpected_unit") == {PENTRA: 4}


def test_a_value_its_scale_cannot_apply_to_is_held_for_its_value_not_as_unmapped(tmp_path: Path) -> None:
    """A mapped HbA1c with a scale (the device sends a fraction) whose value is no number
    ("see comment"): the gateway holds it as unscalable_value ('value not scalable'), the
    worklist said 'device test code is not mapped to the vocabulary' - the code is mapped."""
    profile_file = tmp_path / "a1c.toml"
    profile_file.write_text(
        'device_id = "a1c-meter"\nprotocol = "astm"\n'
        '[mapping."A1C"]\ncode = "hba1c"\nunit = "%"\nscale = 100\n'
    )
    profile = load_profile(profile_file)
    message = (
        b"H|\\^&|||A1C|||||||P|1|20260501090000\rP|1||MRN-7\rO|1|S9||^^^A1C\r"
        b"R|1|^^^A1C|see comment|||N||F||||20260501090000\rL|1|N\r"
    )
    results, _ = decode_message(profile, message)
    db = connect(tmp_path / "clinic.db")
    stored = record_message(
        db,
        NewDeviceMessage(
            device_id="a1c-meter", session_id="s1", protocol="astm", raw=message, received_at=RECEIVED
        ),
        [to_inbox_result(r, RECEIVED) for r in results],
    ).new_results
    mark_delivered(db, [r.id for r in stored])
    [held] = review.held_results(db)
    assert held.why == ("unscalable_value",) and not held.assignable
    [text] = held.as_dict()["why_text"]
    assert text == (
        'value "see comment" of test "A1C" is not a number the scale 100 of its profile applies to: check the'
        " device's result, or the scale of the test in the profile's mapping table"
    ), text
    assert [h.result.id for h in review.held_results(db, reason="unscalable_value")] == [held.result.id]
    assert review.held_results(db, reason="unmapped") == []


def test_a_unit_problem_stored_before_the_setting_was_kept_still_names_the_unit_and_what_to_do(
    tmp_path: Path,
) -> None:
    """A row the gateway stored before it kept the expected units and the setting (its details
    hold the problem and the device unit only) reads as one sentence: the unit, the test, the
    device and where to add the unit - it ran the reason's words after 'of device'."""
    db = connect(tmp_path / "clinic.db")
    old = NewDeviceResult(
        device_id=PENTRA,
        sample_id="S1",
        vendor_code="WBC",
        result_time="2022-07-27T12:15:50+08:00",
        status="final",
        is_qc=False,
        patient_id="MRN-1",
        value="8.5",
        unit="1",
        details={"problem": "unexpected_unit", "device_unit": "1"},
    )
    stored = record_message(
        db, NewDeviceMessage(device_id=PENTRA, session_id="s1", protocol="astm", raw=b"H|\\^&"), [old]
    ).new_results
    mark_delivered(db, [r.id for r in stored])
    [held] = review.held_results(db)
    assert held.as_dict()["why_text"] == [
        'device unit "1" of test "WBC" is not one the profile of device "horiba-pentra_xlr" takes: once the'
        " site confirms what the unit is, add it to the test's device_units in the profile's mapping table"
    ]


def test_a_result_the_device_marks_questionable_is_held_saying_so_and_a_final_copy_replaces_it(
    tmp_path: Path,
) -> None:
    """ASTM R.9 "W" is "warning: validity is questionable" (E1394 9.4.9), not "previously
    transmitted" (that is R): the Pentra sends it with its WBC alarms. Held as preliminary with
    why the device doubts it - it said only 'result status "preliminary" is not final' - and the
    same result sent again as F replaces it, final."""
    held = _held_pentra(tmp_path)
    wbc = held["WBC"].result
    assert wbc.status == "preliminary" and "validity_questionable" in (wbc.flags or "").split(",")
    assert holds(wbc)[0] == (
        "not_final",
        "the device marked the result's validity questionable (ASTM status W): check it on the device;"
        " sent again as final, it replaces this one",
    )
    db = connect(tmp_path / "clinic.db")
    finals = [
        stored_from_row(r)
        for r in db.execute_returning_dicts("SELECT * FROM device_results WHERE status = 'final'")
    ]
    assert finals and not any("questionable" in why for r in finals for _, why in holds(r))  # the F ones
    stored = store_pentra(db, final=True)
    again = next(r for r in stored if r.vendor_code == "WBC")
    assert (
        again.id == wbc.id and again.status == "final" and "validity_questionable" not in (again.flags or "")
    )
