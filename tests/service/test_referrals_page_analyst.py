"""The analyst's referrals page reads as the analyst's API does (``api.analyst_view``): it hid the
patient but showed who made each referral, who moved it along and the reason a clinician wrote
(which may name anyone). Rendered by the real app over a real SQLite file, per role: the analyst
sees staff by pseudonym (``staff-`` and 16 hex digits) and no reason; a clinician sees both as
stored; a referral triage proposed still says so, with its rules, to both."""

from __future__ import annotations

import re

from referral import store
from tests.service.conftest import WALK_IN, Staff
from tests.service.test_api_referral_completion import walk_in_referral
from triage.service.api.analyst_view import StaffPseudonyms
from triage.service.auth import Role
from triage.service.pipeline import DevicePipeline

WRITTEN = "Daughter Wang Li asked, call 13800138000"


def _referrals(staff: Staff) -> tuple[dict[str, object], dict[str, object]]:
    doctor = staff.bearer(Role.clinician)
    written = walk_in_referral(staff, WRITTEN)
    sent = staff.client.post(
        f"/api/v1/referrals/{written['id']}/status", json={"status": "sent"}, headers=doctor
    )
    assert sent.status_code == 200, sent.text
    other = {**WALK_IN, "patient": {"mrn": "BY-TRIAGE-2"}}
    second = staff.client.post("/api/v1/assessments", json=other, headers=doctor).json()
    runtime = staff.app.state.runtime
    db = runtime.databases.get()
    proposed = DevicePipeline(runtime, runtime.extras["clinic"]).propose_referral(
        db, store.get_assessment(db, int(second["id"]))
    )
    assert proposed is not None
    return written, proposed


def _row(html: str, referral_id: object) -> str:
    found = re.search(rf'<tr data-referral="{referral_id}".*?</tr>', html, re.S)
    assert found is not None, referral_id
    return found.group(0)


def test_the_analyst_reads_staff_pseudonyms_and_no_reason(staff: Staff) -> None:
    written, proposed = _referrals(staff)
    pseudonym = StaffPseudonyms(staff.app.state.runtime.databases.get()).of("clinician")
    assert pseudonym is not None and re.fullmatch(r"staff-[0-9a-f]{16}", pseudonym)
    staff.login(Role.analyst)
    html = staff.client.get("/referrals").text
    row = _row(html, written["id"])
    assert WRITTEN not in html and "13800138000" not in html
    assert pseudonym in row and ">clinician<" not in row and "clinician," not in row, row
    assert '<td class="reason"' in row and ">-</td>" in row
    assert "Proposed by triage" in _row(html, proposed["id"])


def test_a_clinician_reads_the_names_and_the_reason_as_stored(staff: Staff) -> None:
    written, proposed = _referrals(staff)
    staff.login(Role.clinician)
    html = staff.client.get("/referrals").text
    row = _row(html, written["id"])
    assert WRITTEN in row and "clinician" in row and "staff-" not in row
    assert "Proposed by triage" in _row(html, proposed["id"])
