"""assess(): observation selection, rule routing, model combination, insufficient data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, RECENT, normal_vitals, ob
from triage.assess import assess
from triage.assess_request import parse_request
from triage.assessment import Disposition, Tier
from triage.errors import ClinicError, NotFoundError
from triage.patient import PatientContext
from triage.policy import Policy, load_policy, policy_from_mapping

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
P = PatientContext(age=50, sex="male")


@pytest.mark.parametrize(
    ("name", "disposition", "red_flags"),
    [
        ("routine-referral.json", Disposition.routine_referral, []),
        ("urgent-referral.json", Disposition.urgent_referral, ["hypertensive_crisis", "bp_hearts_urgent"]),
        (
            "emergency-transfer.json",
            Disposition.emergency_transfer,
            ["news2_emergency", "altered_consciousness"],
        ),
        ("insufficient-data.json", Disposition.insufficient_data, []),
        (
            "censored-corrected.json",
            Disposition.urgent_referral,
            ["glucose_hhs_range", "ketones_with_hyperglycaemia"],
        ),
        ("local-care.json", Disposition.local_care, []),
        # a child (birth date: 6 years old, 7 tomorrow): NEWS2 does not apply, the vitals are not
        # scored, so no local care from them
        ("child-vitals.json", Disposition.insufficient_data, []),
    ],
)
def test_examples(name: str, disposition: Disposition, red_flags: list[str], policy: Policy) -> None:
    data = json.loads((EXAMPLES / name).read_text(encoding="utf-8"))
    assert data["synthetic"] is True and "FICTIONAL" in data["note"]
    req = parse_request(data, base_dir=EXAMPLES)
    a = assess(req.patient, req.observations, policy, now=req.assessed_at)
    assert a.disposition is disposition
    for flag in red_flags:
        assert flag in a.red_flags
    if not red_flags:
        assert a.red_flags == []


def test_normal_vitals_are_local_care(policy: Policy) -> None:
    a = assess(P, normal_vitals(), policy, now=NOW)
    assert a.disposition is Disposition.local_care
    assert a.target_tier is Tier.primary
    assert a.reasons == [] and a.scores["news2"].value == 0 and a.scores["news2"].complete
    assert a.recheck_minutes == policy.recheck_minutes[Disposition.local_care]


def test_no_observations_is_insufficient(policy: Policy) -> None:
    a = assess(P, [], policy, now=NOW)
    assert a.disposition is Disposition.insufficient_data and a.recheck_minutes == 0
    assert a.target_tier is Tier.primary
    assert "news2" in a.scores and a.scores["news2"].value is None


def test_only_non_decisive_readings_is_insufficient(policy: Policy) -> None:
    a = assess(P, [ob("hemoglobin", 140, "g/L")], policy, now=NOW)
    assert a.disposition is Disposition.insufficient_data
    assert any("decisive" in n for n in a.notes)


def test_non_decisive_reading_that_escalates_still_routes(policy: Policy) -> None:
    a = assess(PatientContext(age=70, sex="female"), [ob("creatinine", 2.5, "mg/dL")], policy, now=NOW)
    assert a.disposition is Disposition.urgent_referral
    assert a.red_flags == ["egfr_below_30"]


def test_observation_selection_reasons(policy: Policy) -> None:
    obs = [
        ob("sbp", 200, qc=True),
        ob("dbp", 130, status="preliminary"),
        ob("spo2", None, status="cannot_be_done"),
        ob("heart_rate", 70, observed_at=NOW - timedelta(hours=25)),
        ob("resp_rate", 16, observed_at=NOW + timedelta(minutes=30)),
        ob("temperature", 39.5, observed_at=RECENT - timedelta(minutes=5)),
        ob("temperature", 37.0),
    ]
    a = assess(P, obs, policy, now=NOW)
    reasons = {(i.code, i.reason) for i in a.ignored_observations}
    assert reasons == {
        ("sbp", "qc"),
        ("dbp", "not_final"),
        ("spo2", "cannot_be_done"),
        ("heart_rate", "stale"),
        ("resp_rate", "in_future"),
        ("temperature", "superseded"),
    }
    assert [o.code for o in a.observations_used] == ["temperature"]
    assert a.observations_used[0].value == 37.0
    assert a.disposition is Disposition.local_care


def test_every_superseded_reading_names_the_reading_used(policy: Policy) -> None:
    """Three temperatures in time order: the first named the second as "used", which was itself
    superseded by the third."""
    times = [RECENT - timedelta(minutes=m) for m in (20, 10, 0)]
    a = assess(
        P,
        [
            ob("temperature", t, "Cel", observed_at=at)
            for t, at in zip((37.0, 37.5, 38.0), times, strict=True)
        ],
        policy,
        now=NOW,
    )
    details = [i.detail for i in a.ignored_observations if i.reason == "superseded"]
    assert details == [f"a later temperature result from {RECENT.isoformat()} is used"] * 2


def test_readings_superseded_by_a_swapped_pressure_pair_do_not_say_it_is_used(policy: Policy) -> None:
    earlier = RECENT - timedelta(minutes=10)
    obs = [ob("sbp", 124, "mmHg", observed_at=earlier), ob("dbp", 76, "mmHg", observed_at=earlier)]
    obs += [ob("sbp", 80, "mmHg"), ob("dbp", 140, "mmHg")]
    a = assess(P, obs, policy, now=NOW)
    by_code = {(i.code, i.reason): i.detail for i in a.ignored_observations}
    for code in ("sbp", "dbp"):
        assert by_code[(code, "superseded")] == (
            f"a later {code} result from {RECENT.isoformat()} replaces it, but that one is not used either"
            " (dbp not below sbp); measure again"
        )
        assert (code, "implausible_pair") in by_code
    assert not {o.code for o in a.observations_used} & {"sbp", "dbp"}


def test_corrected_wins_over_final_at_the_same_time(policy: Policy) -> None:
    obs = [ob("sbp", 120, status="corrected"), ob("sbp", 190)]
    a = assess(P, obs, policy, now=NOW)
    assert a.observations_used[0].value == 120
    assert "hypertensive_crisis" not in a.red_flags


def test_freshness_limit_is_policy(policy: Policy) -> None:
    old = [
        ob("sbp", 200, observed_at=NOW - timedelta(hours=30)),
        ob("dbp", 90, observed_at=NOW - timedelta(hours=30)),
    ]
    assert assess(P, old, policy, now=NOW).disposition is Disposition.insufficient_data
    lenient = policy_from_mapping({"freshness": {"hours": {"sbp": 48, "dbp": 48}}})
    assert assess(P, old, lenient, now=NOW).disposition is Disposition.urgent_referral


def test_reasons_carry_values_and_are_sorted(policy: Policy) -> None:
    obs = [ob("sbp", 185), ob("dbp", 95), ob("glucose_random", 2.5)]
    a = assess(P, obs, policy, now=NOW)
    assert a.disposition is Disposition.urgent_referral
    first = a.reasons[0]
    assert first.red_flag and first.level is Disposition.urgent_referral
    crisis = next(r for r in a.reasons if r.rule == "hypertensive_crisis")
    assert crisis.values == {"sbp": 185.0, "dbp": 95.0}
    low = next(r for r in a.reasons if r.rule == "glucose_critical_low")
    assert low.values == {"glucose_random": "2.5 mmol/L"}
    ranks = [list(Disposition).index(r.level) for r in a.reasons]
    assert ranks == sorted(ranks)


def test_recheck_takes_the_shortest_applicable_interval(policy: Policy) -> None:
    a = assess(P, [ob("glucose_random", 3.5), *normal_vitals()], policy, now=NOW)
    assert a.disposition is Disposition.local_care
    assert a.recheck_minutes == 15  # level 1 hypoglycaemia: re-check in 15 minutes
    vitals = [o for o in normal_vitals() if o.code != "resp_rate"] + [ob("resp_rate", 22)]
    a = assess(P, vitals, policy, now=NOW)
    assert a.scores["news2"].value == 2 and a.recheck_minutes == 240


def test_missing_inputs_union(policy: Policy) -> None:
    a = assess(PatientContext(), [ob("sbp", 120), ob("dbp", 80)], policy, now=NOW)
    assert {"age", "sex", "spo2", "total_cholesterol", "waist"} <= set(a.missing_inputs)


def test_censored_glucose_fires_thresholds_at_or_below_its_bound(policy: Policy) -> None:
    a = assess(P, [ob("glucose_random", ">33.3")], policy, now=NOW)
    assert {"glucose_hhs_range", "glucose_critical_high"} <= set(a.red_flags)
    assert a.scores["glycaemia"].censored == ("glucose_random",)
    low = assess(P, [ob("glucose_random", "<1.1")], policy, now=NOW)
    assert "glucose_critical_low" in low.red_flags


def test_policy_can_move_and_switch_off_non_red_rules() -> None:
    obs = [ob("sbp", 182), ob("dbp", 100)]
    default = assess(P, obs, load_policy(), now=NOW)
    assert "bp_grade_3" in {r.rule for r in default.reasons}
    p = policy_from_mapping(
        {"rules": {"bp_grade_3": {"level": "off"}, "hypertensive_crisis": {"level": "emergency_transfer"}}}
    )
    a = assess(P, obs, p, now=NOW)
    assert "bp_grade_3" not in {r.rule for r in a.reasons}
    assert a.disposition is Disposition.emergency_transfer


def test_now_must_be_aware(policy: Policy) -> None:
    with pytest.raises(ClinicError, match="timezone"):
        assess(P, [], policy, now=NOW.replace(tzinfo=None))


@dataclass(frozen=True)
class FakePrediction:
    model: str
    probability: float | None
    threshold: float = 0.2
    version: str = "9.9.9"
    band: str = "high"
    missing: tuple[str, ...] = ()
    imputed: dict[str, float] = field(default_factory=dict)
    explanation: str = "test double"


@dataclass
class FakeModels:
    """A test double of triage.riskmodels.ModelSet's interface (owned by the risk-model area)."""

    predictions: list[FakePrediction]
    seen: list[dict[str, float | str]] = field(default_factory=list)

    @property
    def versions(self) -> dict[str, str]:
        return {p.model: p.version for p in self.predictions}

    def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> list[FakePrediction]:
        self.seen.append(dict(values))
        return self.predictions


