"""A pressure of 160 and/or 110 mmHg or more in pregnancy is severe hypertension, an obstetric
emergency once confirmed (ACOG Committee Opinion 767, 2019: treat within 30-60 minutes; NICE
NG133: admit). It was an urgent (same-day) referral like 140/90, unless it reached 180/110 with a
headache recorded."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.patient import PatientContext
from triage.policy import load_policy

PREGNANT = PatientContext(age=30, sex="female", pregnant=True)


@pytest.mark.parametrize(
    ("sbp", "dbp", "emergency"),
    [
        (160, 90, True),
        (159, 90, False),
        (150, 110, True),
        (150, 109, False),
        (159, 109, False),
        (None, 110, True),
    ],
)
def test_severe_hypertension_in_pregnancy_is_an_emergency(
    sbp: float | None, dbp: float, emergency: bool
) -> None:
    readings = [ob(code, v) for code, v in (("sbp", sbp), ("dbp", dbp)) if v is not None]
    a = assess(PREGNANT, readings, load_policy(), now=NOW)
    fired = [r for r in a.reasons if r.rule == "pregnancy_severe_hypertension"]
    if emergency:
        assert a.disposition is Disposition.emergency_transfer
        assert "pregnancy_severe_hypertension" in a.red_flags
        assert "confirm within 15 minutes; emergency transfer" in fired[0].detail
        assert a.recheck_minutes == 15
    else:
        assert not fired
        assert a.disposition is Disposition.urgent_referral  # pregnancy_hypertension, same day


def test_not_in_pregnancy() -> None:
    a = assess(
        PatientContext(age=30, sex="female", pregnant=False),
        [ob("sbp", 165), ob("dbp", 100)],
        load_policy(),
        now=NOW,
    )
    assert "pregnancy_severe_hypertension" not in {r.rule for r in a.reasons}


def test_a_censored_pressure_is_shown_as_read() -> None:
    """'>250' was shown '250/?' (the comparator dropped) in the pregnancy and proteinuria reasons."""
    a = assess(PREGNANT, [ob("sbp", ">250"), ob("urine_protein", "1+")], load_policy(), now=NOW)
    details = {r.rule: r.detail for r in a.reasons}
    assert details["pregnancy_hypertension"].startswith("blood pressure >250/? mmHg in pregnancy")
    assert details["pregnancy_severe_hypertension"].startswith("blood pressure >250/? mmHg in pregnancy")
    assert "with blood pressure >250/? mmHg (grade 3 range)" in details["proteinuria_with_hypertension"]
