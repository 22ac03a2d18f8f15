"""Dipstick protein without hypertension and with no ACR, at each dipstick level: 1+ asks for an ACR
within 4 weeks (re-check 28 days), 2+ for the ACR now (re-check 7 days; local care both), 3+ and 4+
(the range KDIGO refers) refer (non-emergency); trace reaches no rule; with hypertension
proteinuria_with_hypertension refers instead; an ACR decides by itself."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_rules import ALL_ON
from triage.assess import assess
from triage.patient import PatientContext

KIDNEY_RULES = {
    "proteinuria_1plus",
    "proteinuria_2plus",
    "proteinuria_3plus",
    "proteinuria_with_hypertension",
    "albuminuria",
}


def _assessed(protein: str, *, hypertension: bool = False, acr: float | None = None) -> tuple[set[str], str]:
    readings = [ob("urine_protein", protein, None), ob("sbp", 120, None), ob("dbp", 75, None)]
    if acr is not None:
        readings.append(ob("albumin_creatinine_ratio", acr, "mg/g"))
    a = assess(PatientContext(age=50, sex="male", hypertension=hypertension), readings, ALL_ON, now=NOW)
    return {r.rule for r in a.reasons} & KIDNEY_RULES, a.disposition.value


@pytest.mark.parametrize(
    ("protein", "rules", "disposition"),
    [
        ("neg", set(), "local_care"),
        ("trace", set(), "local_care"),
        ("1+", {"proteinuria_1plus"}, "local_care"),
        ("2+", {"proteinuria_2plus"}, "local_care"),
        ("3+", {"proteinuria_3plus"}, "routine_referral"),
        ("4+", {"proteinuria_3plus"}, "routine_referral"),
    ],
)
def test_each_dipstick_level_without_hypertension(protein: str, rules: set[str], disposition: str) -> None:
    assert _assessed(protein) == (rules, disposition)


@pytest.mark.parametrize("protein", ["1+", "2+", "3+", "4+"])
def test_with_hypertension_the_hypertension_rule_refers_alone(protein: str) -> None:
    assert _assessed(protein, hypertension=True) == ({"proteinuria_with_hypertension"}, "routine_referral")


@pytest.mark.parametrize(("acr", "rules"), [(20.0, set()), (45.0, {"albuminuria"})])
def test_an_acr_decides_by_itself(acr: float, rules: set[str]) -> None:
    assert _assessed("3+", acr=acr)[0] == rules


def test_the_2plus_reason_asks_for_the_acr_now() -> None:
    a = assess(PatientContext(age=50), [ob("urine_protein", "2+", None)], ALL_ON, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule == "proteinuria_2plus"]
    assert reason.detail.startswith(
        "urine protein 2+ (dipstick) and no ACR: about 100 mg/dL - measure the ACR"
    )


@pytest.mark.parametrize(
    ("protein", "recheck", "asks"),
    [
        ("1+", 40320, "about 30 mg/dL - confirm with a urine ACR and creatinine within 4 weeks"),
        ("2+", 10080, "measure the ACR and creatinine now; repeat the dipstick within 1 week"),
    ],
)
def test_a_positive_dipstick_is_re_checked_when_its_acr_is_due(protein: str, recheck: int, asks: str) -> None:
    """KDIGO 2024: a positive dipstick is confirmed with a quantified test (ACR). 1+ reached no rule
    and 2+ had no re-check of its own: both were re-assessed at local care's 30 days."""
    readings = [ob("urine_protein", protein, None), ob("sbp", 120, None), ob("dbp", 75, None)]
    a = assess(PatientContext(age=50, diabetes=True), readings, ALL_ON, now=NOW)
    (reason,) = [r for r in a.reasons if r.rule.startswith("proteinuria_")]
    assert asks in reason.detail, reason.detail
    assert a.disposition.value == "local_care" and a.recheck_minutes == recheck
