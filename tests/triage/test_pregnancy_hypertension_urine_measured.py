"""From 140/90 mmHg in pregnancy the same-day reason (``pregnancy_hypertension``) asks for a urine
protein only when none was measured, and names what a measured one shows.

From 20 weeks (or the weeks not recorded) it said "same-day obstetric assessment for pre-eclampsia
(urine protein, symptoms)" whatever the urine: with a dipstick of 1+ in known hypertension it still
asked for the urine protein, and nothing named the suspected superimposed pre-eclampsia -
``proteinuria_with_hypertension``'s reason, which names it below 140/90, is from there supporting
evidence for this one, cut to its readings. Now, with new proteinuria measured (a dipstick of 1+ or
more, or an ACR of 8 mg/mmol, 70.7 mg/g, or more; NICE NG133) it says suspected pre-eclampsia, in
known hypertension suspected superimposed pre-eclampsia (ISSHP 2018); with a urine measured without
it, what was measured; with none, as before. The levels and re-checks are unchanged: the same day
(60 minutes), and from 160/110 an emergency transfer (15 minutes). The staff pages say it in en and
zh; before 20 weeks they now say chronic hypertension, as the engine does.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "pregnancy_hypertension"
ASKED = "for pre-eclampsia (urine protein, symptoms)"
SUPERIMPOSED = (
    "same-day obstetric assessment for suspected superimposed pre-eclampsia ({urine} with known hypertension:"
    " new proteinuria from 20 weeks in chronic hypertension (ISSHP 2018), unless it was there before 20 weeks;"
    " symptoms)"
)
SUSPECTED = "same-day obstetric assessment for suspected pre-eclampsia ({urine} with this pressure; symptoms)"
MEASURED = "same-day obstetric assessment for pre-eclampsia (symptoms; measured: {urine})"
E, U = Disposition.emergency_transfer, Disposition.urgent_referral
AT_30 = {"pregnant": True, "gestation_weeks": 30}
PREGNANCY = [pytest.param(AT_30, id="30 weeks"), pytest.param({"pregnant": True}, id="weeks not recorded")]


def _context(hypertension: bool | None, pregnancy: Mapping[str, object]) -> PatientContext:
    return PatientContext(age=30, sex="female", hypertension=hypertension, **pregnancy)


def _readings(
    sbp: float, dbp: float, protein: str | None, acr: tuple[float, str] | None
) -> list[Observation]:
    readings = [ob("sbp", sbp), ob("dbp", dbp)]
    readings += [] if protein is None else [ob("urine_protein", protein)]
    return readings + ([] if acr is None else [ob("albumin_creatinine_ratio", *acr)])


def _reason(a: Assessment) -> str:
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    return reason.detail


# (known hypertension, dipstick, ACR, what the reason says of the urine)
URINE = [
    pytest.param(True, "1+", None, SUPERIMPOSED.format(urine="urine protein 1+ (dipstick)"), id="1+ known hypertension"),
    pytest.param(True, "3+", None, SUPERIMPOSED.format(urine="urine protein 3+ (dipstick)"), id="3+ known hypertension"),
    pytest.param(True, None, (8.0, "mg/mmol"), SUPERIMPOSED.format(urine="ACR 70.7 mg/g (reported 8 mg/mmol)"), id="ACR 8 mg/mmol known hypertension"),
    pytest.param(True, "trace", (70.7, "mg/g"), SUPERIMPOSED.format(urine="urine protein trace (dipstick) and ACR 70.7 mg/g"), id="trace, ACR 70.7 mg/g known hypertension"),
    pytest.param(None, "2+", None, SUSPECTED.format(urine="urine protein 2+ (dipstick)"), id="2+ hypertension not recorded"),
    pytest.param(False, None, (70.7, "mg/g"), SUSPECTED.format(urine="ACR 70.7 mg/g"), id="ACR 70.7 mg/g no hypertension"),
    pytest.param(True, "neg", None, MEASURED.format(urine="urine protein neg (dipstick)"), id="negative known hypertension"),
    pytest.param(True, None, (70.6, "mg/g"), MEASURED.format(urine="ACR 70.6 mg/g"), id="ACR 70.6 mg/g known hypertension"),
    pytest.param(False, "trace", (7.9, "mg/mmol"), MEASURED.format(urine="urine protein trace (dipstick) and ACR 69.8 mg/g (reported 7.9 mg/mmol)"), id="trace, ACR 7.9 mg/mmol"),
]  # fmt: skip
PRESSURES = [
    pytest.param(140, 85, id="140/85"),
    pytest.param(130, 90, id="130/90"),
    pytest.param(159, 109, id="159/109"),
]


Urine = tuple[bool | None, str | None, tuple[float, str] | None, str]


def _assess_urine(
    policy: Policy, urine: Urine, pregnancy: dict[str, object], sbp: float, dbp: float
) -> Assessment:
    hypertension, protein, acr, _ = urine
    return assess(_context(hypertension, pregnancy), _readings(sbp, dbp, protein, acr), policy, now=NOW)


URINE_CASES = [pytest.param(tuple(case.values), id=case.id) for case in URINE]


@pytest.mark.parametrize(("sbp", "dbp"), PRESSURES)
@pytest.mark.parametrize("pregnancy", PREGNANCY)
@pytest.mark.parametrize("urine", URINE_CASES)
def test_a_measured_urine_is_not_asked_for_again_and_new_proteinuria_is_named(
    policy: Policy, urine: Urine, pregnancy: dict[str, object], sbp: float, dbp: float
) -> None:
    """From 140/90 to 159/109 the same day (60 minutes), as before: the wording alone changes."""
    a = _assess_urine(policy, urine, pregnancy, sbp, dbp)
    assert (a.disposition, a.recheck_minutes) == (U, 60)
    detail = _reason(a)
    assert f"(>=140 and/or >=90): {urine[3]}; measured " in detail
    assert ASKED not in detail


@pytest.mark.parametrize("pregnancy", PREGNANCY)
@pytest.mark.parametrize("urine", URINE_CASES)
def test_from_160_110_the_emergency_transfer_stays_and_no_reason_asks_for_the_urine(
    policy: Policy, urine: Urine, pregnancy: dict[str, object]
) -> None:
    """160/100: pregnancy_severe_hypertension's emergency transfer (15 minutes), this reason its
    supporting evidence as before; no reason asks for the urine protein measured."""
    a = _assess_urine(policy, urine, pregnancy, 160, 100)
    assert (a.disposition, a.recheck_minutes) == (E, 15)
    assert a.reasons[0].rule == "pregnancy_severe_hypertension"
    assert not [r.rule for r in a.reasons if ASKED in r.detail]


@pytest.mark.parametrize("pregnancy", PREGNANCY)
def test_with_no_urine_measured_it_is_asked_for_as_before(
    policy: Policy, pregnancy: dict[str, object]
) -> None:
    a = assess(_context(True, pregnancy), _readings(150, 95, None, None), policy, now=NOW)
    assert (a.disposition, a.recheck_minutes) == (U, 60)
    assert f"same-day obstetric assessment {ASKED}; measured " in _reason(a)


def test_before_20_weeks_it_is_chronic_hypertension_whatever_the_urine(policy: Policy) -> None:
    patient = _context(True, {"pregnant": True, "gestation_weeks": 19})
    a = assess(patient, _readings(150, 95, "2+", None), policy, now=NOW)
    assert "same-day obstetric assessment for chronic hypertension (before 20 weeks;" in _reason(a)
    assert "pre-eclampsia suspected" not in _reason(a) and "suspected superimposed" not in _reason(a)


# (patient, readings, English on the page, Chinese on the page)
PAGES = [
    pytest.param(
        _context(True, AT_30),
        _readings(150, 95, "1+", None),
        "same-day obstetric assessment for suspected superimposed pre-eclampsia (dipstick protein 1+ with known"
        " hypertension: new proteinuria from 20 weeks in chronic hypertension (ISSHP 2018), unless it was there"
        " before 20 weeks; symptoms)",
        "当日产科评估，疑似慢性高血压并发子痫前期（已知高血压，尿试纸蛋白 1+：慢性高血压孕妇 20 周起新出现蛋白尿，"
        "除非 20 周前已有；症状）",
        id="superimposed",
    ),
    pytest.param(
        _context(None, {"pregnant": True}),
        _readings(150, 95, "2+", None),
        "same-day obstetric assessment for suspected pre-eclampsia (dipstick protein 2+ with this pressure; symptoms)",
        "当日产科评估，疑似子痫前期（尿试纸蛋白 2+，伴此血压；症状）",
        id="suspected",
    ),
    pytest.param(
        _context(True, AT_30),
        _readings(150, 95, "neg", None),
        "same-day obstetric assessment for pre-eclampsia (symptoms; measured: dipstick protein neg)",
        "当日产科评估，排查子痫前期（症状；已测：尿试纸蛋白 阴性）",
        id="measured",
    ),
    pytest.param(
        _context(True, AT_30),
        _readings(150, 95, None, None),
        "same-day obstetric assessment for pre-eclampsia (urine protein, symptoms)",
        "当日产科评估，排查子痫前期（尿蛋白、症状）",
        id="not measured",
    ),
    pytest.param(
        _context(True, {"pregnant": True, "gestation_weeks": 12}),
        _readings(150, 95, "2+", None),
        "same-day obstetric assessment for chronic hypertension (before 20 weeks; pre-eclampsia is from 20 weeks)",
        "当日产科评估，评估慢性高血压（20 周前；子痫前期自 20 周起才可诊断）",
        id="12 weeks",
    ),
]


@pytest.mark.parametrize(("patient", "readings", "en_said", "zh_said"), PAGES)
def test_the_staff_pages_say_it_in_both_languages(
    policy: Policy, patient: PatientContext, readings: list[Observation], en_said: str, zh_said: str
) -> None:
    payload = _payload(patient, readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert en_said in en
    assert zh_said in zh
    assert not english_left(zh)
