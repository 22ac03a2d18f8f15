"""A held result's assign sent again after its answer was lost is answered as the first was
(``test_api_held_retry_context``) - its ``referral_id`` too, when the referral the first assign
proposed was raised since by a later decision of the visit: the raise moves the referral onto the
later assessment (``referrals.raise_urgency``), and the retry looked the referral up by the first
assessment's id, found none and answered ``referral_id: null`` - a client that lost the first
answer read that no referral was proposed. The app and a real SQLite file; the held results stored
as the gateway stores them, the referral proposed and raised by the service's own paths."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

from tests.service.conftest import Staff
from tests.service.test_held_results import lab_message, lab_result, open_encounter
from triage.service.auth import Role


def test_the_retried_assign_names_the_referral_the_first_proposed_after_a_raise(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    calm = lab_result("GLU", code="glucose_random", sample="R1")  # 7.4 mmol/L
    now = datetime.now(UTC).isoformat(timespec="seconds")  # (the policy reads glucose of a day)
    high = dataclasses.replace(calm, sample_id="R2", value="25.0", value_num=25.0, result_time=now)
    first_result, later_result = lab_message(staff, calm, high)
    visit = open_encounter(staff, "RETRY-REF-1")
    grade_3 = [{"code": "sbp", "value": 180, "unit": "mmHg"}, {"code": "dbp", "value": 100, "unit": "mmHg"}]
    measured = staff.client.post(f"/api/v1/encounters/{visit}/observations", json=grade_3, headers=nurse)
    assert measured.status_code == 201, measured.text  # (the API proposes no referral itself)

    sent = {"encounter_id": visit, "reason": "label torn"}
    first = staff.client.post(f"/api/v1/devices/results/{first_result}/assign", json=sent, headers=nurse)
    assert first.status_code == 201, first.text
    assert first.json()["disposition"] == "routine_referral", first.text  # BP grade 3
    proposed = first.json()["referral_id"]
    assert proposed is not None, "the routine referral was proposed"

    body = {"encounter_id": visit, "reason": "second sample"}
    later = staff.client.post(f"/api/v1/devices/results/{later_result}/assign", json=body, headers=nurse)
    assert later.status_code == 201 and later.json()["referral_id"] == proposed, later.text  # raised
    referral = staff.client.get(f"/api/v1/referrals/{proposed}", headers=nurse).json()
    assert referral["urgency"] == "urgent" and referral["assessment_id"] == later.json()["assessment_id"]

    again = staff.client.post(f"/api/v1/devices/results/{first_result}/assign", json=sent, headers=nurse)
    assert again.status_code == 201, again.text
    assert again.json() == first.json(), "answered as the first was, the referral it proposed too"
