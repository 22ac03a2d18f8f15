"""The referrals list (``/referrals``) says who changed each referral's status and when, as the
patient page does ("Sent by admin, 16:41", from ``referral_events``): it showed the status alone, so
a GP reading the list could not tell who had sent, accepted or cancelled a referral. The whole list
is read in one query - no query per referral."""

from __future__ import annotations

from typing import Any

from referral import lifecycle, referrals
from referral.records import FeedbackIn
from tests.service.conftest import WALK_IN, Staff
from tests.service.test_api_encounter_decisions import statements  # noqa: F401 (a fixture)
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import clock


def _referred(staff: Staff, mrn: str) -> int:
    """A walk-in (``mrn``) referred by the clinician through the API (proposed); its id."""
    walk_in = {**WALK_IN, "patient": {**WALK_IN["patient"], "mrn": mrn}}  # type: ignore[dict-item]
    made = staff.client.post("/api/v1/assessments", json=walk_in, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    body = {"assessment_id": made.json()["id"], "to_facility": "county-hospital", "urgency": "urgent"}
    referral = staff.client.post(
        "/api/v1/referrals", json=body | {"reason": "hypoxia"}, headers=staff.bearer(Role.clinician)
    )
    assert referral.status_code == 201, referral.text
    return int(referral.json()["id"])


def _move(staff: Staff, referral_id: int, status: str) -> dict[str, Any]:
    """The admin moves the referral to ``status`` through the API (with a note where one is needed)."""
    body = {"status": status} | ({"note": "bed full"} if status in lifecycle.NEEDS_NOTE else {})
    moved = staff.client.post(
        f"/api/v1/referrals/{referral_id}/status", json=body, headers=staff.bearer(Role.admin)
    )
    assert moved.status_code == 200, moved.text
    return dict(moved.json())


def _sent(staff: Staff, mrn: str) -> dict[str, Any]:
    """A walk-in (``mrn``) referred by the clinician and sent by the admin through the API."""
    return _move(staff, _referred(staff, mrn), "sent")


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
    referral = _referred(staff, "LIST-2")
    staff.login(Role.clinician)
    row = _row(staff.client.get("/referrals").text, referral)
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


#: Each status a change leads to, in words that fit it: "Arrived by admin" read as if the admin
#: had arrived - the clinic records an arrival, an acceptance, a decline the hospital reported.
WORDING = {
    "sent": ("Sent by {user}, {at}", "{user} 于 {at} 已发送"),
    "accepted": ("Acceptance recorded by {user}, {at}", "{user} 于 {at} 登记已接收"),
    "arrived": ("Arrival recorded by {user}, {at}", "{user} 于 {at} 登记到达"),
    "completed": ("Completion recorded by {user}, {at}", "{user} 于 {at} 登记完成"),
    "declined": ("Decline recorded by {user}, {at}", "{user} 于 {at} 登记被拒绝"),
    "cancelled": ("Cancelled by {user}, {at}", "{user} 于 {at} 取消"),
}


def test_every_status_a_change_leads_to_has_its_own_wording() -> None:
    assert set(WORDING) == set(lifecycle.STATUSES) - {lifecycle.INITIAL}
    for language, index in (("en", 0), ("zh", 1)):
        said = {s: catalogue_data(language).get(f"referrals.status_by.{s}") for s in WORDING}
        assert said == {s: words[index] for s, words in WORDING.items()}


def _says(staff: Staff, csrf: str, referral_id: int, status: str) -> None:
    """Both pages, in both languages, say the status change in its own words."""
    db = staff.app.state.runtime.databases.get()
    event = db.execute(
        "SELECT actor, at FROM referral_events WHERE referral_id = ? ORDER BY id DESC LIMIT 1", [referral_id]
    ).fetchone()
    assert event is not None
    encounter = db.execute("SELECT encounter_id FROM referrals WHERE id = ?", [referral_id]).fetchone()[0]
    values = {
        "user": f'<span class="ident">{event[0]}</span>',
        "at": clock(event[1], clinic=staff.app.state.runtime.clock),
    }
    for language, index in (("en", 0), ("zh", 1)):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        said = f'<small class="status-by">{WORDING[status][index].format(**values)}</small>'
        listed = _row(staff.client.get("/referrals").text, referral_id)
        on_patient = staff.client.get(f"/encounters/{encounter}").text.split(
            f'<td class="id" role="cell">#{referral_id}</td>'
        )[1]
        assert said in listed, (status, language, listed)
        assert said in on_patient.split("</tr>")[0], (status, language)


def test_each_status_change_is_said_in_its_own_words_on_both_pages(staff: Staff) -> None:
    csrf = staff.login(Role.clinician)
    onward = _referred(staff, "WORDS-1")
    for status in ("sent", "accepted", "arrived"):
        _move(staff, onward, status)
        _says(staff, csrf, onward, status)
    db = staff.app.state.runtime.databases.get()
    referrals.transition(db, onward, "completed", actor="admin", feedback=FeedbackIn(justified=True))
    _says(staff, csrf, onward, "completed")
    declined = _referred(staff, "WORDS-2")
    _move(staff, declined, "sent")
    _move(staff, declined, "declined")
    _says(staff, csrf, declined, "declined")
    cancelled = _referred(staff, "WORDS-3")
    _move(staff, cancelled, "cancelled")
    _says(staff, csrf, cancelled, "cancelled")
