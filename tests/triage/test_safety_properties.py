"""The four safety invariants of assess(), checked with hypothesis over random patients.

1. A red-flag rule is never lowered by a model.
2. Making any single vital sign worse never lowers urgency.
3. QC or non-final results never feed a decision.
4. With no usable observations the answer is insufficient_data, never local_care.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage.conftest import NOW, RECENT
from triage.assess import assess
from triage.assessment import URGENCY, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy, policy_from_mapping

POLICY = load_policy()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Each vital: (strategy over its plausible range, step that makes it "worse")
VITALS = {
    "resp_rate": st.integers(4, 60).map(float),
    "spo2": st.integers(60, 100).map(float),
    "sbp": st.integers(60, 260).map(float),
    "dbp": st.integers(30, 160).map(float),
    "heart_rate": st.integers(25, 220).map(float),
    "temperature": st.integers(320, 425).map(lambda t: t / 10),
}
CONSCIOUSNESS = st.sampled_from(["A", "C", "V", "P", "U"])

patients = st.builds(
    PatientContext,
    age=st.one_of(st.none(), st.integers(18, 95).map(float)),
    sex=st.one_of(st.none(), st.sampled_from(["female", "male"])),
    diabetes=st.one_of(st.none(), st.booleans()),
    pregnant=st.just(None),
    spo2_scale2=st.booleans(),
)


@st.composite
def vital_sets(draw: st.DrawFn) -> dict[str, float | str]:
    chosen = draw(
        st.sets(st.sampled_from([*VITALS, "consciousness", "supplemental_o2", "glucose_random"]), min_size=1)
    )
    out: dict[str, float | str] = {}
    for code in chosen:
        if code == "consciousness":
            out[code] = draw(CONSCIOUSNESS)
        elif code == "supplemental_o2":
            out[code] = draw(st.sampled_from(["air", "oxygen"]))
        elif code == "glucose_random":
            out[code] = draw(st.integers(10, 450).map(lambda g: g / 10))
        else:
            out[code] = draw(VITALS[code])
    return out


def to_obs(values: Mapping[str, float | str], **kw: object) -> list[Observation]:
    return [Observation.create(c, v, observed_at=RECENT, **kw) for c, v in values.items()]  # type: ignore[arg-type]


def worse(code: str, value: float | str, scale2: bool) -> list[float | str]:
    """Values of ``code`` that are clinically worse than ``value`` (or equally bad), never better."""
    if code == "consciousness":
        return ["C", "V", "P", "U"] if value == "A" else [value]
    if code == "supplemental_o2":
        return ["oxygen"]
    assert isinstance(value, float)
    low, high = {
        "resp_rate": (12.0, 20.0),
        "heart_rate": (51.0, 90.0),
        "temperature": (36.1, 38.0),
        "glucose_random": (3.9, 7.8),
        "sbp": (111.0, 119.0),
        "dbp": (60.0, 79.0),
        "spo2": (88.0, 92.0) if scale2 else (96.0, 100.0),
    }[code]
    options: list[float | str] = []
    if value < low:  # already low: lower is worse
        options += [value - d for d in (0.1, 1.0, 5.0)]
    elif value > high:  # already high: higher is worse
        options += [value + d for d in (0.1, 1.0, 5.0)]
    else:  # in the normal range: either direction away from it is worse
        options += [low - 5.0, high + 5.0] if code not in ("spo2",) else [low - 5.0]
        if code == "spo2" and scale2:
            options.append(high + 5.0)
    return options


@dataclass
class ConstantModels:
    probability: float
    threshold: float = 0.2
    seen: list[Mapping[str, float | str]] = field(default_factory=list)

    @property
    def versions(self) -> dict[str, str]:
        return {"cvd10": "test"}

    def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> list[_Pred]:
        self.seen.append(values)
        return [_Pred(self.probability, self.threshold)]


@dataclass(frozen=True)
class _Pred:
    probability: float
    threshold: float
    model: str = "cvd10"
    version: str = "test"
    band: str = "high"
    missing: tuple[str, ...] = ()
    imputed: dict[str, float] = field(default_factory=dict)
    explanation: str = "test double"


@FAST
@given(
    patients,
    vital_sets(),
    st.floats(0, 1),
    st.sampled_from(["routine_referral", "urgent_referral", "local_care"]),
)
def test_models_never_lower_rule_outcomes(
    patient: PatientContext, vitals: dict[str, float | str], p: float, cap: str
) -> None:
    policy = policy_from_mapping({"models": {"max_level": cap, "default_level": cap}})
    obs = to_obs(vitals)
    without = assess(patient, obs, policy, now=NOW)
    with_model = assess(patient, obs, policy, models=ConstantModels(p), now=NOW)
    assert URGENCY[with_model.disposition] >= URGENCY[without.disposition]
    assert with_model.red_flags == without.red_flags
    assert with_model.rule_level == without.rule_level
    if without.red_flags:
        assert (
            with_model.disposition is without.disposition
            or URGENCY[with_model.disposition] > URGENCY[without.disposition]
        )
        assert URGENCY[with_model.disposition] >= URGENCY[Disposition.urgent_referral]


@FAST
@given(patients, vital_sets(), st.data())
def test_a_worse_vital_sign_never_lowers_urgency(
    patient: PatientContext, vitals: dict[str, float | str], data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(sorted(vitals)))
    candidates = worse(code, vitals[code], patient.spo2_scale2)
    new_value = data.draw(st.sampled_from(candidates))
    changed = {**vitals, code: new_value}
    try:
        worse_obs = to_obs(changed)
    except Exception:  # the worse value left the plausible range: nothing to compare
        return
    before = assess(patient, to_obs(vitals), POLICY, now=NOW)
    after = assess(patient, worse_obs, POLICY, now=NOW)
    assert URGENCY[after.disposition] >= URGENCY[before.disposition], (code, vitals[code], new_value)


@FAST
@given(patients, vital_sets(), vital_sets(), st.sampled_from(["qc", "preliminary", "cannot_be_done"]))
def test_qc_and_non_final_results_never_feed_a_decision(
    patient: PatientContext, usable: dict[str, float | str], noise: dict[str, float | str], kind: str
) -> None:
    base = to_obs(usable)
    if kind == "qc":
        extra = to_obs(noise, qc=True)
    elif kind == "preliminary":
        extra = to_obs(noise, status="preliminary")
    else:
        extra = [Observation.create(c, None, observed_at=RECENT, status="cannot_be_done") for c in noise]
    clean = assess(patient, base, POLICY, now=NOW)
    noisy = assess(patient, [*extra, *base], POLICY, now=NOW)
    assert noisy.disposition is clean.disposition
    assert noisy.reasons == clean.reasons
    assert noisy.scores == clean.scores
    assert len(noisy.ignored_observations) == len(extra) + len(clean.ignored_observations)


@FAST
@given(patients, vital_sets(), st.sampled_from(["qc", "preliminary", "stale", "none"]), st.booleans())
def test_no_usable_observations_is_insufficient_data(
    patient: PatientContext, vitals: dict[str, float | str], kind: str, with_model: bool
) -> None:
    if kind == "qc":
        obs = to_obs(vitals, qc=True)
    elif kind == "preliminary":
        obs = to_obs(vitals, status="preliminary")
    elif kind == "stale":
        obs = [Observation.create(c, v, observed_at="2026-01-01T00:00:00Z") for c, v in vitals.items()]
    else:
        obs = []
    models = ConstantModels(0.0 if with_model else 0.99)
    a = assess(patient, obs, POLICY, models=models, now=NOW)
    assert a.disposition is Disposition.insufficient_data
    assert a.disposition is not Disposition.local_care
    assert models.seen == []
