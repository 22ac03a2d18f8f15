"""The referrals list (``/referrals``) says who changed each referral's status and when, as the
patient page does ("Sent by admin, 16:41", from ``referral_events``): it showed the status alone, so
a GP reading the list could not tell who had sent, accepted or cancelled a referral. The whole list
is read in one query - no query per referral."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import WALK_IN, Staff
from tests.service.test_api_encounter_decisions import statements  # noqa: F401 (a fixture)
from triage.service.auth import Role
from triage.service.pages.clock import clock


def _sent(staff: Staff, mrn: str) -> dict[str, Any]:
    """A walk-in (``mrn``) referred by the clinician and sent by the admin through the API."""
    walk_in = {**WALK_IN, "patient": {**WALK_IN["patient"], "mrn": mrn}}  # type: ignore[dict-item]
    made = staff.client.post("/api/v1/assessments", json=walk_in, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    body = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    referral = staff.client.post(
        "/api/v1/referrals", json=body | {"reason": "hypoxia"}, headers=staff.bearer(Role.clinician)
    )
    assert referral.status_code == 201, referral.text
    sent = staff.client.post(
        f"/api/v1/referrals/{referral.json()['id']}/status",
        json={"status": "sent"},
        headers=staff.bearer(Role.admin),
    )
    assert sent.status_code == 200, sent.text
    return dict(sent.json())


def _row(page: str, referral_id: int) -> str:
    return page.split(f'<tr data-referral="{referral_id}"')[1].split("</tr>")[0]


def test_the_list_says_who_changed_a_referral_s_status_and_when(staff: Staff) -> None:
    referral = _sent(staff, "LIST-1")
    db = staff.app.state.runtime.databases.get()
    event = db.execute(
        "SELECT actor, at FROM referral_events WHERE referral_id = ? AND to_status = 'sent'", [referral["id"]]
    ).fetchone()
    assert event is not None and event[0] == "admin"
    at = clock(event[1], clinic=staff.app.state.runtime.clock)
    csrf = staff.login(Role.clinician)
    for language, said in (
        ("en", f'Sent by <span class="ident">admin</span>, {at}'),
        ("zh", f'<span class="ident">admin</span> 于 {at} 已发送'),
    ):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        row = _row(staff.client.get("/referrals").text, referral["id"])
        assert f'<small class="status-by">{said}</small>' in row, row


def test_a_proposed_referral_names_no_status_change(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    body = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    referral = staff.client.post(
        "/api/v1/referrals", json=body | {"reason": "hypoxia"}, headers=staff.bearer(Role.clinician)
    )
    assert referral.status_code == 201, referral.text
    staff.login(Role.clinician)
    row = _row(staff.client.get("/referrals").text, referral.json()["id"])
    assert "s-proposed" in row and 'class="status-by"' not in row, row


def _statements_for_the_list(staff: Staff, ran: list[str], expected: int) -> int:
    ran.clear()
    page = staff.client.get("/referrals").text
    assert page.count('class="status-by"') == expected
    return len(ran)


def test_the_list_takes_as_many_statements_for_forty_referrals_as_for_two(
    staff: Staff,
    statements: list[str],  # noqa: F811 (the fixture imported above)
) -> None:
    staff.login(Role.clinician)
    for number in range(2):
        _sent(staff, f"FEW-{number}")
    for_two = _statements_for_the_list(staff, statements, 2)
    for number in range(38):
        _sent(staff, f"MANY-{number}")
    for_forty = _statements_for_the_list(staff, statements, 40)

    assert for_two > 0  # the callback saw the page's statements
    assert for_forty == for_two, statements
