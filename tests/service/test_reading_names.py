"""A reading's name where it stands alone - the readings table's first column - in the catalogue's
display name (``display.<code>``: sentence case, eGFR, SpO2, HbA1c as written), where the English
table read "heart rate", "respiratory rate" in lower case (the running-text name, ``name.<code>``,
which stays for sentences: "random glucose 12 mmol/L (...)")."""

from __future__ import annotations

import re

from tests.service.conftest import Staff
from triage.service.auth import Role
from triage.service.i18n import catalogue_data
from triage.vocabulary import CONCEPTS

READINGS = [
    {"code": "heart_rate", "value": 72, "unit": "/min"},
    {"code": "resp_rate", "value": 14, "unit": "/min"},
    {"code": "spo2", "value": 98, "unit": "%"},
    {"code": "egfr", "value": 85, "unit": "mL/min/{1.73_m2}"},
    {"code": "hba1c", "value": 48, "unit": "mmol/mol"},
    {"code": "sbp", "value": 128, "unit": "mm[Hg]"},
]


def _names(page: str) -> dict[str, str]:
    return dict(re.findall(r'<td data-code="([a-z0-9_]+)" role="cell">([^<]*)</td>', page))


def test_the_readings_table_names_readings_by_their_display_names(staff: Staff) -> None:
    made = staff.client.post(
        "/api/v1/assessments",
        json={"patient": {"mrn": "NAMES-1"}, "observations": READINGS},
        headers=staff.bearer(Role.nurse),
    )
    assert made.status_code == 201, made.text
    csrf = staff.login(Role.clinician)
    english = _names(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    assert english == {
        "heart_rate": "Heart rate",
        "resp_rate": "Respiratory rate",
        "spo2": "SpO2",
        "egfr": "eGFR",
        "hba1c": "HbA1c",
        "sbp": "Systolic BP",
    }
    staff.client.post("/language", data={"csrf_token": csrf, "language": "zh"})
    chinese = _names(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    assert chinese == {code: catalogue_data("zh")[f"name.{code}"] for code in english}


def test_every_reading_has_an_english_display_name_that_starts_as_a_heading() -> None:
    """Each vocabulary code has ``display.<code>`` in English; it names the same reading as the
    running-text name (equal but for the first letter, an abbreviation kept as written)."""
    english = catalogue_data("en")
    for code in CONCEPTS:
        shown, name = english[f"display.{code}"], english[f"name.{code}"]
        assert shown[0] == shown[0].upper() or shown[:2] in ("eG", "hs"), shown
        assert shown[0].lower() + shown[1:] == name[0].lower() + name[1:], (shown, name)


def test_the_scores_table_names_scores_in_sentence_case() -> None:
    """The scores table's first column (``score.<name>``, used nowhere else) read "pulse oximetry
    (SpO2)", "blood pressure grade", "glycaemia" in lower case beside "NEWS2", "qSOFA"; each name
    now starts as a heading does, published names (qSOFA) as written."""
    english = catalogue_data("en")
    names = {key: text for key, text in english.items() if key.count(".") == 1 and key.startswith("score.")}
    assert len(names) >= 10
    lower = {key: text for key, text in names.items() if text[0].islower() and not text.startswith("qSOFA")}
    assert not lower, lower
