"""What a form stored is said once at the top of the page it leads to, in the user's language: a
walk-in registered (and the first vital sign's field focused), vital signs recorded and assessed, a
reading recorded (not yet in the decision), the visit assessed, a decision changed, a referral
created, confirmed or cancelled. Before, the page came back as it was, scrolled to the top, with no
word - a referral made at the bottom of a tablet's page left the top unchanged. Real service, real
SQLite, the pages' own forms with CSRF; a reload does not say it again."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Staff
from tests.service.test_page_wording import _walk_in  # an emergency walk-in
from triage.service.auth import Role


def _said(page: str) -> str:
    """The stored action's message at the top of ``page`` ('' when there is none)."""
    if 'id="done"' not in page:
        return ""
    return page.split('id="done"')[1].split("</p>")[0].split("</span>", 1)[1].strip()


def _follow(staff: Staff, path: str, data: dict[str, Any]) -> str:
    sent = staff.client.post(path, data=data, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    return staff.client.get(sent.headers["location"]).text


def test_a_nurse_s_stored_forms_are_said_once_at_the_top_of_the_patient_page(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    sent = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": "SAID-1"}, follow_redirects=False)
    patient = sent.headers["location"]
    page = staff.client.get(patient).text
    assert _said(page) == "Walk-in registered. Record the vital signs below."
    assert 'id="vitals-resp_rate"' in page.split("autofocus")[0].rsplit("<input", 1)[1], (
        "the first vital sign's field takes the focus"
    )
    assert _said(staff.client.get(patient).text) == "", "said once: a reload does not repeat it"
    page = _follow(staff, f"{patient}/vitals", {"csrf_token": csrf, "heart_rate": "88", "spo2": "97"})
    assert _said(page) == "Vital signs recorded and the visit assessed: the decision below is up to date."
    assert 'id="done" role="status" tabindex="-1" autofocus' in page, "the message takes the focus"
    page = _follow(staff, f"{patient}/readings", {"csrf_token": csrf, "code": "heart_rate", "value": "90"})
    assert _said(page).startswith("Reading recorded. It is not in the decision")
    page = _follow(staff, f"{patient}/assess", {"csrf_token": csrf})
    assert _said(page) == "Visit assessed: the decision below is up to date."
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    page = _follow(staff, f"{patient}/assess", {"csrf_token": csrf})
    assert _said(page) == "已重新评估：下方处置为最新结果。"


def test_a_clinician_s_override_and_referrals_are_said_once(staff: Staff) -> None:
    made = _walk_in(staff, "SAID-2")
    csrf = staff.login(Role.clinician)
    page = _follow(
        staff,
        f"/assessments/{made['id']}/override",
        {"csrf_token": csrf, "disposition": "urgent_referral", "reason": "seen in person"},
    )
    # an override to a referring decision proposes a referral, as the page's decisions do (aa78deb7)
    assert _said(page) == (
        "Decision changed; your reason is recorded. The decision sends the patient on, so triage"
        " proposed a referral (under Referrals below): confirm it to send it."
    )
    page = _follow(
        staff,
        f"/assessments/{made['id']}/refer",
        # alongside the proposal the override made, as the form's confirmation box says
        {
            "csrf_token": csrf,
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "SpO2 86",
            "alongside_open": "1",
        },
    )
    assert _said(page) == "Referral created and sent (listed under Referrals below)."
    db = staff.app.state.runtime.databases.get()
    (referral,) = db.conn.execute("SELECT max(id) FROM referrals").fetchone()
    back = f"/encounters/{made['encounter_id']}"
    page = _follow(
        staff,
        f"/referrals/{referral}/status",
        {"csrf_token": csrf, "status": "cancelled", "note": "family drives", "back": back},
    )
    assert _said(page) == "Referral cancelled; the reason is recorded."
    refused = staff.client.post(
        f"/assessments/{made['id']}/override",
        data={"csrf_token": csrf, "disposition": "local_care", "reason": " "},
    )
    assert refused.status_code == 422 and _said(refused.text) == "", "nothing stored, nothing said"


def test_only_known_messages_are_shown(staff: Staff) -> None:
    staff.login(Role.nurse)
    staff.client.cookies.set("triage_done", "<script>")
    page = staff.client.get("/queue").text
    assert 'id="done"' not in page and "<script>" not in page.split("<main")[1]
