"""The printed patient page (what a GP sends with the patient to the hospital) names the clinic the
visit is at: it said the visit's and the printing's times, the patient, the readings, decision and
reasons, but not where they were taken - the header is the application's name."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock


def test_the_printed_page_names_the_clinic_of_the_visit(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    db = staff.app.state.runtime.databases.get()
    facility = db.execute(
        "SELECT f.id, f.name FROM encounters e JOIN facilities f ON f.id = e.facility_id WHERE e.id = ?",
        [made.json()["encounter_id"]],
    ).fetchone()
    assert facility is not None, "the seeded clinic is in the directory"
    csrf = staff.login(Role.clinician)
    for language in ("en", "zh"):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        page = staff.client.get(f"/encounters/{made.json()['encounter_id']}").text
        line = page.split('id="printed-clinic">')[1].split("</p>")[0]
        label = catalogue_data(language)["patient.printed_clinic"].split("{")[0]
        assert line.startswith(label) and facility[1] in line and facility[0] in line, line


def _referred(staff: Staff) -> tuple[Any, Any]:
    """A walk-in assessed through the API (nurse) and referred by the clinician (proposed)."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    body = {
        "assessment_id": made.json()["id"],
        "to_facility": "county-hospital",
        "urgency": "urgent",
        "reason": "hypoxia",
    }
    referral = staff.client.post("/api/v1/referrals", json=body, headers=staff.bearer(Role.clinician))
    assert referral.status_code == 201, referral.text
    return made, referral


def test_a_referral_on_the_patient_page_says_who_made_it_and_when(staff: Staff) -> None:
    """The referrals card (printed with the patient) named the hospital, urgency, status and
    reason but not who referred: the hospital could not tell whom to call back."""
    made, referral = _referred(staff)
    at = clock(referral.json()["created_at"], clinic=staff.app.state.runtime.clock)
    csrf = staff.login(Role.nurse)
    for language, said in (
        ("en", f'Referred by <span class="ident">clinician</span>, {at}'),
        ("zh", f'<span class="ident">clinician</span> 于 {at} 建立'),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        page = staff.client.get(f"/encounters/{made.json()['encounter_id']}").text
        row = page.split('<td class="id" role="cell">#1</td>')[1].split("</tr>")[0]
        assert f'<small class="made-by">{said}</small>' in row, row


def test_a_referral_s_later_status_says_who_changed_it_and_when(staff: Staff) -> None:
    """A referral sent (or accepted, declined...) after it was proposed showed only who proposed
    it: the status change's user, recorded in referral_events, is on the page and on paper."""
    made, referral = _referred(staff)
    encounter = made.json()["encounter_id"]
    csrf = staff.login(Role.admin)
    page = staff.client.get(f"/encounters/{encounter}").text
    assert 'class="status-by"' not in page.split('<td class="id" role="cell">#1</td>')[1].split("</tr>")[0], (
        "proposed: no change yet"
    )
    sent = staff.client.post(
        f"/referrals/{referral.json()['id']}/status",
        data={"csrf_token": csrf, "status": "sent", "back": f"/encounters/{encounter}"},
        follow_redirects=False,
    )
    assert sent.status_code == 303, sent.text
    db = staff.app.state.runtime.databases.get()
    event = db.execute("SELECT actor, at FROM referral_events WHERE to_status = 'sent'").fetchone()
    assert event is not None and event[0] == "admin"
    at = clock(event[1], clinic=staff.app.state.runtime.clock)
    for language, said in (
        ("en", f'Sent by <span class="ident">admin</span>, {at}'),
        ("zh", f'<span class="ident">admin</span> 于 {at} 已发送'),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        row = (
            staff.client.get(f"/encounters/{encounter}")
            .text.split('<td class="id" role="cell">#1</td>')[1]
            .split("</tr>")[0]
        )
        assert f'<small class="status-by">{said}</small>' in row, row
        assert 'class="ident">clinician</span>' in row.split('class="made-by">')[1], "the referrer stays"
