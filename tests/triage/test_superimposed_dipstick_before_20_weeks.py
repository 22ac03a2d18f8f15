"""Known hypertension and a dipstick surely measured before 20 weeks is not superimposed pre-eclampsia's
new proteinuria (``triage.rule_checks.proteinuria``: ``proteinuria_with_hypertension``).

At 21 weeks, known (chronic) hypertension, 130/85 mmHg and a 2+ dipstick measured 15 days earlier (at
19+6 at the latest; a dipstick stays usable 30 days), the rule said 'superimposed pre-eclampsia
suspected - new proteinuria from 20 weeks in chronic hypertension ..., unless it was there before 20
weeks' - where every other rule now reads the dipstick by its own date (NICE NG133 counts new
proteinuria from 20 weeks; ``triage.gestation.measured_before_20_weeks``, 4cfb3cb1, 12431523): beside
it ``pregnancy_proteinuria_2plus`` said 'measured before 20 weeks: not the new proteinuria'. It now
says what it may be (kidney disease, a high risk factor for pre-eclampsia) and what to do (repeat the
dipstick now, quantify it, the creatinine, tell her obstetric team), its level and re-check kept. A
minute short of surely before, from 20+0, the weeks not recorded and after birth: as before."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_pregnancy_dipstick_before_20_weeks import A_MINUTE_SHORT, AT_20_PLUS_0, SURELY_BEFORE
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "proteinuria_with_hypertension"
BEFORE = (
    "with known hypertension in pregnancy at 21 weeks, measured before 20 weeks: not the new proteinuria"
    " from 20 weeks that suggests superimposed pre-eclampsia (ISSHP 2018; NICE NG133) - it may be kidney"
    " disease, a high risk factor for pre-eclampsia; repeat the dipstick now"
)


def _patient(weeks: int | None = 21, **more: object) -> PatientContext:
    fields: dict[str, object] = {"age": 30, "sex": "female", "hypertension": True}
    fields |= {"pregnant": True, "gestation_weeks": weeks} if "postpartum" not in more else {}
    return PatientContext(**(fields | more))  # type: ignore[arg-type]


def _readings(age: timedelta, *pressure: float) -> list[Observation]:
    bp = [ob("sbp", pressure[0]), ob("dbp", pressure[1])] if pressure else []
    return [ob("urine_protein", "2+", observed_at=NOW - age), *bp]


def _reason(a: Assessment) -> tuple[str, dict[str, object]]:
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    return reason.detail, dict(reason.values)


@pytest.mark.parametrize("pressure", [(130, 85), ()], ids=["130/85", "no pressure"])
def test_a_dipstick_surely_before_20_weeks_is_not_called_superimposed(
    policy: Policy, pressure: tuple[float, ...]
) -> None:
    a = assess(_patient(), _readings(SURELY_BEFORE, *pressure), policy, now=NOW)
    detail, values = _reason(a)
    assert f"urine protein 2+ (dipstick) {BEFORE}" in detail, detail
    assert "superimposed pre-eclampsia suspected" not in detail
    assert "quantify it" in detail and "creatinine" in detail and "tell her obstetric team" in detail
    assert values["urine_protein_before_20_weeks"] is True and "superimposed" not in values
    # the level and the re-check as for a dipstick from 20 weeks: a referral; with no pressure measured,
    # the pressure measured now
    new = assess(_patient(), _readings(AT_20_PLUS_0, *pressure), policy, now=NOW)
    assert a.disposition is new.disposition is Disposition.routine_referral
    assert a.recheck_minutes == new.recheck_minutes
    assert ("; no blood pressure measured: measure it now" in detail) is not bool(pressure)
    if not pressure:
        assert a.recheck_minutes == 0


@pytest.mark.parametrize(
    ("age", "patient"),
    [
        (A_MINUTE_SHORT, {}),
        (AT_20_PLUS_0, {}),
        (SURELY_BEFORE, {"weeks": None}),
        (SURELY_BEFORE, {"postpartum": True}),
    ],
    ids=["a-minute-short-of-surely-before", "20+0", "weeks-not-recorded", "after-birth"],
)
def test_a_dipstick_that_may_be_from_20_weeks_is_as_before(
    policy: Policy, age: timedelta, patient: dict[str, object]
) -> None:
    a = assess(_patient(**patient), _readings(age, 130, 85), policy, now=NOW)
    detail, values = _reason(a)
    assert "measured before 20 weeks" not in detail and "urine_protein_before_20_weeks" not in values
    if "postpartum" not in patient:
        assert "superimposed pre-eclampsia suspected" in detail and values["superimposed"] is True


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    payload = _payload(_patient(), _readings(SURELY_BEFORE, 130, 85), policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "measured before 20 weeks" in en and "kidney disease" in en and "repeat the dipstick now" in en, en
    assert "suspected" not in en, en
    assert "测于 20 周前" in zh and "现在复查尿试纸" in zh and "疑似" not in zh and not english_left(zh), zh
