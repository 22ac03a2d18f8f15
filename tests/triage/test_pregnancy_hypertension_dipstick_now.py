"""From 140/90 mmHg in pregnancy from 20 weeks, urine protein measured only before 20 weeks is asked for
again now (``triage.rules.blood_pressure``: ``pregnancy_hypertension``).

At 21 weeks, 150/95 mmHg and a 2+ dipstick measured 15 days earlier (at 19+6 at the latest; usable 30
days), ``pregnancy_hypertension`` said 'same-day obstetric assessment for pre-eclampsia (symptoms;
measured: urine protein 2+ (dipstick) (measured before 20 weeks))' (4cfb3cb1): the dipstick named as
not new proteinuria, but none asked for - where nothing from 20 weeks says whether there is new
proteinuria now, and NICE NG133 tests the urine for protein at each pressure check from 20 weeks. It
now asks for a dipstick now, the level unchanged; so with only an ACR surely before 20 weeks. A
minute short of surely before, 20+0 and the weeks not recorded: new proteinuria, as before; a reading
from 20 weeks beside the old one: nothing asked."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_pregnancy_dipstick_before_20_weeks import (
    A_MINUTE_SHORT,
    AT_20_PLUS_0,
    SURELY_BEFORE,
    SUSPECTED,
)
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

RULE = "pregnancy_hypertension"
NOW_ASKED = "for pre-eclampsia (a urine protein dipstick now: none from 20 weeks; symptoms; measured: {})"
DIPSTICK_BEFORE = "urine protein {} (dipstick) (measured before 20 weeks)"
ACR_BEFORE = "ACR 88.4 mg/g (reported 10 mg/mmol) (measured before 20 weeks)"


def _patient(weeks: int | None = 21) -> PatientContext:
    return PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=weeks)


def _pressure(sbp: float = 150, dbp: float = 95) -> list[Observation]:
    return [ob("sbp", sbp), ob("dbp", dbp)]


def _dipstick(age: timedelta, protein: str = "2+") -> Observation:
    return ob("urine_protein", protein, observed_at=NOW - age)


def _acr(age: timedelta) -> Observation:
    return ob("albumin_creatinine_ratio", 10, "mg/mmol", observed_at=NOW - age)


def _said(a: Assessment) -> tuple[str, dict[str, object]]:
    (reason,) = [r for r in a.reasons if r.rule == RULE]
    return reason.detail, dict(reason.values)


@pytest.mark.parametrize(
    ("urine", "named"),
    [
        ([_dipstick(SURELY_BEFORE)], DIPSTICK_BEFORE.format("2+")),
        ([_dipstick(SURELY_BEFORE, "neg")], DIPSTICK_BEFORE.format("neg")),
        ([_acr(timedelta(weeks=11))], ACR_BEFORE),
        (
            [_dipstick(SURELY_BEFORE), _acr(timedelta(weeks=11))],
            f"{DIPSTICK_BEFORE.format('2+')} and {ACR_BEFORE}",
        ),
    ],
    ids=["2+", "neg", "acr", "both"],
)
def test_urine_protein_measured_only_before_20_weeks_is_asked_for_now(
    policy: Policy, urine: list[Observation], named: str
) -> None:
    a = assess(_patient(), [*urine, *_pressure()], policy, now=NOW)
    detail, values = _said(a)
    assert NOW_ASKED.format(named) in detail, detail
    assert values["urine_protein_now"] is True and values["proteinuria"] is False
    assert a.disposition is Disposition.urgent_referral


def test_at_160_110_it_stays_an_emergency_and_the_dipstick_is_still_asked_for(policy: Policy) -> None:
    a = assess(_patient(), [_dipstick(SURELY_BEFORE), *_pressure(165, 112)], policy, now=NOW)
    assert a.disposition is Disposition.emergency_transfer
    assert _said(a)[1]["urine_protein_now"] is True


@pytest.mark.parametrize(
    ("urine", "weeks"),
    [
        ([_dipstick(A_MINUTE_SHORT)], 21),
        ([_dipstick(AT_20_PLUS_0)], 21),
        ([_dipstick(SURELY_BEFORE)], None),
    ],
    ids=["a-minute-short-of-surely-before", "20+0", "weeks-not-recorded"],
)
def test_a_dipstick_that_may_be_from_20_weeks_is_new_proteinuria_as_before(
    policy: Policy, urine: list[Observation], weeks: int | None
) -> None:
    detail, values = _said(assess(_patient(weeks), [*urine, *_pressure()], policy, now=NOW))
    assert SUSPECTED in detail and "dipstick now" not in detail, detail
    assert "urine_protein_now" not in values


def test_a_reading_from_20_weeks_beside_the_old_one_asks_nothing(policy: Policy) -> None:
    urine = [_dipstick(SURELY_BEFORE), ob("albumin_creatinine_ratio", 2, "mg/mmol")]
    detail, values = _said(assess(_patient(), [*urine, *_pressure()], policy, now=NOW))
    assert "for pre-eclampsia (symptoms; measured: urine protein 2+ (dipstick) (measured before 20" in detail
    assert "dipstick now" not in detail and "urine_protein_now" not in values


def test_the_staff_pages_ask_for_it_in_both_languages(policy: Policy) -> None:
    payload = _payload(_patient(), [_dipstick(SURELY_BEFORE), *_pressure()], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == RULE]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "a urine protein dipstick now: none from 20 weeks" in en and "(measured before 20 weeks)" in en, en
    assert "现在查尿试纸" in zh and "（测于 20 周前）" in zh and not english_left(zh), zh
