"""A value typed with a decimal comma ("6,5", as many keyboards and forms in Europe write it) was
refused as "the value is not a number" without saying why. It is still refused - 6,5 may be a typo
of 6.5 or of 65, so the nurse types it again - but the error says to use a decimal point and how the
value reads with one. Real service, real SQLite file, the page's own forms with CSRF, en and zh."""

from __future__ import annotations

import re

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_wording import _language
from triage.service.auth import Role

SAID = {
    "en": "random glucose: the value has a comma, not a decimal point: the reading was not recorded."
    " Use a decimal point: 6.5.",
    "zh": "随机血糖：数值中用了逗号而不是小数点，读数未记录。请用小数点：6.5。",
}
VITAL = {
    "en": "temperature: the value has a comma, not a decimal point: the reading was not recorded."
    " Use a decimal point: 37.25.",
    "zh": "体温：数值中用了逗号而不是小数点，读数未记录。请用小数点：37.25。",
}


def _shown(page: str, field: str) -> str:
    """The error beside ``field`` as the page says it (without the English record under it)."""
    error = page.split(f'id="{field}-error">')[1].split("</p>")[0]
    text = re.sub(r"<[^>]+>", "", error.split('<span class="error-record"')[0])
    return text.replace("&#9888;&#65038;", "").strip()


def _patient(staff: Staff, language: str, mrn: str) -> tuple[str, str]:
    csrf = staff.login(Role.nurse)
    _language(staff, csrf, language)
    sent = staff.client.post("/walk-ins", data={"csrf_token": csrf, "mrn": mrn}, follow_redirects=False)
    return csrf, sent.headers["location"]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_decimal_comma_is_refused_saying_to_use_a_decimal_point(staff: Staff, language: str) -> None:
    csrf, patient = _patient(staff, language, f"COMMA-{language}")
    refused = staff.client.post(
        f"{patient}/readings", data={"csrf_token": csrf, "code": "glucose_random", "value": "6,5", "unit": ""}
    )
    assert refused.status_code == 422, refused.text
    assert _shown(refused.text, "reading-value").rstrip(" ") == SAID[language]
    assert 'value="6,5"' in refused.text, "what was typed stays, for the nurse to correct"
    page = staff.client.get(patient).text
    assert 'data-code="glucose_random"' not in page, "nothing was stored: 6,5 is not read as 6.5"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_vital_signs_form_says_it_too(staff: Staff, language: str) -> None:
    csrf, patient = _patient(staff, language, f"COMMA-V-{language}")
    refused = staff.client.post(
        f"{patient}/vitals", data={"csrf_token": csrf, "temperature": "37,25", "temperature_unit": "Cel"}
    )
    assert refused.status_code == 422, refused.text
    assert _shown(refused.text, "vitals-temperature").rstrip(" ") == VITAL[language]


def test_a_comma_that_may_be_thousands_is_not_turned_into_a_point(staff: Staff) -> None:
    """1,200 may mean one thousand two hundred: no "use a decimal point: 1.200" for it."""
    csrf, patient = _patient(staff, "en", "COMMA-T")
    refused = staff.client.post(
        f"{patient}/readings",
        data={"csrf_token": csrf, "code": "glucose_random", "value": "1,200", "unit": ""},
    )
    assert refused.status_code == 422, refused.text
    assert "decimal point" not in _shown(refused.text, "reading-value")
    assert "not a number" in _shown(refused.text, "reading-value")
