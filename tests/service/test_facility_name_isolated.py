"""A facility's name, and the text a nurse searched for, are shown isolated on the staff pages as a
patient's name is (4bbd10b3): a facility's name is refused with a bidirectional control since then,
but an older log may hold one, and a right-to-left override in it turned the facility's id, the
urgency and the reason after it backwards - in the patient page's referrals table and its refer-to
list, the open-referral and closure warnings, and the referrals list. Real app on a real SQLite file
(TestClient); SYNTHETIC patients."""

from __future__ import annotations

from urllib.parse import quote

from tests.service.conftest import Staff
from triage.service.auth import Role

FACILITY = "County\u202eHospital"
WALK_IN = {
    "patient": {"mrn": "ISO-1", "name": "Wang\u202fLi"},
    "observations": [
        {"code": "spo2", "value": 86, "unit": "%"},
        {"code": "heart_rate", "value": 96, "unit": "/min"},
    ],
}


def _shown_bare(html: str, text: str) -> bool:
    """Whether ``text`` is on the page anywhere but isolated (a ``<bdi>``, U+2068 ... U+2069)."""
    for isolated in (f"<bdi>{text}</bdi>", f"\u2068{text}\u2069"):
        html = html.replace(isolated, "")
    return text in html


def test_a_facility_name_stored_with_an_override_is_shown_isolated(staff: Staff) -> None:
    doctor = staff.bearer(Role.clinician)
    db = staff.app.state.runtime.databases.get()
    with db.conn:  # as an older release stored it
        db.conn.execute("UPDATE facilities SET name = ? WHERE id = 'county-hospital'", [FACILITY])
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=doctor)
    assert made.status_code == 201, made.text
    referral = staff.client.post(
        "/api/v1/referrals",
        json={
            "assessment_id": made.json()["id"],
            "to_facility": "county-hospital",
            "urgency": "urgent",
            "reason": "SpO2 86 % on air",
        },
        headers=doctor,
    )
    assert referral.status_code == 201, referral.text
    staff.login(Role.clinician)
    for path in (f"/encounters/{made.json()['encounter_id']}", "/referrals"):
        page = staff.client.get(path)
        assert page.status_code == 200, (path, page.text[-2000:])
        assert FACILITY in page.text, path
        assert not _shown_bare(page.text, FACILITY), f"{path}: the facility's name shown not isolated"


def test_the_text_searched_for_is_shown_isolated(staff: Staff) -> None:
    nurse = staff.bearer(Role.nurse)
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=nurse)
    assert made.status_code == 201, made.text
    db = staff.app.state.runtime.databases.get()
    with db.conn:  # as an older release stored it
        db.conn.execute("UPDATE patients SET name = 'Wang\u202eLi' WHERE mrn = 'ISO-1'")
    staff.login(Role.nurse)
    found = staff.client.get(f"/patients?mrn={quote('Wang' + chr(0x202E))}")
    assert found.status_code == 200, found.text[-2000:]
    assert 'id="found-named"' in found.text, found.text[-2000:]
    # the patient's name (isolated as 4bbd10b3 made it) and the search field's own value hold it too
    shown = found.text.replace("<bdi>Wang\u202eLi</bdi>", "").replace('value="Wang\u202e"', "")
    assert not _shown_bare(shown, "Wang\u202e"), "the text searched for shown not isolated"