def test_model_raises_local_care_to_routine(policy: Policy) -> None:
    models = FakeModels([FakePrediction("cvd10", 0.35)])
    a = assess(P, normal_vitals(), policy, models=models, now=NOW)
    assert a.disposition is Disposition.routine_referral
    assert a.rule_level is None and a.model_level is Disposition.routine_referral
    assert a.reasons[0].rule == "model:cvd10" and a.reasons[0].source == "model"
    # the built-in policy's cvd10 threshold (30 %, docs/assessment.md) overrides the card's 0.2
    assert a.reasons[0].values["probability"] == 0.35 and a.reasons[0].values["threshold"] == 0.3
    assert a.model_versions == {"cvd10": "9.9.9"}
    assert models.seen[0]["sbp"] == 124.0


def test_model_below_threshold_does_nothing(policy: Policy) -> None:
    a = assess(P, normal_vitals(), policy, models=FakeModels([FakePrediction("cvd10", 0.19)]), now=NOW)
    assert a.disposition is Disposition.local_care and a.models[0].above_threshold is False


def test_model_never_lowers_a_red_flag(policy: Policy) -> None:
    obs = [*normal_vitals()[:-2], ob("consciousness", "U"), ob("supplemental_o2", "air")]
    a = assess(P, obs, policy, models=FakeModels([FakePrediction("cvd10", 0.01)]), now=NOW)
    assert a.disposition is Disposition.emergency_transfer


