"""A reason whose score is computed where it is not validated says so on the patient page, in the
page's language, as the engine's English reason does: NEWS2 after birth (f6b0af8f:
``triage.phrases.NEWS2_AFTER_BIRTH``) and the eGFR in pregnancy (``KIDNEY_PREGNANCY``). The pages
build a reason from its catalogue template (``rule_detail.<rule>``), which said the score and the
response but dropped the limitation: a mother's "NEWS2 1 ... treat locally" read as reassurance on
both languages' pages while the engine's reason said a low score is none after birth. Real app and
SQLite, the API's assessments, the rendered page."""

from __future__ import annotations

from typing import Any

import pytest

from tests.service.conftest import Staff, unspanned
from triage.service.auth import Role

AFTER_BIRTH = {
    "en": "after birth (within 6 weeks) NEWS2 is not validated either",
    "zh": "产后（6 周内）NEWS2 同样未经验证",
}
IN_PREGNANCY = {
    "en": "in pregnancy no creatinine equation is validated",
    "zh": "妊娠期没有经过验证的肌酐估算公式",
}
MEASURED = {"en": "; measured", "zh": "；测量于"}  # when the readings were taken, which ends a reason
NORMAL = {
    "resp_rate": (16, "/min"),
    "spo2": (98, "%"),
    "supplemental_o2": ("air", None),
    "sbp": (124, "mmHg"),
    "dbp": (78, "mmHg"),
    "heart_rate": (72, "/min"),
    "consciousness": ("A", None),
    "temperature": (36.8, "Cel"),
}
# the NEWS2 rules whose engine reason carries the score's detail, each with readings that fire it
NEWS2_CASES: list[tuple[str, dict[str, tuple[Any, str | None]]]] = [
    ("news2_low_elevated", {**NORMAL, "heart_rate": (95, "/min")}),  # 1
    # 3, a red score: the rule deferred to news2_red_parameter (detail.deferred.news2_low_elevated)
    ("news2_low_elevated", {**NORMAL, "heart_rate": (131, "/min")}),
    (
        "news2_urgent",
        {**NORMAL, "resp_rate": (22, "/min"), "heart_rate": (111, "/min"), "temperature": (38.5, "Cel")},
    ),  # 2 + 2 + 1: 5
    (
        "news2_emergency",
        {**NORMAL, "resp_rate": (25, "/min"), "heart_rate": (111, "/min"), "temperature": (39.5, "Cel")},
    ),  # 3 + 2 + 2: 7
    ("news2_incomplete", {"resp_rate": (16, "/min"), "spo2": (98, "%")}),  # 0 so far
    # a red score: its reason names the parameter, not the score's detail, and said no limitation
    ("news2_red_parameter", {**NORMAL, "heart_rate": (131, "/min")}),
    # ... and deferring to news2_emergency (3 + 2 + 2: 7 with a red respiration rate)
    (
        "news2_red_parameter",
        {**NORMAL, "resp_rate": (25, "/min"), "heart_rate": (111, "/min"), "temperature": (39.5, "Cel")},
    ),
]
DEFERRING = {1, 6}  # the cases above whose reason is supporting evidence for a more urgent rule


def _observations(readings: dict[str, tuple[Any, str | None]]) -> list[dict[str, Any]]:
    return [
        {"code": code, "value": value} | ({"unit": unit} if unit else {})
        for code, (value, unit) in readings.items()
    ]


def _reason_on_the_page(staff: Staff, encounter_id: int, rule: str) -> str:
    """The detail of the reason ``rule`` as the patient page shows it (the unit spans removed; not
    its hover, which on the English page is the engine's reason)."""
    html = unspanned(staff.client.get(f"/encounters/{encounter_id}").text)
    reasons = html.split('id="reasons"')[1].split("</ul>")[0]
    assert f'data-rule="{rule}"' in reasons, reasons
    item = reasons.split(f'data-rule="{rule}"')[1].split("</li>")[0]
    return item.split('class="detail"')[1].split(">", 1)[1].rsplit("</span>", 1)[0]


def _visit(staff: Staff, mrn: str, context: dict[str, bool], readings: dict[str, Any]) -> dict[str, Any]:
    made = staff.client.post(
        "/api/v1/assessments",
        json={
            "patient": {"mrn": mrn, "name": "Synthetic Patient", "sex": "female"},
            "age_years": 29,
            "context": context,
            "observations": _observations(readings),
        },
        headers=staff.bearer(Role.nurse),
    )
    assert made.status_code == 201, made.text
    return dict(made.json())


@pytest.mark.parametrize("language", ["en", "zh"])
def test_a_news2_reason_after_birth_says_news2_is_not_validated_then(staff: Staff, language: str) -> None:
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})
    for number, (rule, readings) in enumerate(NEWS2_CASES):
        said = {}
        for postpartum in (True, False):
            made = _visit(staff, f"MRN-NEWS2-{number}-{postpartum}", {"postpartum": postpartum}, readings)
            engine = {r["rule"]: r for r in made["assessment"]["reasons"]}
            assert rule in engine, (rule, engine)
            assert (AFTER_BIRTH["en"] in engine[rule]["detail"]) is postpartum, "the engine's reason says it"
            assert ("deferred_to" in engine[rule]["values"]) is (number in DEFERRING), engine[rule]
            said[postpartum] = _reason_on_the_page(staff, made["encounter_id"], rule)
        assert AFTER_BIRTH[language] in said[True], (rule, said[True])
        assert AFTER_BIRTH[language] not in said[False], (rule, said[False])
        assert said[True].startswith(said[False].rsplit(MEASURED[language], 1)[0]), "the rest as without"
        if language == "zh":
            assert "birth" not in said[True] and "validated" not in said[True], said[True]


@pytest.mark.parametrize("language", ["en", "zh"])
def test_an_egfr_reason_in_pregnancy_says_no_creatinine_equation_is_validated(
    staff: Staff, language: str
) -> None:
    csrf = staff.login(Role.nurse)
    staff.client.post("/language", data={"csrf_token": csrf, "language": language})
    said = {}
    for pregnant in (True, False):
        made = _visit(
            staff, f"MRN-EGFR-{pregnant}", {"pregnant": pregnant}, {"egfr": (40, "mL/min/{1.73_m2}")}
        )
        engine = {r["rule"]: r["detail"] for r in made["assessment"]["reasons"]}
        assert (IN_PREGNANCY["en"] in engine["egfr_30_59"]) is pregnant, engine
        said[pregnant] = _reason_on_the_page(staff, made["encounter_id"], "egfr_30_59")
    assert IN_PREGNANCY[language] in said[True], said[True]
    assert IN_PREGNANCY[language] not in said[False], said[False]
    if language == "zh":
        assert "pregnan" not in said[True], said[True]
