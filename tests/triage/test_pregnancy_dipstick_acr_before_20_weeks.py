"""A dipstick from 20 weeks is quantified only by an ACR from 20 weeks.

``pregnancy_proteinuria_1plus`` and ``_2plus`` stayed silent beside any usable ACR: a woman at 24 weeks
with dipstick protein 2+ and 120/75 mmHg whose only ACR, 2 mg/mmol, was measured at 12 weeks (still
fresh: laboratory values are kept 90 days) was local care, re-checked in 30 days, nothing said - where
NICE NG133 (2019) 1.4.3-1.4.7 quantifies a dipstick of 1+ or more from 20 weeks (ACR significant from
8 mg/mmol) and PRECOG refers new proteinuria of 2+ to a hospital assessment within 48 hours. An ACR
measured before 20 weeks of the weeks recorded (read from the weeks' first day, the earliest she may
be) does not answer that question: the dipstick is read as with no ACR and the reason says why. An ACR
from 20 weeks is still the answer (nothing said by these rules); one not final, stale or QC-flagged is
none (``triage.selection``), as before; with the weeks not recorded the ACR is counted as from 20 weeks,
as she is."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.service.test_engine_text import _payload
from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, RECENT, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

BEFORE = (
    "no ACR from 20 weeks (the ACR 17.7 mg/g (reported 2 mg/mmol) was measured before 20 weeks: it does"
    " not quantify new proteinuria)"
)
# at 24 completed weeks, 4 weeks ago is the 20th week's first day at the earliest
AT_20_WEEKS = NOW - timedelta(weeks=4)


def _acr(observed_at: object = AT_20_WEEKS, **kw: object) -> Observation:
    return ob("albumin_creatinine_ratio", 2, "mg/mmol", observed_at=observed_at, **kw)


def _assess(
    policy: Policy,
    protein: str,
    acr: Observation,
    weeks: int | None = 24,
    symptoms: list[str] | None = None,
    dipstick_at: datetime | None = None,
) -> Assessment:
    patient = PatientContext(
        age=30, sex="female", pregnant=True, gestation_weeks=weeks, acute_symptoms=symptoms
    )
    dipstick = (
        ob("urine_protein", protein)
        if dipstick_at is None
        else ob("urine_protein", protein, observed_at=dipstick_at)
    )
    readings = [dipstick, ob("sbp", 120), ob("dbp", 75), acr]
    return assess(patient, readings, policy, now=NOW)


def _found(a: Assessment) -> dict[str, tuple[str, dict[str, object]]]:
    return {r.rule: (r.detail, dict(r.values)) for r in a.reasons}


# each dipstick, the rule that reads it on the pre-eclampsia pathway, its level and re-check
DIPSTICK_RULES = [
    ("1+", "pregnancy_proteinuria_1plus", Disposition.local_care, 10080),
    ("2+", "pregnancy_proteinuria_2plus", Disposition.routine_referral, 2880),
    ("3+", "pregnancy_proteinuria_2plus", Disposition.routine_referral, 2880),
]


@pytest.mark.parametrize(("protein", "rule", "level", "recheck"), DIPSTICK_RULES)
def test_an_acr_from_before_20_weeks_does_not_silence_the_dipstick(
    policy: Policy, protein: str, rule: str, level: Disposition, recheck: int
) -> None:
    # an hour before the 20th week's first day (perhaps before 20 weeks: said so, the ACR below 8
    # mg/mmol - tests/triage/test_pregnancy_dipstick_acr_one_reading.py), and at 12 weeks (12 weeks
    # before: still fresh)
    for at, flag, said in (
        (
            AT_20_WEEKS - timedelta(hours=1),
            "acr_maybe_before_20_weeks",
            BEFORE.replace("was", "may have been"),
        ),
        (NOW - timedelta(weeks=12), "acr_before_20_weeks", BEFORE),
    ):
        a = _assess(policy, protein, _acr(at))
        found = _found(a)
        assert set(found) == {rule}, found
        detail, values = found[rule]
        assert detail.startswith(
            f"urine protein {protein} (dipstick) in pregnancy at 24 weeks and {said}: new"
        ), detail
        assert values[flag] is True and values["acr"] == pytest.approx(17.68, abs=0.01)
        assert a.disposition is level and a.recheck_minutes == recheck


@pytest.mark.parametrize("protein", ["1+", "2+"])
def test_an_acr_from_20_weeks_still_answers_it(policy: Policy, protein: str) -> None:
    # measured with the dipstick or after it (an older ACR quantifies no dipstick at any week:
    # tests/triage/test_pregnancy_dipstick_newer_than_acr.py)
    for at in (AT_20_WEEKS, NOW - timedelta(minutes=5)):
        a = _assess(policy, protein, _acr(at), dipstick_at=min(at, RECENT))
        assert _found(a) == {} and a.disposition is Disposition.local_care


@pytest.mark.parametrize(
    "acr",
    [
        _acr(NOW - timedelta(days=91)),  # stale (90 days)
        _acr(status="preliminary"),
        _acr(qc=True),
    ],
    ids=["stale", "preliminary", "qc"],
)
def test_an_acr_not_usable_is_none(policy: Policy, acr: Observation) -> None:
    found = _found(_assess(policy, "2+", acr))
    detail, values = found["pregnancy_proteinuria_2plus"]
    assert " and no ACR: new proteinuria" in detail and "acr_before_20_weeks" not in values


def test_with_the_weeks_not_recorded_the_acr_counts_as_from_20_weeks(policy: Policy) -> None:
    at = NOW - timedelta(days=20)  # the dipstick a day before it, still usable (30 days)
    assert _found(_assess(policy, "2+", _acr(at), weeks=None, dipstick_at=at - timedelta(days=1))) == {}
    # not said to be before 20 weeks; older than the dipstick, it does not quantify it
    (detail, values), *_ = _found(_assess(policy, "2+", _acr(at), weeks=None)).values()
    assert values["acr_before_dipstick"] is True and "before 20 weeks" not in detail, detail


def test_with_a_symptom_it_is_evidence_for_the_same_day_assessment(policy: Policy) -> None:
    a = _assess(policy, "2+", _acr(NOW - timedelta(weeks=12)), symptoms=["headache"])
    found = _found(a)
    detail, values = found["pregnancy_proteinuria_2plus"]
    assert values["deferred_to"] == "pregnancy_proteinuria_symptoms" and BEFORE in detail
    assert a.disposition is Disposition.urgent_referral


@pytest.mark.parametrize("symptoms", [None, ["headache"]], ids=["own", "deferred"])
def test_the_staff_pages_say_it_in_both_languages(policy: Policy, symptoms: list[str] | None) -> None:
    patient = PatientContext(age=30, sex="female", pregnant=True, gestation_weeks=24, acute_symptoms=symptoms)
    readings = [ob("urine_protein", "2+"), ob("sbp", 120), ob("dbp", 75), _acr(NOW - timedelta(weeks=12))]
    payload = _payload(patient, readings, policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "pregnancy_proteinuria_2plus"]
    en, zh = EngineText("en", payload).rule_detail(reason), EngineText("zh", payload).rule_detail(reason)
    assert "and no ACR from 20 weeks (the ACR 17.7 mg/g" in en and "measured before 20 weeks" in en, en
    assert "尚无 20 周起的 ACR（ACR 17.7 mg/g" in zh and "测于 20 周前" in zh, zh
    assert not english_left(zh), zh
