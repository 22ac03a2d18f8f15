"""The routing rules at their cut-points on both sides, beyond tests/triage/test_rules.py's one pair
per rule: NEWS2's bands as Chart 3 prints them (1-4 low, 5-6 urgent, >=7 emergency: RCP 2017) at
every total from 4 to 7, and an incomplete NEWS2 (a lower bound) just below and at 7. Each case
killed a mutant of triage/rules/ (a flipped comparison or a constant one step off) that
test_rules.py let live. Through assess(), as a patient's readings reach it."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy, policy_from_mapping

NEWS2_RULES = ("news2_emergency", "news2_urgent", "news2_low_elevated")
NORMAL = {"resp_rate": 16, "spo2": 97, "sbp": 120, "heart_rate": 70, "temperature": 37.0}
# complete NEWS2 totals with no parameter at 3 (so no red score): 2 + 1 + 1, then one point more each
TOTALS = {
    4: {"resp_rate": 22, "heart_rate": 100, "temperature": 38.5},
    5: {"resp_rate": 22, "heart_rate": 100, "temperature": 38.5, "spo2": 95},
    6: {"resp_rate": 22, "heart_rate": 100, "temperature": 38.5, "spo2": 95, "sbp": 105},
    7: {"resp_rate": 22, "heart_rate": 120, "temperature": 38.5, "spo2": 95, "sbp": 105},
}


def _news2_rules(policy: Policy, readings: dict[str, float | str]) -> tuple[str, list[str], int]:
    obs = [ob(code, value) for code, value in readings.items()]
    a = assess(PatientContext(age=50), obs, policy, now=NOW)
    news2 = [r.rule for r in a.reasons if r.rule in NEWS2_RULES]
    return a.disposition.value, news2, a.recheck_minutes


@pytest.mark.parametrize(
    ("total", "rule"),
    [(4, "news2_low_elevated"), (5, "news2_urgent"), (6, "news2_urgent"), (7, "news2_emergency")],
)
def test_each_complete_news2_total_fires_its_band_rule_alone(policy: Policy, total: int, rule: str) -> None:
    readings: dict[str, float | str] = {
        **NORMAL,
        **TOTALS[total],
        "consciousness": "A",
        "supplemental_o2": "air",
    }
    _, fired, _ = _news2_rules(policy, readings)
    assert fired == [rule]


@pytest.mark.parametrize(
    ("resp_rate", "rule", "asks_now", "disposition", "recheck"),
    [
        (22, "news2_urgent", True, "urgent_referral", 0),  # pulse 131 (3) + RR 22 (2) + 38.5 C (1) = 6 so far
        (
            25,
            "news2_emergency",
            False,
            "emergency_transfer",
            15,
        ),  # RR 25 (3): 7, the emergency response already
    ],
)
def test_an_incomplete_news2_below_7_asks_for_the_missing_observations_now(
    policy: Policy, resp_rate: float, rule: str, asks_now: bool, disposition: str, recheck: int
) -> None:
    """SpO2, air/oxygen, SBP and ACVPU missing: a lower bound of 6 is measured again now, one of 7
    keeps the emergency response (tests/triage/test_rules.py checks 9)."""
    a = assess(
        PatientContext(age=50),
        [ob("heart_rate", 131), ob("resp_rate", resp_rate), ob("temperature", 38.5)],
        policy,
        now=NOW,
    )
    (found,) = [r for r in a.reasons if r.rule == rule]
    assert ("measure the missing observations now" in found.detail) is asks_now
    assert (a.disposition.value, a.recheck_minutes) == (disposition, recheck)


def _fired(policy: Policy, patient: PatientContext, readings: dict[str, float | str]) -> set[str]:
    a = assess(patient, [ob(code, value) for code, value in readings.items()], policy, now=NOW)
    return {r.rule for r in a.reasons}


@pytest.mark.parametrize(("sbp", "dbp", "fires"), [(140, 85, True), (139, 89, False), (135, 90, True)])
def test_a_pressure_in_pregnancy_refers_from_140_or_90(
    policy: Policy, sbp: float, dbp: float, fires: bool
) -> None:
    pregnant = PatientContext(age=30, sex="female", pregnant=True)
    assert ("pregnancy_hypertension" in _fired(policy, pregnant, {"sbp": sbp, "dbp": dbp})) is fires


CRB65_ON = policy_from_mapping({"rules": {"crb65_intermediate": {"level": "routine_referral"}}})
CRB65_READINGS: dict[str, float | str] = {"consciousness": "A", "resp_rate": 16, "sbp": 120, "dbp": 80}


@pytest.mark.parametrize(
    ("total", "age", "changed", "fires"),
    [
        (0, 50, {}, False),
        (1, 50, {"resp_rate": 30}, True),
        (2, 65, {"resp_rate": 30}, True),
        (3, 65, {"resp_rate": 30, "consciousness": "C"}, False),
    ],
)
def test_crb65_intermediate_is_1_to_2_points(
    total: int, age: float, changed: dict[str, float | str], fires: bool
) -> None:
    a = assess(
        PatientContext(age=age),
        [ob(code, value) for code, value in {**CRB65_READINGS, **changed}.items()],
        CRB65_ON,
        now=NOW,
    )
    assert a.scores["crb65"].value == total and a.scores["crb65"].complete
    assert ("crb65_intermediate" in {r.rule for r in a.reasons}) is fires


@pytest.mark.parametrize(
    ("sbp", "dbp", "named"),
    [(89, 61, ["sbp"]), (90, 60, ["dbp"]), (89, 60, ["sbp", "dbp"])],
)
def test_crb65_names_the_pressure_that_scored_at_its_cut_point(
    policy: Policy, sbp: float, dbp: float, named: list[str]
) -> None:
    """CRB-65's B: SBP <90 or DBP <=60 (Lim 2003); the reason names only the pressure that met it."""
    readings = {**CRB65_READINGS, "resp_rate": 30, "consciousness": "C", "sbp": sbp, "dbp": dbp}
    a = assess(PatientContext(age=50), [ob(code, value) for code, value in readings.items()], policy, now=NOW)
    (high,) = [r for r in a.reasons if r.rule == "crb65_high"]
    scoring = high.detail.split("; scoring: ")[1].split(";")[0]  # "resp_rate 30 /min, ..., sbp 89 mmHg"
    assert [part.split(" ")[0] for part in scoring.split(", ") if part.startswith(("sbp", "dbp"))] == named


