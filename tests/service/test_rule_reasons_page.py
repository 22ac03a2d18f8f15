"""Every rule's reason as the staff page shows it, in English and in Chinese, and as `triage assess`
writes it: the reading with its unit, what to do (consistent with the level the reason asks for)
and when the readings were taken; no English left on the Chinese page - for every rule in the
engine's own list (a new rule without a Chinese text or without an action fails here) and for
every blood-pressure band at every age."""

from __future__ import annotations

import re
from typing import Any

import pytest

from referral.clock import MACHINE
from tests.service.test_engine_text import FIRING, _payload
from tests.triage.conftest import RECENT, ob
from tests.triage.test_rules import ALL_ON
from triage.patient import PatientContext
from triage.rules import RULES
from triage.service.i18n import catalogue_data
from triage.service.pages.clock import local_time
from triage.service.pages.engine_text import EngineText
from triage.service.pages.rule_detail import number

SEEN = local_time(RECENT.isoformat(), clinic=MACHINE)

# what each level asks the clinician to do, as the reason must say it (any one of the words)
ACTION = {
    "en": {
        "emergency_transfer": ("emergency", "transfer"),
        "urgent_referral": ("urgent", "same-day", "same day"),
        "routine_referral": ("refer", "hospital referral"),
        "local_care": ("repeat", "re-check", "confirm", "manage", "measure", "offer", "monitoring", "assess"),
    },
    "zh": {
        "emergency_transfer": ("紧急抢救", "转运"),
        "urgent_referral": ("紧急", "当日"),
        "routine_referral": ("转诊", "住院"),
        "local_care": ("复测", "确认", "管理", "补测", "建议", "监测", "评估"),
    },
}
# the English a Chinese page may keep: units and the published abbreviations (scores, stages)
KEPT = {
    "mmHg",
    "mmol/L",
    "mmol/mol",
    "mg/dL",
    "mg/g",
    "mg/mmol",
    "mL/min/1.73",
    "m²",
    "g",
    "NEWS2",
    "SpO2",
    "ACVPU",
    "qSOFA",
    "CRB-65",
    "eGFR",
    "ACR",
    "CKD",
    "CKD-EPI",
    "GFR",
    "KDIGO",
    "G1-G2",
    "HHS",
    "DKA",
    "HELLP",  # HELLP 综合征, as Chinese obstetrics writes it
    "AAP",
    "OGTT",
    "CDRS",
    "FINDRISC",
    "China-PAR",
    "ASCVD",
    "P95",
    "PEWS",  # the early warning scores NEWS2 leaves children and pregnancy to
    "MEWS/MEOWS",
    "PCE",  # the pooled cohort equations, named in Chinese beside it
    "AUROC",
    "g/kg",
    "g/L",
    "kg",
    "kg/m²",
    "cm",
    "cm²",
    *"ACVPU",  # the ACVPU answers
    *(f"G{stage}" for stage in ("1", "2", "3a", "3b", "4", "5")),
    *(f"A{stage}" for stage in "123"),
}
_WORD = re.compile(r"[A-Za-z][A-Za-z0-9\-/.]*[A-Za-z0-9²]|[A-Za-z]")


def english_left(text: str) -> set[str]:
    """The ASCII words of ``text`` that are neither a unit nor a published abbreviation."""
    return {
        w for w in _WORD.findall(text.replace("\u03bcmol/L", "").replace("\u00b5mol/L", "")) if w not in KEPT
    }


# the families of the catalogue a page shows from the engine's output: each rule's name and reason,
# the scores and their details, the engine's notes
SHOWN = ("rule.", "rule_detail.", "detail.", "score.", "score_detail.", "engine.")


def test_no_english_source_name_in_any_chinese_text_a_page_shows() -> None:
    """Every Chinese text of those families, not only those an input of FIRING reaches (a child's
    SpO2, NEWS2 not applicable, a child's glucose dose): a source is named in Chinese or not at all."""
    left = {
        key: english_left(re.sub(r"\{[^{}]*\}", "", text))
        for key, text in catalogue_data("zh").items()
        if key.startswith(SHOWN)
    }
    assert not {key: words for key, words in left.items() if words}


def _firing(rule: str) -> list[dict[str, Any]]:
    payloads = [payload for fired, payload in FIRING if fired == rule]
    assert payloads, f"{rule}: no input that fires it (tests/service/test_engine_text.py FIRING)"
    return payloads


# known_ascvd: secondary prevention, whatever was measured; the acute symptoms a clinician recorded
# (the pressure they name is context, not what they read: triage.rules.symptoms), and a sign of
# pre-eclampsia recorded with no pressure measured
RECORD_ONLY = {
    "established_ascvd",
    "acute_symptom_emergency",
    "acute_symptom_urgent",
    "pre_eclampsia_symptom_no_pressure",
}


