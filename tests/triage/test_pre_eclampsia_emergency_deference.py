"""In pregnancy from 20 weeks and after birth, the lower pressure rules name the obstetric emergency whose
action applies (``triage.rule_precedence``: ``_EMERGENCY``).

At 30 weeks, 185/115 mmHg, a headache and dipstick protein 2+, ``hypertensive_emergency`` ('emergency
transfer now') and ``pre_eclampsia_severe_features`` ('emergency transfer to an obstetric unit now for
assessment and admission') both fire, and ``pregnancy_hypertension``, ``hypertensive_crisis``,
``bp_hearts_urgent``, ``bp_grade_3`` and ``proteinuria_with_hypertension`` each said 'supporting
evidence for hypertensive_emergency ... - its action applies' - the general emergency, listed first,
where the pre-eclampsia with severe features the same readings show is sent to an obstetric unit (NICE
NG133 1.5.2; ACOG PB 222); so after birth (``postpartum_hypertension`` too) and with the weeks not
recorded. No reason and no re-check was lost (each deferring reason keeps its values and re-check; the
obstetric rule fired with its own): the rule named was the wrong one. They now name
``pre_eclampsia_severe_features`` when it fired; with chest pain alone (no severe feature: it does not
fire), before 20 weeks (a headache is no sign there) and outside pregnancy: as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

OBSTETRIC = "pre_eclampsia_severe_features"
LOWER = {"hypertensive_crisis", "bp_hearts_urgent", "bp_grade_3", "proteinuria_with_hypertension"}
READINGS = [ob("sbp", 185), ob("dbp", 115), ob("urine_protein", "2+")]


def _assess(policy: Policy, symptom: str = "headache", **patient: object) -> Assessment:
    context = PatientContext(**{"age": 30, "sex": "female", "acute_symptoms": [symptom], **patient})  # type: ignore[arg-type]
    return assess(context, READINGS, policy, now=NOW)


def _deferred(a: Assessment) -> dict[str, object]:
    return {r.rule: r.values["deferred_to"] for r in a.reasons if "deferred_to" in r.values}


@pytest.mark.parametrize(
    ("patient", "same_day"),
    [
        ({"pregnant": True, "gestation_weeks": 30}, "pregnancy_hypertension"),
        ({"pregnant": True, "gestation_weeks": 20}, "pregnancy_hypertension"),
        ({"pregnant": True}, "pregnancy_hypertension"),
        ({"postpartum": True}, "postpartum_hypertension"),
    ],
    ids=["30 weeks", "20+0", "weeks not recorded", "after birth"],
)
@pytest.mark.parametrize("symptom", ["headache", "visual_loss"])
def test_the_lower_rules_name_the_obstetric_emergency(
    policy: Policy, patient: dict[str, object], same_day: str, symptom: str
) -> None:
    a = _assess(policy, symptom, **patient)
    fired = {r.rule for r in a.reasons}
    assert {"hypertensive_emergency", OBSTETRIC} <= fired, fired
    assert _deferred(a) == dict.fromkeys(LOWER | {same_day}, OBSTETRIC)
    for r in a.reasons:
        if r.rule in LOWER | {same_day}:
            assert f"{r.rule}: supporting evidence for {OBSTETRIC}, which fired on" in r.detail, r.detail
    # the level and the re-check as before: an emergency transfer, seen again in 15 minutes
    assert a.disposition is Disposition.emergency_transfer and a.recheck_minutes == 15


@pytest.mark.parametrize(
    ("symptom", "patient", "higher"),
    [
        ("chest_pain", {"pregnant": True, "gestation_weeks": 30}, "hypertensive_emergency"),
        ("chest_pain", {"postpartum": True}, "hypertensive_emergency"),
        ("headache", {"pregnant": True, "gestation_weeks": 19}, "pregnancy_severe_hypertension"),
        ("chest_pain", {}, "hypertensive_emergency"),
    ],
    ids=["chest pain at 30 weeks", "chest pain after birth", "headache at 19 weeks", "not pregnant"],
)
def test_where_it_does_not_fire_as_before(
    policy: Policy, symptom: str, patient: dict[str, object], higher: str
) -> None:
    a = _assess(policy, symptom, **patient)
    assert OBSTETRIC not in {r.rule for r in a.reasons}
    assert set(_deferred(a).values()) == {higher}, _deferred(a)


def test_the_staff_pages_name_it_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(
        age=30, sex="female", pregnant=True, gestation_weeks=30, acute_symptoms=["headache"]
    )
    payload = _payload(patient, READINGS, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "pregnancy_hypertension"]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "supporting evidence for “BP >=140 and/or >=90 mmHg in pregnancy from 20 weeks" in en, en
    assert EngineText("zh", payload).entry(f"rule.{OBSTETRIC}") in zh and not english_left(zh), zh
