"""With known diabetes in pregnancy ``pregnancy_hyperglycaemia`` no longer asks to confirm gestational
diabetes (``triage.rules.glycaemia._pregnancy_glucose``).

A woman at 24 weeks with known diabetes and a fasting glucose of 5.3 mmol/L was told, beside
``pregnancy_known_diabetes_above_target``'s joint diabetes and antenatal clinic within a week,
"hyperglycaemia in pregnancy (WHO 2013: fasting >=5.1 mmol/L, 92 mg/dL, is gestational diabetes; ...);
refer to antenatal care to confirm and manage it" - a diagnosis to confirm in a woman whose diabetes is
known, and at 5.1-5.2 mmol/L (92-94 mg/dL), below her pregnancy target, that alone. It now says her
diabetes is known and asks for her treatment to be reviewed, at the same level: no disposition is lower,
no re-check later, than the same readings gave before (the first-detected referral, which a woman
without known diabetes still gets), and a clinic that switches the known diabetes rule off keeps it."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy, policy_from_mapping
from triage.service.pages.engine_text import EngineText

RULE = "pregnancy_hyperglycaemia"
KNOWN = "pregnancy_known_diabetes_above_target"
CONFIRM = "refer to antenatal care to confirm and manage it"
SAID = (
    "with known diabetes in pregnancy at 24 weeks: her diabetes is known - no gestational diabetes to"
    " confirm; refer to antenatal care to review her treatment with her diabetes team against the"
    " pregnancy targets (NICE NG3: fasting glucose <5.3 mmol/L, 1 hour after a meal <7.8 mmol/L)"
    " (non-emergency); measured "
)
LEVELS = list(Disposition)  # most urgent first
# (code, value, unit) at or above a WHO 2013 / ADA cut of pregnancy_hyperglycaemia, each also above the
# known diabetes pregnancy targets (NICE NG3), in the unit it was reported in
ABOVE_TARGET = [
    pytest.param(("glucose_fasting", 5.3, None), id="fasting 5.3 mmol/L"),
    pytest.param(("glucose_fasting", 95, "mg/dL"), id="fasting 95 mg/dL"),
    pytest.param(("glucose_fasting", 7.0, None), id="fasting 7.0 mmol/L"),
    pytest.param(("glucose_random", 11.1, None), id="random 11.1 mmol/L"),
    pytest.param(("glucose_random", 200, "mg/dL"), id="random 200 mg/dL"),
    pytest.param(("hba1c", 6.5, None), id="HbA1c 6.5 %"),
    pytest.param(("hba1c", 48, "mmol/mol"), id="HbA1c 48 mmol/mol"),
]
# at a WHO 2013 cut, below the NICE NG3 fasting target of 5.3 mmol/L (95 mg/dL)
WITHIN_TARGET = [
    pytest.param(("glucose_fasting", 5.1, None), id="fasting 5.1 mmol/L"),
    pytest.param(("glucose_fasting", 5.2, None), id="fasting 5.2 mmol/L"),
    pytest.param(("glucose_fasting", 92, "mg/dL"), id="fasting 92 mg/dL"),
    pytest.param(("glucose_fasting", 94, "mg/dL"), id="fasting 94 mg/dL"),
]


def _assess(
    policy: Policy, readings: list[Observation], diabetes: bool = True, ketones: str = "neg"
) -> Assessment:
    patient = PatientContext(age=31, sex="female", diabetes=diabetes, pregnant=True, gestation_weeks=24)
    extra = [ob("urine_ketones", ketones), ob("sbp", 118), ob("dbp", 72)]
    return assess(patient, [*readings, *extra], policy, now=NOW)


def _fired(a: Assessment) -> dict[str, str]:
    return {r.rule: r.detail for r in a.reasons}


def _not_lower_than_before(policy: Policy, known: Assessment, readings: list[Observation]) -> None:
    """The disposition and re-check of the known diabetes assessment against the first-detected referral
    the same readings give a woman without known diabetes (what pregnancy_hyperglycaemia said to both)."""
    first = _assess(policy, readings, diabetes=False)
    assert CONFIRM in _fired(first)[RULE]
    assert LEVELS.index(known.disposition) <= LEVELS.index(first.disposition)
    assert known.recheck_minutes <= first.recheck_minutes


@pytest.mark.parametrize(
    ("reading", "above_target"),
    [pytest.param(*p.values, True, id=p.id) for p in ABOVE_TARGET]
    + [pytest.param(*p.values, False, id=p.id) for p in WITHIN_TARGET],
)
def test_the_referral_stays_and_says_her_diabetes_is_known(
    policy: Policy, reading: tuple[str, float, str | None], above_target: bool
) -> None:
    """Above her targets beside the known diabetes referral; below her fasting target (5.1-5.2 mmol/L,
    92-94 mg/dL) alone, a routine referral."""
    readings = [ob(*reading)]
    a = _assess(policy, readings)
    fired = _fired(a)
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert (KNOWN in fired) is above_target
    assert SAID in reason.detail and reason.values["known_diabetes"] is True
    assert not any(CONFIRM in d for d in fired.values())
    assert a.disposition is Disposition.routine_referral
    _not_lower_than_before(policy, a, readings)


def test_a_clinic_that_switches_the_known_diabetes_rule_off_keeps_the_referral() -> None:
    off = policy_from_mapping({"rules": {KNOWN: {"level": "off"}}})
    readings = [ob("glucose_random", 11.1)]
    a = _assess(off, readings)
    assert SAID in _fired(a)[RULE] and KNOWN not in _fired(a)
    _not_lower_than_before(off, a, readings)


@pytest.mark.parametrize("reading", ABOVE_TARGET + WITHIN_TARGET)
def test_without_known_diabetes_it_reads_as_before(
    policy: Policy, reading: tuple[str, float, str | None]
) -> None:
    a = _assess(policy, [ob(*reading)], diabetes=False)
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert CONFIRM in reason.detail and "known_diabetes" not in reason.values


def test_with_ketones_2plus_the_urgent_referral_applies(policy: Policy) -> None:
    a = _assess(policy, [ob("glucose_random", 12.0)], ketones="2+")
    assert a.disposition is Disposition.urgent_referral
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    assert reason.values["deferred_to"] == "ketones_with_hyperglycaemia"
    assert reason.values["known_diabetes"] is True and CONFIRM not in reason.detail


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    def page(diabetes: bool) -> tuple[str, str]:
        patient = PatientContext(age=31, sex="female", diabetes=diabetes, pregnant=True, gestation_weeks=24)
        payload = _payload(patient, [ob("glucose_fasting", 5.2), ob("sbp", 118), ob("dbp", 72)], policy)
        (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
        return EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)

    en, zh = page(diabetes=True)
    assert en.startswith("known diabetes in pregnancy: fasting glucose 5.2 mmol/L; her diabetes is known")
    assert "confirm and manage" not in en and "无需再确诊妊娠期糖尿病" in zh and "确诊和管理" not in zh
    assert not english_left(zh)
    en, zh = page(diabetes=False)
    assert en.startswith("hyperglycaemia in pregnancy: fasting glucose 5.2 mmol/L (WHO 2013")
    assert "转诊产科确诊和管理（非紧急）" in zh