def test_model_level_is_capped_by_policy() -> None:
    p = policy_from_mapping(
        {"models": {"max_level": "routine_referral", "default_level": "routine_referral"}}
    )
    a = assess(P, normal_vitals(), p, models=FakeModels([FakePrediction("cvd10", 0.99)]), now=NOW)
    assert a.disposition is Disposition.routine_referral
    p2 = policy_from_mapping(
        {"models": {"max_level": "urgent_referral", "cvd10": {"level": "urgent_referral"}}}
    )
    a2 = assess(P, normal_vitals(), p2, models=FakeModels([FakePrediction("cvd10", 0.99)]), now=NOW)
    assert a2.disposition is Disposition.urgent_referral


def test_policy_threshold_overrides_card_and_can_disable() -> None:
    p = policy_from_mapping({"models": {"cvd10": {"threshold": 0.5}, "stroke10": {"enabled": False}}})
    models = FakeModels([FakePrediction("cvd10", 0.35), FakePrediction("stroke10", 0.9)])
    a = assess(P, normal_vitals(), p, models=models, now=NOW)
    assert a.disposition is Disposition.local_care
    assert [m.model for m in a.models] == ["cvd10"] and a.models[0].threshold == 0.5
    assert any("stroke10 is disabled" in n for n in a.notes)


