"""A child's glucose below the critical low is treated with a child's dose (``glucose_critical_low``).

The reason said "treat now (15-20 g fast-acting glucose)" at every age: the adult dose (ADA 2025 s6),
for a 4-year-old of 16 kg about four times hers. ISPAD's Clinical Practice Consensus Guidelines 2022
(hypoglycaemia in children and adolescents) give fast-acting glucose by weight, 0.3 g/kg. Under 18
(completed years) the reason and the staff pages now say so; the level, the re-check in 15 minutes and
the urgent referral are unchanged; with the age unknown the adult dose, as before."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

CHILD = "treat now (fast-acting glucose 0.3 g/kg for a child (ISPAD 2022), not the adult 15-20 g), re-check in 15 minutes"
ADULT = "treat now (15-20 g fast-acting glucose), re-check in 15 minutes"


def _assess(policy: Policy, **patient: object) -> Assessment:
    readings = [ob("glucose_random", 2.6), ob("sbp", 100), ob("dbp", 60)]
    return assess(PatientContext(**patient), readings, policy, now=NOW)  # type: ignore[arg-type]


def _detail(a: Assessment) -> str:
    (detail,) = [r.detail for r in a.reasons if r.rule == "glucose_critical_low"]
    return detail


@pytest.mark.parametrize("age", [1, 4, 12, 17])
def test_a_child_is_given_a_childs_dose(policy: Policy, age: int) -> None:
    a = _assess(policy, age=age)
    assert CHILD in _detail(a) and "refer urgently (same day)" in _detail(a)
    adult = _assess(policy, age=40)
    assert a.disposition is adult.disposition is Disposition.urgent_referral


@pytest.mark.parametrize("patient", [{"age": 18}, {"age": 60}, {}])
def test_an_adult_or_an_unknown_age_keeps_the_adult_dose(policy: Policy, patient: dict[str, object]) -> None:
    assert ADULT in _detail(_assess(policy, **patient))


def test_the_staff_pages_say_the_childs_dose_in_both_languages(policy: Policy) -> None:
    readings = [ob("glucose_random", 2.6), ob("sbp", 100), ob("dbp", 60)]
    for age, en, zh in (
        (4, "0.3 g/kg for a child", "0.3 g/kg"),
        (40, "15-20 g fast-acting glucose", "口服 15-20 g 速效葡萄糖"),
    ):
        payload = _payload(PatientContext(age=age), readings, policy)
        (reason,) = [r for r in payload["reasons"] if r["rule"] == "glucose_critical_low"]
        shown_en, shown_zh = (EngineText(lang, payload).rule_detail(reason) for lang in ("en", "zh"))
        assert en in shown_en and zh in shown_zh, (shown_en, shown_zh)
        assert ("0.3 g/kg" in shown_en) is (age < 18) and ("0.3 g/kg" in shown_zh) is (age < 18)
