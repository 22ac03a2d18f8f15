"""A reading typed on the staff page with a unit in a letter case UCUM does not read alike ("Mg/dL",
a megagram per decilitre case-sensitively) was recorded as mg/dL (``triage.units`` looked its
aliases up lower-cased); now it is refused as any unit the code does not take, the error beside the
unit field naming the units it takes, and "MG/DL" (UCUM's all-capitals form) is still recorded.
Real service, real SQLite file, the page's own form with CSRF."""

from __future__ import annotations

import re

from tests.service.conftest import Staff
from triage.service.auth import Role


def _reading(staff: Staff, csrf: str, mrn: str, unit: str) -> tuple[int, str]:
    sent = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": mrn}, follow_redirects=False)
    done = staff.client.post(
        f"{sent.headers['location']}/readings",
        data={"csrf_token": csrf, "code": "glucose_random", "value": "180", "unit": unit},
    )
    return done.status_code, done.text


def test_a_unit_in_another_letter_case_is_refused_on_the_page(staff: Staff) -> None:
    csrf = staff.login(Role.nurse)
    status, page = _reading(staff, csrf, "CASE-1", "Mg/dL")
    assert status == 422, page
    error = page.split('id="reading-unit-error">')[1].split("</p>")[0]
    shown = re.sub(r"<[^>]+>", "", error.split('<span class="error-record"')[0]).replace(
        "&#9888;&#65038;", ""
    )
    assert shown.strip() == (
        "random glucose: the unit Mg/dL cannot be used - type mmol/L or mg/dL, or leave the unit blank"
        " for mmol/L. The reading was not recorded."
    ), shown
    status, page = _reading(staff, csrf, "CASE-2", "MG/DL")
    assert status in (200, 303), page
