"""A reading typed with a unit triage cannot take ("mmol" for a glucose) was refused with "Check the
value and its unit." - on the English page without saying which units it takes (the engine's record
that names them is shown on the Chinese page only). The error beside the unit field now names the
units it takes and that a blank unit means the first; the typed value and unit stay in the form.
Real service, real SQLite file, the page's own form with CSRF, en and zh."""

from __future__ import annotations

import re

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language
from triage.service.auth import Role

SAID = {
    "en": "random glucose: the unit mmol cannot be used - type mmol/L or mg/dL, or leave the unit blank"
    " for mmol/L. The reading was not recorded.",
    "zh": "随机血糖：不能使用单位 mmol，请填写 mmol/L 或 mg/dL，单位留空即为 mmol/L。读数未记录。",
}


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_unit_not_taken_is_refused_naming_the_units_taken(staff: Staff, language: str) -> None:
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    sent = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": "UNIT-1"}, follow_redirects=False)
    patient = sent.headers["location"]
    refused = staff.client.post(
        f"{patient}/readings",
        data={"csrf_token": csrf, "code": "glucose_random", "value": "6.5", "unit": "mmol"},
    )
    assert refused.status_code == 422, refused.text
    page = refused.text
    error = page.split('id="reading-unit-error">')[1].split("</p>")[0]
    shown = (
        re.sub(r"<[^>]+>", "", error.split('<span class="error-record"')[0])
        .replace("&#9888;&#65038;", "")
        .strip()
    )
    assert shown.rstrip(" ") == SAID[language], shown
    assert 'name="unit" maxlength="32" value="mmol" aria-invalid="true" autofocus' in page
    assert 'name="value"' in page and 'value="6.5"' in page, "what was typed stays"
