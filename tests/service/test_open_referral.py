"""One definition of an open referral (``referral.lifecycle.OPEN_STATUSES``) in the service: an
arrived patient's referral is open until the receiving hospital completes it, so the
second-referral guard refuses another one without confirmation (API and page), and the device
pipeline proposes none while it is open and one again once it is completed. Real service, real
SQLite file, the real inbox and pipeline."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from referral import referrals
from referral.records import FeedbackIn
from tests.service.conftest import Staff
from tests.service.test_corrections import deliver, result, rows
from tests.service.test_page_errors import _refer
from triage.service.auth import Role


def _move(staff: Staff, referral_id: int, status: str, **extra: Any) -> None:
    moved = staff.client.post(
        f"/api/v1/referrals/{referral_id}/status",
        json={"status": status, **extra},
        headers=staff.bearer(Role.clinician),
    )
    assert moved.status_code == 200, moved.text


def _complete(staff: Staff, referral_id: int) -> None:
    """The receiving hospital's feedback (not a service route: recorded in the referral log)."""
    feedback = FeedbackIn(justified=True, diagnosis="hyperglycaemia")
    db = staff.app.state.runtime.databases.get()
    referrals.transition(db, referral_id, "completed", actor="county-hospital", feedback=feedback)


def test_an_arrived_referral_is_open_for_the_guard_and_for_the_device_pipeline(staff: Staff) -> None:
    deliver(staff, result("28.0"))
    (first,) = rows(staff, "SELECT id, encounter_id, assessment_id FROM referrals")
    referral_id, encounter_id = int(first["id"]), int(first["encounter_id"])
    for status in ("sent", "accepted", "arrived"):
        _move(staff, referral_id, status)

    # the device pipeline: another critical result while the patient is at the hospital
    deliver(staff, replace(result("29.0"), sample_id="S-101"))
    assert [r["id"] for r in rows(staff, "SELECT id FROM referrals")] == [referral_id]

    # the guard on the API: a second referral needs alongside_open
    (latest,) = rows(
        staff, "SELECT id FROM assessments WHERE encounter_id = ? ORDER BY id DESC LIMIT 1", encounter_id
    )
    refused = _refer(staff, int(latest["id"]))
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "open_referral_exists"
    assert refused.json()["context"]["referral_id"] == referral_id
    assert f"open referral #{referral_id} (arrived, urgent, to County Hospital)" in refused.json()["error"]

    # ... and on the page: the warning and the required confirmation
    staff.login(Role.clinician)
    form = (
        staff.client.get(f"/encounters/{encounter_id}").text.split('id="refer-form"')[1].split("</form>")[0]
    )
    assert (
        f"already has an open referral #{referral_id} (Arrived, Urgent referral, to \u2068County Hospital\u2069)"
        in form  # the facility's name isolated (a616eea5)
    )
    # an arrived referral cannot be cancelled: the warning says why it is still open instead
    assert "the patient has arrived there" in form and "cancel it above" not in form
    assert 'name="alongside_open" value="1" required' in form

    # completed: no longer open - the pipeline proposes again and the guard lets a referral through
    _complete(staff, referral_id)
    deliver(staff, replace(result("30.0"), sample_id="S-102"))
    proposed = rows(staff, "SELECT id, status, created_by FROM referrals WHERE id != ?", referral_id)
    assert [(r["status"], r["created_by"]) for r in proposed] == [("proposed", "device-gateway")]
