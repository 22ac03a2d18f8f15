"""The printed patient page (what a GP sends with the patient to the hospital) names the clinic the
visit is at: it said the visit's and the printing's times, the patient, the readings, decision and
reasons, but not where they were taken - the header is the application's name."""

from __future__ import annotations

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role
from triage.service.i18n import catalogue_data


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
