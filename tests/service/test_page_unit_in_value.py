"""A value typed with its unit ("70kg", "38.5°C", "98%", 70公斤 - as a nurse writes it on paper) was
refused as "weight: the value is not a number ... Type it in digits." - beside a value whose digits
were all there, the nurse was not told what was wrong. It is still refused (nothing is guessed from
free text), but the error says the value has a unit in it and how to type it: the number alone, and
on the single-reading form the unit in its own field; the vital-signs form, whose unit stands beside
each field, says only the number. Real service, real SQLite file, the page's own forms with CSRF,
en and zh."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff
from tests.service.test_page_decimal_comma import _patient, _shown

READING = {
    "en": "weight: the value “70kg” has a unit in it: the reading was not recorded. Type the number"
    " alone, 70, and the unit in the Unit field.",
    "zh": "体重：数值“70kg”中带有单位，读数未记录。请只填数字 70，单位填在“单位”一栏。",
}
READING_ZH_UNIT = {
    "en": "weight: the value “70公斤” has a unit in it: the reading was not recorded. Type the number"
    " alone, 70, and the unit in the Unit field.",
    "zh": "体重：数值“70公斤”中带有单位，读数未记录。请只填数字 70，单位填在“单位”一栏。",
}
VITAL = {
    "en": "SpO2: the value “98 %” has a unit in it: the reading was not recorded. Type the number"
    " alone: 98 (the unit is beside the field).",
    "zh": "血氧饱和度：数值“98 %”中带有单位，读数未记录。请只填数字：98（单位已列在该栏旁边）。",
}


def _refused(staff: Staff, patient: str, form: str, data: dict[str, str], field: str) -> tuple[str, str]:
    """Send ``form`` (readings, vitals) of ``patient``: refused (422); (the error beside ``field``, the page)."""
    refused = staff.client.post(f"{patient}/{form}", data=data)
    assert refused.status_code == 422, refused.text
    return _shown(refused.text, field).rstrip(" "), refused.text


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_value_typed_with_its_unit_is_refused_saying_to_type_the_number_alone(
    staff: Staff, language: str
) -> None:
    csrf, patient = _patient(staff, language, f"UNIT-IN-VALUE-{language}")
    for typed, said in (("70kg", READING), ("70公斤", READING_ZH_UNIT)):
        reading = {"csrf_token": csrf, "code": "weight", "value": typed, "unit": ""}
        shown, page = _refused(staff, patient, "readings", reading, "reading-value")
        assert shown == said[language]
        assert f'value="{typed}"' in page, "what was typed stays, for the nurse to correct"
    assert 'data-code="weight"' not in staff.client.get(patient).text, "nothing was stored"


@pytest.mark.parametrize("language", ["en", "zh"])
def test_the_vital_signs_form_says_the_unit_is_beside_the_field(staff: Staff, language: str) -> None:
    csrf, patient = _patient(staff, language, f"UNIT-IN-VITAL-{language}")
    vitals = {"csrf_token": csrf, "spo2": "98 %", "heart_rate": "80"}
    assert _refused(staff, patient, "vitals", vitals, "vitals-spo2")[0] == VITAL[language]


def test_a_blood_pressure_typed_as_a_pair_is_not_said_to_have_a_unit(staff: Staff) -> None:
    """120/80 in the systolic field is two readings, not a number with a unit."""
    csrf, patient = _patient(staff, "en", "UNIT-IN-VALUE-BP")
    reading = {"csrf_token": csrf, "code": "sbp", "value": "120/80", "unit": ""}
    assert "has a unit in it" not in _refused(staff, patient, "readings", reading, "reading-value")[0]
