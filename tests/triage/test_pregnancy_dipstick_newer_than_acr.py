"""A dipstick from 20 weeks is quantified only by an ACR measured at the same time or after it.

``pregnancy_proteinuria_1plus`` and ``_2plus`` stayed silent beside an ACR from 20 weeks measured
before the dipstick: at 30 weeks, 120/75 mmHg, an ACR of 2 mg/mmol measured 5 days ago and a 2+
dipstick measured today, nothing was said (local care, re-checked in 30 days) - the ACR 'quantified' a
dipstick read after it, which is the newer reading: protein that appeared since says nothing in an
older ACR (NICE NG133 1.4.3-1.4.7 quantifies the dipstick; PRECOG refers new 2+ within 48 hours). The
dipstick is now read as with no ACR, the reason saying that the ACR is older and asking for a new one;
an ACR at the dipstick's time or after it still answers it, and so does one of 8 mg/mmol or more
(significant proteinuria already, read by ``pregnancy_proteinuria_acr``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from tests.triage.test_pregnancy_dipstick_acr_before_20_weeks import DIPSTICK_RULES
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

DIPSTICK_AT = NOW - timedelta(days=1)
OLDER = (
    "and no ACR since the dipstick (the ACR 17.7 mg/g (reported 2 mg/mmol) was measured before it: it does"
    " not quantify it - measure a new one): new proteinuria from 20 weeks can be the first sign of"
    " pre-eclampsia"
)


def _readings(protein: str, acr_at: timedelta, acr: float = 2) -> list[Observation]:
    return [
        ob("urine_protein", protein, observed_at=DIPSTICK_AT),
        ob("albumin_creatinine_ratio", acr, "mg/mmol", observed_at=DIPSTICK_AT + acr_at),
        ob("sbp", 120),
        ob("dbp", 75),
    ]


def _assess(policy: Policy, readings: list[Observation], weeks: int | None = 30) -> Assessment:
    patient = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=weeks)
    return assess(patient, readings, policy, now=NOW)


@pytest.mark.parametrize("weeks", [30, None], ids=["30 weeks", "weeks not recorded"])
@pytest.mark.parametrize(("protein", "rule", "level", "recheck"), DIPSTICK_RULES)
def test_an_acr_measured_before_the_dipstick_does_not_quantify_it(
    policy: Policy, protein: str, rule: str, level: Disposition, recheck: int, weeks: int | None
) -> None:
    for earlier in (timedelta(days=-4), timedelta(minutes=-1)):
        a = _assess(policy, _readings(protein, earlier), weeks)
        (reason,) = a.reasons
        assert reason.rule == rule and OLDER in reason.detail, reason.detail
        assert reason.values["acr_before_dipstick"] is True and reason.values["acr"] == pytest.approx(
            17.68, abs=0.01
        )
        assert a.disposition is level and a.recheck_minutes == recheck


@pytest.mark.parametrize("later", [timedelta(0), timedelta(minutes=1), timedelta(hours=12)])
def test_an_acr_at_the_dipstick_or_after_it_still_answers_it(policy: Policy, later: timedelta) -> None:
    for protein in ("1+", "2+"):
        a = _assess(policy, _readings(protein, later))
        assert a.reasons == [] and a.disposition is Disposition.local_care, a.reasons


def test_a_significant_acr_before_the_dipstick_is_already_the_answer(policy: Policy) -> None:
    a = _assess(policy, _readings("2+", timedelta(days=-4), acr=10))
    assert [r.rule for r in a.reasons] == ["pregnancy_proteinuria_acr"], a.reasons


def test_an_acr_before_20_weeks_is_still_said_so(policy: Policy) -> None:
    # at 21 weeks an ACR 5 weeks before the dipstick is surely before 20 weeks: that is said, as before
    (reason,) = _assess(policy, _readings("2+", timedelta(weeks=-5)), weeks=21).reasons
    assert "was measured before 20 weeks" in reason.detail and "acr_before_dipstick" not in reason.values


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=30)
    payload = _payload(patient, _readings("2+", timedelta(days=-4)), policy)
    (reason,) = payload["reasons"]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "no ACR since the dipstick" in en and "measure a new one" in en, en
    assert "早于该次尿试纸" in zh and "重新测定" in zh and not english_left(zh), zh
