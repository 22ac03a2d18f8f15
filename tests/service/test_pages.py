"""Manual entry through the staff pages (forms with CSRF), as a nurse at the desk would."""

from __future__ import annotations

import re

from tests.service.conftest import Staff
from triage.service.auth import Role


def test_nurse_opens_a_walk_in_records_readings_and_assesses(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    opened = staff.client.post(
        "/walk-ins",
        data={
            "csrf_token": csrf,
            "mrn": "W-77",
            "name": "Synthetic Walk-in",
            "sex": "female",
            "age_years": "71",
        },
        follow_redirects=False,
    )
    assert opened.status_code == 303
    page = opened.headers["location"]
    assert re.fullmatch(r"/encounters/\d+", page)
    for code, value, unit in (
        ("spo2", "85", ""),
        ("resp_rate", "27", ""),
        ("temperature", "102.2", "[degF]"),
    ):
        added = staff.client.post(
            f"{page}/readings",
            data={"csrf_token": csrf, "code": code, "value": value, "unit": unit},
            follow_redirects=False,
        )
        assert added.status_code == 303, added.text
    bad = staff.client.post(f"{page}/readings", data={"csrf_token": csrf, "code": "spo2", "value": "186"})
    assert bad.status_code == 422 and "outside the plausible range" in bad.text
    assert (
        staff.client.post(f"{page}/assess", data={"csrf_token": csrf}, follow_redirects=False).status_code
        == 303
    )
    html = staff.client.get(page).text
    assert 'id="decision"' in html and "urgent" in html.split('id="decision"')[0][-200:]
    assert "39" in html, "102.2 degF is shown as the canonical 39 Cel"
    assert 'id="override-form"' not in html, "nurses do not override"


def test_forms_without_the_csrf_token_are_refused(staff: Staff) -> None:
    staff.login(Role.nurse)
    response = staff.client.post("/walk-ins", data={"mrn": "W-78"})
    assert response.status_code == 403
    assert staff.client.get("/api/v1/patients", headers=staff.bearer(Role.nurse)).json()["count"] == 0
