"""A device corrects a value after the patient arrived at the hospital: the referral can no longer be
cancelled, but the referring clinician and the receiving hospital still need to know that the
transfer stood on a corrected value (glucose 28.0 -> 8.2). Real service, real SQLite file, the
real device pipeline (``tests/service/test_referral_basis.py`` for referrals still open to a
decision).
"""

from __future__ import annotations

import json

import pytest

from referral import export, referrals
from referral.records import FeedbackIn
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, page, result, rows
from tests.service.test_referral_basis import (
    API,
    audit_entry,
    cli,
    keep,
    proposed_on,
    queue,
    referral,
    referral_list,
    status,
    text_of,
)
from triage.service.auth import Role

WARNING = (
    "Basis corrected: random glucose 28 -> 8.2 mmol/L after the patient arrived;"
    " current assessment: Local care - review"
)
FOR_INFORMATION = (
    "For information: the patient has already arrived and the referral can no longer be cancelled;"
    " tell the receiving hospital, then acknowledge with a note."
)


def arrived_on(staff: Staff, value: str = "28.0") -> tuple[int, int]:
    """The pipeline's referral on a device glucose of ``value``, sent, accepted and arrived."""
    referral_id, encounter_id = proposed_on(staff, value)
    for target in ("sent", "accepted", "arrived"):
        assert status(staff, referral_id, target).status_code == 200
    return referral_id, encounter_id


def test_an_arrived_referral_is_flagged_for_information_and_listed(staff: Staff) -> None:
    referral_id, encounter_id = arrived_on(staff)
    deliver(staff, result("8.2", "corrected"))

    (change,) = rows(staff, "SELECT * FROM referral_basis_changes")
    assert (change["referral_id"], change["referral_status"], change["old_value"], change["new_value"]) == (
        referral_id,
        "arrived",
        "28.0 mmol/L",
        "8.2 mmol/L",
    )
    assert change["resolved_at"] is None
    entry = audit_entry(staff, referral_id, "referral.basis_changed")
    assert entry["data"]["informational"] is True and entry["data"]["referral_status"] == "arrived"

    detail = referral(staff, referral_id)
    assert detail["status"] == "arrived" and detail["basis_review_needed"] is True
    (shown,) = detail["basis_changes"]
    assert (shown["informational"], shown["open"], shown["referral_status"]) == (True, True, "arrived")
    worklist = staff.client.get(f"{API}?basis_review_needed=true", headers=staff.bearer(Role.clinician))
    assert [r["id"] for r in worklist.json()] == [referral_id]

    # The warning on the three screens, saying it is for information; no cancel offered.
    text = text_of(page(staff, encounter_id))
    assert WARNING in text and FOR_INFORMATION in text
    html = page(staff, encounter_id)
    assert f'action="/referrals/{referral_id}/basis-review"' in html
    assert "Acknowledge (patient arrived)" in html and "Reviewed, keep referral" not in html
    assert f'action="/referrals/{referral_id}/status"' not in html, "an arrived referral cannot be cancelled"
    assert WARNING in referral_list(staff) and FOR_INFORMATION in referral_list(staff)
    assert WARNING in queue(staff)

    # The receiving hospital's copy carries it: FHIR note and the table exports.
    (entry_fhir,) = export.fhir_bundle(staff.app.state.runtime.databases.get())["entry"]
    (note,) = entry_fhir["resource"]["note"]
    assert note["text"] == (
        "basis corrected by a device: glucose_random 28.0 mmol/L -> 8.2 mmol/L after the patient"
        " arrived; re-assessed: local_care (less urgent than the referral); REVIEW NEEDED (for"
        " information: acknowledge with a note)"
    )
    (row,) = export.referral_rows(staff.app.state.runtime.databases.get())
    assert row["basis_review_needed"] and row["basis_corrected_at"] == change["changed_at"]


def test_the_page_says_so_in_chinese(staff: Staff) -> None:
    _, encounter_id = arrived_on(staff)
    deliver(staff, result("8.2", "corrected"))
    token = staff.login(Role.clinician)
    assert staff.client.post("/language", data={"language": "zh", "csrf_token": token}).status_code < 400
    chinese = text_of(staff.client.get(f"/encounters/{encounter_id}").text)
    assert "转诊依据已被更正：随机血糖 28 → 8.2 mmol/L（发生在患者到达之后）" in chinese
    assert "供知悉：患者已到达，此转诊不能再取消；请告知接收医院，并填写说明予以确认。" in chinese
    assert "确认知悉（患者已到达）" in staff.client.get(f"/encounters/{encounter_id}").text


def test_cancel_is_refused_completion_leaves_it_open_and_acknowledge_clears_it(staff: Staff) -> None:
    referral_id, encounter_id = arrived_on(staff)
    deliver(staff, result("8.2", "corrected"))

    refused = status(staff, referral_id, "cancelled", "lab corrected the glucose")
    assert refused.status_code == 409 and refused.json()["code"] == "impossible_transition"
    assert refused.json()["error"] == (
        f"referral {referral_id} cannot be cancelled: the patient has arrived (status arrived); the"
        " device's correction of its basis (glucose_random 28.0 mmol/L -> 8.2 mmol/L) is for"
        " information - acknowledge it with a note (basis review) instead"
    )
    assert referral(staff, referral_id)["status"] == "arrived"

    # Nothing is blocked: the hospital completes; the information still waits for the clinician.
    db = staff.app.state.runtime.databases.get()
    done = referrals.transition(
        db, referral_id, "completed", actor="hospital", feedback=FeedbackIn(justified=False)
    )
    assert done["status"] == "completed"
    assert referral(staff, referral_id)["basis_review_needed"] is True
    assert "basis_changes_closed" not in audit_entry(staff, referral_id, "referral.completed")["data"]

    acknowledged = keep(staff, referral_id, " county hospital told by phone, glucose 8.2 ")
    assert acknowledged.status_code == 200, acknowledged.text
    body = acknowledged.json()
    assert body["basis_review_needed"] is False
    (change,) = body["basis_changes"]
    assert (change["resolution"], change["resolved_by"], change["resolution_reason"]) == (
        "acknowledged",
        "clinician",
        "county hospital told by phone, glucose 8.2",
    )
    entry = audit_entry(staff, referral_id, "referral.basis_reviewed")
    assert entry["reason"] == "county hospital told by phone, glucose 8.2"
    assert entry["data"]["basis_changes"] == entry["data"]["informational"] == [change["id"]]
    text = text_of(page(staff, encounter_id))
    assert "Basis corrected" not in text and (
        "acknowledged by clinician" in text
        and "the patient had arrived: county hospital told by phone, glucose 8.2" in text
    )
    assert "Basis corrected" not in queue(staff)
    again = keep(staff, referral_id, "again")
    assert again.status_code == 409 and "no corrected basis waiting for review" in again.json()["error"]