@pytest.mark.parametrize("rule", [r.name for r in RULES])
def test_every_rule_says_the_reading_what_to_do_and_when_in_both_languages(rule: str) -> None:
    for payload in _firing(rule):
        for reason in [r for r in payload["reasons"] if r["rule"] == rule]:
            level, record = reason["level"], reason["detail"]
            # triage assess (the Assessment JSON): the engine's English record
            assert any(word in record for word in ACTION["en"][level]), (level, record)
            # a rule on the patient's record alone reads no reading, so no time (triage.readings.measured)
            reads_readings = rule not in RECORD_ONLY
            assert ("; measured " in record) is reads_readings, record
            for language in ("en", "zh"):
                text = EngineText(language, payload)
                shown = text.rule_detail(reason)  # strict: the catalogue's template, never the record
                assert any(word in shown for word in ACTION[language][level]), (language, level, shown)
                assert (
                    shown.endswith(("; measured ", "；测量于 ")[language == "zh"] + SEEN)
                    or not reads_readings
                ), shown
                # each reading the reason recorded, with the unit the page shows it in
                for code, o in text.observations.items():
                    if code in reason["values"] and isinstance(o.get("value"), int | float) and o.get("unit"):
                        # as read, or as the rule recorded it (eGFR: the reported whole number)
                        read, _, unit = text.reading(code).partition(" ")
                        value = reason["values"][code]
                        recorded = number(value) if isinstance(value, int | float) else str(value)
                        assert (read in shown or recorded in shown) and unit in shown, (code, shown)
            assert not english_left(EngineText("zh", payload).detail(reason)), reason


PRESSURES = [
    (110, 70),
    (125, 75),
    (135, 85),
    (150, 95),
    (165, 105),
    (185, 100),
    (190, 125),
    (210, 115),
    (None, 85),
    (150, None),
    (205, None),
    (None, 125),
    (125, None),
    (None, 70),
]
AGES = [None, 40, 18, 17, 15, 13, 12, 10, 5]


@pytest.mark.parametrize("age", AGES)
def test_no_english_on_the_chinese_page_for_any_blood_pressure_at_any_age(age: int | None) -> None:
    """Each band (adult grades, adolescent stages, not graded under 13, one pressure missing) with
    each rule it fires, crisis included: the reasons and the blood-pressure score in Chinese."""
    bands = set()
    for sbp, dbp in PRESSURES:
        readings = [ob(code, value) for code, value in (("sbp", sbp), ("dbp", dbp)) if value is not None]
        payload = _payload(PatientContext(age=age), readings, ALL_ON)
        zh = EngineText("zh", payload)
        score = payload["scores"]["blood_pressure"]
        bands.add(score["band"])
        shown = [zh.detail(reason) for reason in payload["reasons"]]
        shown.append(zh.score_detail("blood_pressure", score))
        for text in shown:
            assert not english_left(text), (sbp, dbp, age, text)
    expected = {
        None: {"normal", "high_normal", "grade_1", "grade_2", "grade_3", "incomplete"},
        "adolescent": {"normal", "elevated", "stage_1", "stage_2", "incomplete"},
        "child": {"not_applicable"},
    }
    group = None if age is None or age >= 18 else "adolescent" if age >= 13 else "child"
    assert bands == expected[group], bands


@pytest.mark.parametrize(("sbp", "dbp"), [(150, None), (None, 125)])
def test_an_adolescents_pressure_with_one_missing_is_at_least_this_stage(
    sbp: int | None, dbp: int | None
) -> None:
    readings = [ob(code, value) for code, value in (("sbp", sbp), ("dbp", dbp)) if value is not None]
    payload = _payload(PatientContext(age=15), readings, ALL_ON)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "bp_adolescent_stage_2"]
    score = payload["scores"]["blood_pressure"]
    for text in (reason["detail"], score["detail"], EngineText("en", payload).detail(reason)):
        assert "at least this stage, one pressure missing" in text and "grade" not in text, text
    for text in (
        EngineText("zh", payload).detail(reason),
        EngineText("zh").score_detail("blood_pressure", score),
    ):
        assert "至少为此分期" in text and "级别" not in text, text


def test_a_childs_pressure_with_one_missing_claims_no_grade() -> None:
    payload = _payload(PatientContext(age=10), [ob("sbp", 205)], ALL_ON)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "hypertensive_crisis"]
    assert (
        EngineText("zh", payload)
        .detail(reason)
        .startswith(
            "血压 205/? mmHg（单次测量；缺少一项血压）；"
        )  # supporting evidence for bp_adolescent_severe
    )
    assert "级别" not in EngineText("zh", payload).detail(reason)
    assert "grade (single" not in EngineText("en", payload).detail(reason)
