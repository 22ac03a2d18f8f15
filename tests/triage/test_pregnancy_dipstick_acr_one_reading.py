"""A dipstick rule and the ACR rules read an ACR's date of measurement the same way.

At 24 completed weeks an ACR 4 to 5 weeks old may be from before 20 weeks (read from the weeks' first
day) or from 20 weeks (read from their last). The ACR and pressure rules read such an ACR of 8 mg/mmol
or more as new proteinuria from 20 weeks (``acr_surely_before_20_weeks``, cc7146ed), but
``pregnancy_proteinuria_2plus`` beside it said 'the ACR ... was measured before 20 weeks: it does not
quantify new proteinuria' - two readings of one ACR in one assessment. Now one predicate decides both:
such an ACR answers the dipstick (``pregnancy_proteinuria_acr`` reads it, 48 hours); below 8 mg/mmol
it still does not (the dipstick's rule fires as with no ACR, its level kept), and the reason says it
*may* have been measured before 20 weeks - 'was' only for an ACR surely before."""

from __future__ import annotations

from datetime import datetime, timedelta

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

# at 24 completed weeks: 4 weeks ago is 20+0 at the earliest, 5 weeks ago surely before 20 weeks
FIRST_DAY = NOW - timedelta(weeks=4)
SURELY_BEFORE = NOW - timedelta(weeks=5)
IN_THE_WINDOW = FIRST_DAY - timedelta(hours=1)
MAY_HAVE_BEEN = "may have been measured before 20 weeks: it does not quantify new proteinuria)"


def _acr(value: float, at: datetime) -> Observation:
    return ob("albumin_creatinine_ratio", value, "mg/mmol", observed_at=at)


def _patient(weeks: int | None = 24) -> PatientContext:
    return PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=weeks)


def _assess(
    policy: Policy,
    protein: str,
    acr: Observation,
    weeks: int | None = 24,
    dipstick_at: datetime | None = None,
) -> Assessment:
    dipstick = (
        ob("urine_protein", protein)
        if dipstick_at is None
        else ob("urine_protein", protein, observed_at=dipstick_at)
    )
    readings = [dipstick, ob("sbp", 120), ob("dbp", 75), acr]
    return assess(_patient(weeks), readings, policy, now=NOW)


def _found(a: Assessment) -> dict[str, tuple[str, dict[str, object]]]:
    return {r.rule: (r.detail, dict(r.values)) for r in a.reasons}


@pytest.mark.parametrize("protein", ["1+", "2+", "3+"])
@pytest.mark.parametrize(
    "at",
    [IN_THE_WINDOW, SURELY_BEFORE + timedelta(minutes=1)],
    ids=["an-hour-short-of-20+0", "a-minute-short"],
)
def test_an_acr_the_acr_rule_reads_as_new_is_not_called_measured_before_20_weeks(
    policy: Policy, protein: str, at: datetime
) -> None:
    a = _assess(policy, protein, _acr(10, at))
    found = _found(a)
    assert set(found) == {"pregnancy_proteinuria_acr"}, found
    assert "new proteinuria from 20 weeks" in found["pregnancy_proteinuria_acr"][0]
    assert not any("before 20 weeks" in r.detail for r in a.reasons), found
    assert a.disposition is Disposition.routine_referral and a.recheck_minutes == 2880


@pytest.mark.parametrize(
    ("protein", "rule", "level", "recheck"),
    [
        ("1+", "pregnancy_proteinuria_1plus", Disposition.local_care, 10080),
        ("2+", "pregnancy_proteinuria_2plus", Disposition.routine_referral, 2880),
    ],
)
def test_below_8_mg_mmol_an_acr_perhaps_before_20_weeks_still_leaves_the_dipstick_its_rule(
    policy: Policy, protein: str, rule: str, level: Disposition, recheck: int
) -> None:
    for at in (IN_THE_WINDOW, SURELY_BEFORE + timedelta(minutes=1)):
        a = _assess(policy, protein, _acr(2, at))
        found = _found(a)
        assert set(found) == {rule}, found
        detail, values = found[rule]
        assert f"no ACR from 20 weeks (the ACR 17.7 mg/g (reported 2 mg/mmol) {MAY_HAVE_BEEN}" in detail, (
            detail
        )
        assert values["acr_maybe_before_20_weeks"] is True and "acr_before_20_weeks" not in values
        assert a.disposition is level and a.recheck_minutes == recheck


def test_an_acr_surely_before_20_weeks_is_said_to_be_and_answers_nothing(policy: Policy) -> None:
    for value in (2, 10):
        found = _found(_assess(policy, "2+", _acr(value, SURELY_BEFORE)))
        detail, values = found["pregnancy_proteinuria_2plus"]
        assert " was measured before 20 weeks: it does not quantify" in detail, detail
        assert values["acr_before_20_weeks"] is True and "acr_maybe_before_20_weeks" not in values
        assert "pregnancy_proteinuria_acr" not in found


@pytest.mark.parametrize("value", [2, 10])
def test_an_acr_from_20_plus_0_or_with_the_weeks_not_recorded_answers_the_dipstick(
    policy: Policy, value: float
) -> None:
    # the dipstick measured with the ACR: an ACR older than the dipstick quantifies none at any week
    # (tests/triage/test_pregnancy_dipstick_newer_than_acr.py)
    for at, weeks in ((FIRST_DAY, 24), (NOW - timedelta(days=20), None)):
        found = _found(_assess(policy, "2+", _acr(value, at), weeks, dipstick_at=at))
        assert set(found) == ({"pregnancy_proteinuria_acr"} if value == 10 else set()), found


def test_the_staff_pages_say_may_have_been_in_both_languages(policy: Policy) -> None:
    readings = [ob("urine_protein", "2+"), ob("sbp", 120), ob("dbp", 75), _acr(2, IN_THE_WINDOW)]
    payload = _payload(_patient(), readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "pregnancy_proteinuria_2plus"]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "no ACR from 20 weeks (the ACR 17.7 mg/g" in en and MAY_HAVE_BEEN in en, en
    assert "尚无 20 周起的 ACR（ACR 17.7 mg/g" in zh and "可能测于 20 周前" in zh, zh
    assert not english_left(zh), zh
