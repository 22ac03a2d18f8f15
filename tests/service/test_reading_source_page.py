"""The patient page's Device column said "-" for a reading sent through the API (no device named):
a GP could not tell a typed value from a device's. It now names the account that stored it, from
the audit trail ("API: nurse" / "经接口录入：nurse"); a reading typed on the staff pages reads
"entered by hand: clinician" / "手工录入：clinician" - who typed it, from the same trail (it said
"entered by hand" alone). Real SQLite file, through the pages."""

from __future__ import annotations

from tests.service.conftest import WALK_IN, Staff
from triage.service.auth import Role
from triage.service.i18n import catalogue_data


def _device_cells(page: str) -> dict[str, str]:
    """The readings table's Device cell by reading code."""
    cells = {}
    for row in page.split("<tr")[1:]:
        if 'data-code="' not in row or "data-observation" not in row:
            continue
        code = row.split('data-code="')[1].split('"')[0]
        cells[code] = row.split('<td class="source"')[-1].split(">", 1)[1].split("</td>")[0]
    return cells


def test_the_device_column_says_where_a_reading_came_from(staff: Staff) -> None:
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    encounter = made.json()["encounter_id"]
    csrf = staff.login(Role.clinician)
    typed = staff.client.post(
        f"/encounters/{encounter}/readings",
        data={"csrf_token": csrf, "code": "consciousness", "value": "A", "unit": ""},
        follow_redirects=False,
    )
    assert typed.status_code == 303, typed.text
    for language in ("en", "zh"):
        said = catalogue_data(language)
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        cells = _device_cells(staff.client.get(f"/encounters/{encounter}").text)
        api = said["patient.api_entry"].replace("{user}", '<span class="ident">nurse</span>')
        for code in ("spo2", "heart_rate", "resp_rate"):
            assert cells[code] == f'<span class="api-entry">{api}</span>', (language, code, cells)
        typist = said["patient.manual_entry_by"].replace("{user}", '<span class="ident">clinician</span>')
        assert cells["consciousness"] == f'<span class="manual-entry">{typist}</span>', (language, cells)


def test_a_reading_typed_by_hand_names_who_typed_it(staff: Staff) -> None:
    """Two people type readings into one visit (a nurse, then a clinician): each reading names its
    own typist, in both languages."""
    made = staff.client.post("/api/v1/assessments", json=WALK_IN, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    encounter = made.json()["encounter_id"]
    for role, form in (
        (Role.nurse, {"code": "temperature", "value": "38.2", "unit": ""}),
        (Role.clinician, {"code": "consciousness", "value": "A", "unit": ""}),
    ):
        csrf = staff.login(role)
        typed = staff.client.post(
            f"/encounters/{encounter}/readings", data={"csrf_token": csrf, **form}, follow_redirects=False
        )
        assert typed.status_code == 303, typed.text
    for language, words in (("en", "entered by hand: "), ("zh", "手工录入：")):
        staff.client.post("/language", data={"csrf_token": csrf, "language": language})
        cells = _device_cells(staff.client.get(f"/encounters/{encounter}").text)
        for code, user in (("temperature", "nurse"), ("consciousness", "clinician")):
            said = f'<span class="manual-entry">{words}<span class="ident">{user}</span></span>'
            assert cells[code] == said, (language, code, cells)