def test_total_cholesterol_just_above_310_mg_dl_refers(policy: Policy) -> None:
    """HEARTS-D: above 310 mg/dL refers, 310 itself does not (tests/triage/test_rules.py)."""
    readings = [ob("total_cholesterol", 310.1, "mg/dL"), ob("spo2", 98)]
    a = assess(PatientContext(), readings, policy, now=NOW)
    assert "total_cholesterol_above_8" in {r.rule for r in a.reasons}


@pytest.mark.parametrize(
    ("patient", "readings", "rule", "minutes"),
    [
        # ADA 2025 s6: treat a level-1 hypoglycaemia and re-check the glucose in 15 minutes
        (PatientContext(age=50), {"glucose_random": 3.8}, "hypoglycaemia_level1", 15),
        # AAP 2017 stage 2: refer within 1 week; stage 1: repeat within 1-2 weeks
        (PatientContext(age=15), {"sbp": 140, "dbp": 80}, "bp_adolescent_stage_2", 10080),
        (PatientContext(age=15), {"sbp": 130, "dbp": 79}, "bp_adolescent_stage_1", 10080),
        # a dipstick 1+ is confirmed with an ACR within 4 weeks, a 2+ repeated within 1 week
        (PatientContext(age=50), {"urine_protein": "1+", "sbp": 120, "dbp": 75}, "proteinuria_1plus", 40320),
        (PatientContext(age=50), {"urine_protein": "2+", "sbp": 120, "dbp": 75}, "proteinuria_2plus", 10080),
    ],
)
def test_a_rule_s_own_re_check_interval_is_the_assessment_s(
    policy: Policy, patient: PatientContext, readings: dict[str, float | str], rule: str, minutes: int
) -> None:
    a = assess(patient, [ob(code, value) for code, value in readings.items()], policy, now=NOW)
    assert rule in {r.rule for r in a.reasons}
    assert a.recheck_minutes == minutes