def test_the_cli_lists_refuses_cancel_and_acknowledges(
    staff: Staff, capsys: pytest.CaptureFixture[str]
) -> None:
    referral_id, encounter_id = arrived_on(staff)
    deliver(staff, result("8.2", "corrected"))
    code, out, _ = cli(capsys, staff, "basis-changes")
    assert code == 0 and out.startswith(f"referral {referral_id} (encounter {encounter_id}): ")
    assert "after the patient arrived" in out and "REVIEW NEEDED (for information" in out
    code, out, _ = cli(capsys, staff, "basis-changes", "--json")
    assert [(c["referral_id"], c["informational"]) for c in json.loads(out)] == [(referral_id, True)]

    code, _, err = cli(capsys, staff, "cancel", str(referral_id), "--actor", "dr_wu", "--note", "corrected")
    assert code == 1 and "cannot be cancelled: the patient has arrived" in err
    assert "acknowledge it with a note" in err and err.count("\n") == 1

    code, out, _ = cli(
        capsys, staff, "acknowledge", str(referral_id), "--actor", "dr_wu", "--reason", "hospital told"
    )
    assert (code, out) == (
        0,
        f"referral {referral_id}: 1 basis change acknowledged by dr_wu (for information: the patient"
        " had arrived)\n",
    )
    assert cli(capsys, staff, "basis-changes")[1] == "no referral waits for a basis review\n"
    assert referral(staff, referral_id)["status"] == "arrived"


@pytest.mark.parametrize("final", ["declined", "cancelled"])
def test_a_referral_whose_patient_was_not_transferred_stays_unflagged(staff: Staff, final: str) -> None:
    referral_id, _ = proposed_on(staff)
    steps = ["sent", "declined"] if final == "declined" else ["sent", "accepted", "cancelled"]
    for target in steps:
        assert status(staff, referral_id, target, "hospital reply").status_code == 200
    deliver(staff, result("8.2", "corrected"))
    assert rows(staff, "SELECT state FROM observation_corrections") == [{"state": "applied"}]
    assert not rows(staff, "SELECT id FROM referral_basis_changes")
    assert referral(staff, referral_id)["basis_review_needed"] is False


def test_a_completed_referral_is_flagged_for_information(
    staff: Staff, capsys: pytest.CaptureFixture[str]
) -> None:
    """The patient was transferred and the hospital closed the referral; the lab then corrects the
    glucose the transfer stood on: the clinician must still acknowledge it (tell the hospital)."""
    referral_id, encounter_id = arrived_on(staff)
    db = staff.app.state.runtime.databases.get()
    referrals.transition(db, referral_id, "completed", actor="hospital", feedback=FeedbackIn(justified=True))
    deliver(staff, result("8.2", "corrected"))

    (change,) = rows(staff, "SELECT referral_status, resolved_at FROM referral_basis_changes")
    assert change == {"referral_status": "completed", "resolved_at": None}
    body = referral(staff, referral_id)
    assert body["status"] == "completed" and body["basis_review_needed"] is True
    assert body["basis_changes"][0]["informational"] is True
    text = text_of(page(staff, encounter_id))
    assert "8.2 mmol/L after this referral was completed" in text and FOR_INFORMATION in text
    code, out, _ = cli(capsys, staff, "basis-changes")
    assert code == 0
    assert f"referral {referral_id} " in out and "after the referral was completed" in out
    assert keep(staff, referral_id, "hospital told").json()["basis_review_needed"] is False


def test_completion_never_closes_a_review_nobody_made(staff: Staff) -> None:
    """Flagged while sent, then accepted, arrived and completed without anyone reviewing it: the
    patient went on the old value, so the flag stays until a clinician acknowledges it."""
    referral_id, _ = proposed_on(staff)
    assert status(staff, referral_id, "sent").status_code == 200
    deliver(staff, result("8.2", "corrected"))
    for target in ("accepted", "arrived"):
        assert status(staff, referral_id, target).status_code == 200
    db = staff.app.state.runtime.databases.get()
    referrals.transition(db, referral_id, "completed", actor="hospital", feedback=FeedbackIn(justified=False))

    assert referral(staff, referral_id)["basis_review_needed"] is True
    assert "basis_changes_closed" not in audit_entry(staff, referral_id, "referral.completed")["data"]
    (change,) = rows(staff, "SELECT referral_status, resolution FROM referral_basis_changes")
    assert change == {"referral_status": "sent", "resolution": None}
    acknowledged = keep(staff, referral_id, "reviewed after the transfer; hospital told")
    assert acknowledged.status_code == 200 and acknowledged.json()["basis_review_needed"] is False
