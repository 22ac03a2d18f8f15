"""The patient page's list of missing inputs says why the BMI is missing when a height and weight
were measured but not used (their BMI implausible): the line read "Not measured or not recorded
(...): BMI" beside a weight and height the nurse had just typed, while the scores' and models'
details said why (dd228fd7, 820ccd1b). Now the BMI is listed with the note the score's detail
gives, in the page's language (en and zh), and with none when no size was given."""

from __future__ import annotations

from typing import Any

from tests.service.conftest import Staff, unspanned
from triage.service.auth import Role

EN_NOTE = (
    "weight 300 kg / height 100 cm^2 (weight measured, height measured) gives BMI 300.0, outside the"
    " plausible 8-90 kg/m2: not used"
)
ZH_NOTE = (
    "体重 300 kg / 身高 100 cm²（体重和身高均为今日测量）得出体重指数 300.0，超出合理范围 8-90 kg/m²：未采用"
)


def _missing_line(staff: Staff, observations: list[dict[str, Any]], mrn: str, language: str) -> str:
    body = {"patient": {"mrn": mrn, "sex": "female"}, "age_years": 50, "observations": observations}
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})
    page = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    return page.split('<p class="missing"><small>', 1)[1].split("</small></p>", 1)[0]


SIZE = [
    {"code": "weight", "value": 300, "unit": "kg"},
    {"code": "height", "value": 100, "unit": "cm"},
    {"code": "sbp", "value": 128, "unit": "mm[Hg]"},
    {"code": "dbp", "value": 78, "unit": "mm[Hg]"},
]


def test_the_missing_bmi_says_why_in_english(staff: Staff) -> None:
    line = _missing_line(staff, SIZE, "BMI-EN", "en")
    said = "Not measured or not recorded (the scores above are incomplete without them): "
    assert line.startswith(said + "BMI (" + EN_NOTE + "), "), line


def test_the_missing_bmi_says_why_in_chinese(staff: Staff) -> None:
    line = _missing_line(staff, SIZE, "BMI-ZH", "zh")
    assert line.startswith("未测量或未记录（缺少这些，上面的评分不完整）：体重指数（" + ZH_NOTE + "）、"), (
        line
    )
    assert "not used" not in line


def test_a_bmi_missing_for_want_of_a_size_has_no_note(staff: Staff) -> None:
    line = _missing_line(staff, SIZE[2:], "BMI-NONE", "en")
    assert ": BMI, " in line and "not used" not in line, line