def test_unscored_model_is_reported_not_used(policy: Policy) -> None:
    a = assess(
        P,
        normal_vitals(),
        policy,
        models=FakeModels([FakePrediction("ckd", None, band="not_scored")]),
        now=NOW,
    )
    assert a.models[0].probability is None and a.models[0].level is None
    assert a.disposition is Disposition.local_care


def test_models_not_run_without_usable_observations(policy: Policy) -> None:
    models = FakeModels([FakePrediction("cvd10", 0.99)])
    a = assess(P, [ob("sbp", 130, qc=True)], policy, models=models, now=NOW)
    assert a.disposition is Disposition.insufficient_data and models.seen == []


def test_model_failure_keeps_rules_working(policy: Policy) -> None:
    class Broken(FakeModels):
        def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> list[FakePrediction]:
            raise NotFoundError("model file gone")

    a = assess(P, [ob("spo2", 88), *normal_vitals()[2:]], policy, models=Broken([]), now=NOW)
    assert a.disposition is Disposition.urgent_referral
    assert any("model file gone" in n for n in a.notes)


def test_model_runtime_crash_never_blocks_a_red_flag(policy: Policy) -> None:
    class Crashing(FakeModels):
        def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> list[FakePrediction]:
            raise RuntimeError("onnxruntime: bad allocation")

    obs = [ob("consciousness", "U"), *normal_vitals()[:-2]]
    a = assess(P, obs, policy, models=Crashing([]), now=NOW)
    assert a.disposition is Disposition.emergency_transfer and a.models == []
    assert any("RuntimeError" in n for n in a.notes)


def test_real_models_integration(policy: Policy) -> None:
    riskmodels = pytest.importorskip(
        "triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present"
    )
    models = riskmodels.load_models()
    data = json.loads((EXAMPLES / "routine-referral.json").read_text(encoding="utf-8"))
    req = parse_request(data, base_dir=EXAMPLES)
    a = assess(req.patient, req.observations, policy, models=models, now=req.assessed_at)
    assert set(a.model_versions) == set(models.versions)
    assert {m.model for m in a.models} <= set(models.versions)
    assert a.disposition is Disposition.routine_referral  # rules already refer; models cannot lower it
    scored = [m for m in a.models if m.probability is not None]
    assert scored, "at least one shipped model scores the routine example"
    for m in scored:
        assert 0.0 <= m.probability <= 1.0  # type: ignore[operator]
        assert "not for clinical use" in m.explanation or "teaching" in m.explanation
    emergency = parse_request(
        json.loads((EXAMPLES / "emergency-transfer.json").read_text()), base_dir=EXAMPLES
    )
    e = assess(emergency.patient, emergency.observations, policy, models=models, now=emergency.assessed_at)
    assert e.disposition is Disposition.emergency_transfer
