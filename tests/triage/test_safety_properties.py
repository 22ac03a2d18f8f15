"""The four safety invariants of assess(), checked with hypothesis over random patients.

1. A red-flag rule is never lowered by a model.
2. Making any single vital sign worse never lowers urgency (a pressure that reaches the other one
   of its measurement makes the pair implausible: then never below insufficient_data); nor does
   one more acute symptom recorded.
3. QC or non-final results never feed a decision.
4. With no usable observations the answer is never local_care: insufficient_data, or what a
   red flag that reads no reading (an acute symptom staff recorded) says.
5. Vital signs no applicable score reads (a child's or a pregnant woman's pulse, breathing,
   temperature, supplemental oxygen: NEWS2 does not apply; a blood pressure under 13: not graded)
   never give local care, and NEWS2 is never a number for them.
6. Every scored model probability, and every model reason, carries the teaching-data label.

Patients include children, pregnancy, fractional ages and birth dates next to each age limit.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.triage.conftest import NOW, RECENT
from tests.triage.test_rules import CASES
from triage.assess import assess
from triage.assessment import URGENCY, Assessment, Disposition
from triage.errors import ImplausibleValueError, UserInputError
from triage.observation import Observation
from triage.patient import ACUTE_SYMPTOMS, PatientContext
from triage.phrases import TEACHING_DATA
from triage.policy import load_policy, policy_from_mapping
from triage.riskmodels import ModelSet, load_models
from triage.rules import RULES

POLICY = load_policy()
FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Each vital's plausible range (canonical unit) and the published cut-points of the scores and rules
# that read it (risk.md 2.1-2.9): values are drawn uniformly over the range *and* on and next to
# every cut-point, where a > for >= slip would show; a uniform draw alone hits 91 vs 92 % SpO2 once
# in 40 examples.
RANGES = {
    "resp_rate": (4.0, 60.0),
    "spo2": (60.0, 100.0),
    "sbp": (60.0, 260.0),
    "dbp": (30.0, 160.0),
    "heart_rate": (25.0, 220.0),
    "temperature": (32.0, 42.5),
    "glucose_random": (1.0, 45.0),
    "egfr": (1.0, 200.0),  # as a laboratory reports it (egfr_below_30, egfr_30_59)
}
CUTS = {
    "resp_rate": (8, 9, 11, 12, 20, 21, 22, 24, 25, 29, 30),
    "spo2": (83, 84, 85, 86, 87, 88, 91, 92, 93, 94, 95, 96, 97),
    "sbp": (89, 90, 91, 100, 101, 110, 111, 119, 120, 139, 140, 159, 160, 179, 180, 181, 200, 201, 219, 220),
    "dbp": (60, 61, 79, 80, 89, 90, 99, 100, 109, 110, 111, 120, 121),
    "heart_rate": (40, 41, 50, 51, 90, 91, 110, 111, 130, 131),
    "temperature": (35.0, 35.1, 36.0, 36.1, 38.0, 38.1, 39.0, 39.1),
    "glucose_random": (3.0, 3.9, 11.1, 22.2, 33.3),
    "egfr": (15.0, 29.5, 30.0, 45.0, 59.5, 60.0, 90.0),  # KDIGO stages on the whole number: 29.5 is 30
}
# the step next to a cut-point: a whole unit for the whole-number vitals, 0.1 for the others
STEP = {"temperature": 0.1, "glucose_random": 0.1, "egfr": 0.1}
# the other unit a device may send, and the value in it (rounded as a device prints it); the
# engine converts back, so a cut-point given in the other unit is tested too
CONVERTED = {
    "temperature": ("[degF]", lambda c: round(c * 9 / 5 + 32, 2)),
    "sbp": ("kPa", lambda v: round(v / 7.50062, 2)),
    "dbp": ("kPa", lambda v: round(v / 7.50062, 2)),
    "glucose_random": ("mg/dL", lambda v: float(round(v * 18.016))),
}
# the normal range of each vital: a value outside it is censored on its own side ("<2.9", ">34")
NORMAL = {
    "resp_rate": (12.0, 20.0),
    "heart_rate": (51.0, 90.0),
    "temperature": (36.1, 38.0),
    "glucose_random": (3.9, 7.8),
    "sbp": (111.0, 119.0),
    "dbp": (60.0, 79.0),
}
CONSCIOUSNESS = st.sampled_from(["A", "C", "V", "P", "U"])
KETONES = ("neg", "trace", "1+", "2+", "3+", "4+")  # dipstick, in order
FORMS = ("plain", "converted", "censored")
# every code the generators draw (the property tests exercise every rule that reads only these)
GENERATED = (*RANGES, "consciousness", "supplemental_o2", "urine_ketones", "urine_protein")


def near_cut(code: str) -> st.SearchStrategy[float]:
    step = STEP.get(code, 1.0)
    return st.builds(
        lambda cut, k: round(cut + k * step, 1), st.sampled_from(CUTS[code]), st.sampled_from((-1, 0, 1))
    )


def vital_value(code: str) -> st.SearchStrategy[float]:
    low, high = RANGES[code]
    step = STEP.get(code, 1.0)
    uniform = st.integers(round(low / step), round(high / step)).map(lambda n: round(n * step, 1))
    return st.one_of(uniform, near_cut(code)).filter(lambda v: low <= v <= high)


# ages at and next to every limit a score has (13 and 18 blood pressure, 16 NEWS2, 18 adult scores,
# 65 CRB-65), children, fractional ages and birth dates a day either side of a birthday
AGE_LIMITS = [12, 13, 15, 16, 17, 18, 19, 64, 65]


@st.composite
def _patients(draw: st.DrawFn) -> PatientContext:
    sex = draw(st.one_of(st.none(), st.sampled_from(["female", "male"])))
    pregnant = None if sex == "male" else draw(st.one_of(st.none(), st.booleans()))
    # a birth in the last 6 weeks: a woman not pregnant now
    postpartum = None if sex == "male" or pregnant else draw(st.one_of(st.none(), st.booleans()))
    years = draw(st.one_of(st.integers(0, 95), st.sampled_from(AGE_LIMITS)))
    how = draw(st.sampled_from(["none", "age", "age", "fraction", "birth_date"]))
    age: float | None = None
    born: date | None = None
    if how == "age":
        age = float(years)
    elif how == "fraction":
        age = years + draw(st.sampled_from([0.01, 0.5, 0.99]))
    elif how == "birth_date":
        birthday = NOW.date().replace(year=NOW.date().year - years)
        born = min(birthday + timedelta(days=draw(st.sampled_from([-1, 0, 1]))), NOW.date())
    return PatientContext(
        age=age,
        birth_date=born,
        sex=sex,
        pregnant=pregnant,
        postpartum=postpartum,
        diabetes=draw(st.one_of(st.none(), st.booleans())),
        spo2_scale2=draw(st.booleans()),
        acute_symptoms=draw(st.one_of(st.none(), st.lists(st.sampled_from(ACUTE_SYMPTOMS), max_size=3))),
    )


patients = _patients()


@dataclass(frozen=True)
class Reading:
    """A value in the canonical unit and how the device sends it: as it is, in the other unit, or
    censored on its side of normal."""

    value: float | str
    form: str = "plain"

    def with_value(self, value: float | str) -> Reading:
        return Reading(value, self.form)


def render(code: str, r: Reading) -> tuple[float | str, str | None]:
    """(value, unit) as ``Observation.create`` receives them."""
    if isinstance(r.value, str) or r.form == "plain":
        return r.value, None
    if r.form == "converted" and code in CONVERTED:
        unit, convert = CONVERTED[code]
        return convert(r.value), unit
    if r.form == "censored" and code in NORMAL:
        low, high = NORMAL[code]
        if r.value < low:
            return f"<{r.value:g}", None
        if r.value > high:
            return f">{r.value:g}", None
    return r.value, None


@st.composite
def vital_sets(draw: st.DrawFn) -> dict[str, Reading]:
    chosen = draw(st.sets(st.sampled_from(GENERATED), min_size=1))
    out: dict[str, Reading] = {}
    for code in chosen:
        if code == "consciousness":
            out[code] = Reading(draw(CONSCIOUSNESS))
        elif code == "supplemental_o2":
            out[code] = Reading(draw(st.sampled_from(["air", "oxygen"])))
        elif code in ("urine_ketones", "urine_protein"):  # dipsticks, on the same scale
            out[code] = Reading(draw(st.sampled_from(KETONES)))
        else:
            out[code] = Reading(draw(vital_value(code)), draw(st.sampled_from(FORMS)))
    if "sbp" in out and "dbp" in out and draw(st.booleans()):
        # a narrow pulse pressure (shock, tamponade): the diastolic a step or a few below the systolic
        sbp = out["sbp"].value
        assert isinstance(sbp, float)
        dbp = sbp - draw(st.sampled_from((1.0, 2.0, 5.0)))
        if RANGES["dbp"][0] <= dbp <= RANGES["dbp"][1]:
            out["dbp"] = Reading(dbp, out["dbp"].form)
    return out


def to_obs(values: Mapping[str, Reading], **kw: object) -> list[Observation]:
    kw.setdefault("observed_at", RECENT)
    out = []
    for code, reading in values.items():
        value, unit = render(code, reading)
        out.append(Observation.create(code, value, unit, **kw))  # type: ignore[arg-type]
    return out


def worse(code: str, value: float | str, scale2: bool, other: float | None = None) -> list[float | str]:
    """Values of ``code`` that are clinically worse than ``value`` (or equally bad), never better:
    the next step past each cut-point in the worse direction, and a few steps further. ``other``:
    the other pressure of the measurement, which a worse pressure may reach (a pulse pressure of 0)."""
    if code == "consciousness":
        return ["C", "V", "P", "U"] if value == "A" else [value]
    if code == "supplemental_o2":
        return ["oxygen"]
    if code in ("urine_ketones", "urine_protein"):  # dipsticks: a higher step is worse
        return list(KETONES[KETONES.index(str(value)) :])
    assert isinstance(value, float)
    step = STEP.get(code, 1.0)
    if code == "egfr":  # a lower filtration rate is worse, a higher one never
        return [round(value - d * step, 1) for d in (1, 10, 50)] + [
            round(c - step, 1) for c in CUTS[code] if round(c - step, 1) < value
        ]
    low, high = {**NORMAL, "spo2": (88.0, 92.0) if scale2 else (96.0, 100.0)}[code]
    down = [round(value - d * step, 1) for d in (1, 10, 50)]
    down += [round(c - step, 1) for c in CUTS[code] if round(c - step, 1) < value]
    up = [round(value + d * step, 1) for d in (1, 10, 50)]
    up += [round(c + step, 1) for c in CUTS[code] if round(c + step, 1) > value]
    if other is not None:
        down += [other] if other < value else []
        up += [other] if other > value else []
    if value < low:  # already low: lower is worse
        return down
    if value > high:  # already high: higher is worse
        return up
    # in the normal range: either direction away from it is worse (SpO2 scale 1: only down)
    return [v for v in down if v < low] + ([v for v in up if v > high] if code != "spo2" or scale2 else [])


@dataclass
class ConstantModels:
    probability: float | None
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
    probability: float | None
    threshold: float
    model: str = "cvd10"
    version: str = "test"
    band: str = "high"
    missing: tuple[str, ...] = ()
    imputed: dict[str, float] = field(default_factory=dict)
    explanation: str = "test double"


# a model's probability: anywhere, exactly at the test double's threshold and just below it, or
# none (the model could not score)
PROBABILITIES = st.one_of(
    st.floats(0, 1), st.sampled_from([0.2, math.nextafter(0.2, 0.0), 1.0, 0.0]), st.none()
)


@FAST
@given(
    patients,
    vital_sets(),
    PROBABILITIES,
    st.sampled_from(["routine_referral", "urgent_referral", "local_care"]),
    st.one_of(st.none(), st.sampled_from([0.01, 0.2, 0.99])),
)
def test_models_never_lower_rule_outcomes(
    patient: PatientContext, vitals: dict[str, Reading], p: float | None, cap: str, threshold: float | None
) -> None:
    models: dict[str, object] = {"max_level": cap, "default_level": cap}
    if threshold is not None:  # the clinic's threshold overrides the card's
        models["cvd10"] = {"threshold": threshold}
    policy = policy_from_mapping({"models": models})
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
    patient: PatientContext, vitals: dict[str, Reading], data: st.DataObject
) -> None:
    code = data.draw(st.sampled_from(sorted(vitals)))
    reading = vitals[code]
    pair = {"sbp": "dbp", "dbp": "sbp"}.get(code)
    other = vitals[pair].value if pair in vitals else None
    candidates = worse(code, reading.value, patient.spo2_scale2, other if isinstance(other, float) else None)
    new_value = data.draw(st.sampled_from(candidates))
    changed = {**vitals, code: reading.with_value(new_value)}
    try:
        worse_obs = to_obs(changed)
    except ImplausibleValueError:  # the worse value left the plausible range: nothing to compare
        return
    before = assess(patient, to_obs(vitals), POLICY, now=NOW)
    after = assess(patient, worse_obs, POLICY, now=NOW)
    if refused_pair(after) and not refused_pair(before):
        # the worse pressure reached the other one: the measurement is refused ("measure again"),
        # which may drop a referral its numbers asked for, but never to local care
        floor = min(URGENCY[before.disposition], URGENCY[Disposition.insufficient_data])
        assert URGENCY[after.disposition] >= floor, (code, reading, new_value)
        return
    assert URGENCY[after.disposition] >= URGENCY[before.disposition], (code, reading, new_value)


@FAST
@given(patients, vital_sets(), st.sampled_from(ACUTE_SYMPTOMS))
def test_a_symptom_recorded_never_lowers_urgency(
    patient: PatientContext, vitals: dict[str, Reading], symptom: str
) -> None:
    """One more acute symptom recorded (none asked, or asked and none, or others) is never a
    reason to relax: hypertensive_emergency may fire, nothing may stop firing."""
    had = patient.acute_symptoms or ()
    more = patient.model_copy(update={"acute_symptoms": tuple(dict.fromkeys([*had, symptom]))})
    obs = to_obs(vitals)
    before, after = assess(patient, obs, POLICY, now=NOW), assess(more, obs, POLICY, now=NOW)
    assert URGENCY[after.disposition] >= URGENCY[before.disposition], (symptom, vitals)
    assert set(before.red_flags) <= set(after.red_flags)


def refused_pair(a: Assessment) -> bool:
    return any(i.reason == "implausible_pair" for i in a.ignored_observations)


# when an unusable reading was taken, relative to the usable ones (RECENT): a newer QC or
# preliminary result must not replace an older final one
NOISE_TIMES = st.sampled_from([RECENT - timedelta(minutes=5), RECENT, RECENT + timedelta(minutes=5)])
UNUSABLE = ["qc", "preliminary", "cannot_be_done", "corrected_qc", "preliminary_qc"]


def unusable(values: Mapping[str, Reading], kind: str, when: datetime) -> list[Observation]:
    if kind == "cannot_be_done":
        return [Observation.create(c, None, observed_at=when, status="cannot_be_done") for c in values]
    status = (
        "corrected"
        if kind == "corrected_qc"
        else "preliminary"
        if kind.startswith("preliminary")
        else "final"
    )
    return to_obs(values, observed_at=when, status=status, qc=kind.endswith("qc"))


@FAST
@given(
    patients,
    vital_sets(),
    vital_sets(),
    st.sampled_from(UNUSABLE),
    NOISE_TIMES,
    st.sampled_from(["final", "corrected"]),
)
def test_qc_and_non_final_results_never_feed_a_decision(
    patient: PatientContext,
    usable: dict[str, Reading],
    noise: dict[str, Reading],
    kind: str,
    when: datetime,
    status: str,
) -> None:
    base = to_obs(usable, status=status)
    extra = unusable(noise, kind, when)
    clean = assess(patient, base, POLICY, now=NOW)
    noisy = assess(patient, [*extra, *base], POLICY, now=NOW)
    assert noisy.disposition is clean.disposition
    assert noisy.reasons == clean.reasons
    assert noisy.scores == clean.scores
    assert noisy.observations_used == clean.observations_used
    assert len(noisy.ignored_observations) == len(extra) + len(clean.ignored_observations)


@FAST
@given(
    patients,
    vital_sets(),
    st.lists(st.sampled_from([*UNUSABLE, "stale", "in_future"]), min_size=1),
    st.booleans(),
)
def test_no_usable_observations_is_insufficient_data(
    patient: PatientContext, vitals: dict[str, Reading], kinds: list[str], with_model: bool
) -> None:
    """Every reading unusable, each for its own reason (a list shorter than the readings repeats)."""
    obs: list[Observation] = []
    for i, (code, reading) in enumerate(vitals.items()):
        kind = kinds[i % len(kinds)]
        one = {code: reading}
        if kind == "stale":
            obs += to_obs(one, observed_at=NOW - timedelta(days=400))
        elif kind == "in_future":
            obs += to_obs(one, observed_at=NOW + timedelta(hours=1))
        else:
            obs += unusable(one, kind, RECENT)
    models = ConstantModels(0.99) if with_model else None
    a = assess(patient, obs, POLICY, models=models, now=NOW)
    if a.red_flags:  # a recorded symptom's red flag routes without readings (it reads none)
        assert set(a.red_flags) <= {"acute_symptom_emergency", "acute_symptom_urgent"}
        assert a.disposition is a.rule_level and "acute_symptoms" in a.reasons[0].values
    else:
        assert a.disposition is Disposition.insufficient_data
    assert a.observations_used == [] and len(a.ignored_observations) == len(obs)
    assert models is None or models.seen == []


_NEWS2_ONLY = ("heart_rate", "resp_rate", "temperature")


@FAST
@given(patients, vital_sets())
def test_vitals_no_score_reads_never_give_local_care(
    patient: PatientContext, vitals: dict[str, Reading]
) -> None:
    a = assess(patient, to_obs(vitals), POLICY, now=NOW)
    news2 = a.scores["news2"]
    child = a.scores["crb65"].applicable is False  # under 18 (CRB-65's rule); NEWS2's limit is 16
    if patient.pregnant or (patient.age is not None and patient.age < 16):
        assert not news2.applicable and news2.value is None and news2.band == "not_applicable"
    unscored = [o.code for o in a.observations_used if o.code in _NEWS2_ONLY]
    # on supplemental oxygen (NEWS2 scores it 2; on air there is nothing to score)
    unscored += [o.code for o in a.observations_used if o.code == "supplemental_o2" and o.value == "oxygen"]
    if not news2.applicable and unscored:
        assert a.disposition is not Disposition.local_care, (unscored, a.notes)
    # under 13 the blood pressure is not graded (percentile tables): no local care from it either
    pressures = [o.code for o in a.observations_used if o.code in ("sbp", "dbp")]
    if a.scores["blood_pressure"].band == "not_applicable" and pressures:
        assert a.disposition is not Disposition.local_care, (pressures, a.notes)
    if child:
        assert a.scores["qsofa"].value is None


_MODELS = None


def _real_models() -> ModelSet:
    global _MODELS
    if _MODELS is None:
        _MODELS = load_models()
    return _MODELS


# lab readings the risk models read, so that they score (cholesterol, glucose, creatinine, urine)
LABS = st.fixed_dictionaries(
    {},
    optional={
        "total_cholesterol": st.sampled_from([3.5, 5.2, 7.9]),
        "hdl_cholesterol": st.sampled_from([0.8, 1.3, 2.0]),
        "glucose_random": st.sampled_from([4.5, 9.0, 15.0]),
        "creatinine": st.sampled_from([60.0, 110.0, 300.0]),
        "urine_protein": st.sampled_from(["neg", "1+", "3+"]),
    },
)


@FAST
@given(patients, vital_sets(), LABS)
def test_every_model_risk_says_it_is_teaching_data(
    patient: PatientContext, vitals: dict[str, Reading], labs: dict[str, float | str]
) -> None:
    """A model's probability is never shown without its label: each scored result's explanation
    and each model reason end with "teaching data - not for clinical use - not validated on a
    Chinese primary-care population" (risk.md 5.4: Framingham, a US cohort)."""
    obs = to_obs(vitals) + [
        Observation.create(code, value, observed_at=RECENT) for code, value in labs.items()
    ]
    a = assess(patient, obs, POLICY, models=_real_models(), now=NOW)
    label = TEACHING_DATA.template + "."
    for m in a.models:
        if m.probability is not None:
            assert m.explanation.endswith(label), m.explanation
    for r in a.reasons:
        if r.source == "model":
            assert r.detail.endswith(label), r.detail


# --- every red flag -----------------------------------------------------------------------------

RED_FLAGS = sorted(r.name for r in RULES if r.red_flag)
# the patient fields the generated patients vary
PATIENT_FIELDS = {
    "age",
    "birth_date",
    "sex",
    "pregnant",
    "postpartum",
    "diabetes",
    "spo2_scale2",
    "acute_symptoms",
}


@pytest.mark.parametrize("rule", RED_FLAGS)
def test_the_property_tests_reach_every_red_flag(rule: str) -> None:
    """Each red flag reads only readings and patient fields the generators above draw, so the
    invariants (a model never lowers it, a worse reading never lowers urgency) are exercised for it:
    urine ketones (ketones_with_hyperglycaemia) and a reported eGFR (egfr_below_30) were never drawn."""
    patient, fire, _ = CASES[rule]
    assert {code for code, _, _ in fire} <= set(GENERATED), rule
    assert set(patient) <= PATIENT_FIELDS, rule


@pytest.mark.parametrize("rule", RED_FLAGS)
@pytest.mark.parametrize("probability", [None, 0.0, 1.0])
def test_every_red_flag_stays_at_urgent_or_above_whatever_a_model_or_policy_says(
    rule: str, probability: float | None
) -> None:
    """At its trigger each red flag is named and the disposition is urgent referral or above,
    with a model that scores nothing, 0 or 1 and capped at local care; a policy cannot switch it
    off or set it below its default level (an emergency red flag not even to urgent referral)."""
    patient, fire, _ = CASES[rule]
    obs = [Observation.create(code, value, unit, observed_at=RECENT) for code, value, unit in fire]
    capped = policy_from_mapping({"models": {"max_level": "local_care", "default_level": "local_care"}})
    models = ConstantModels(probability)
    a = assess(PatientContext(**patient), obs, capped, models=models, now=NOW)  # type: ignore[arg-type]
    assert rule in a.red_flags
    assert URGENCY[a.disposition] >= URGENCY[Disposition.urgent_referral]
    default = next(r.default for r in RULES if r.name == rule)
    assert default is not None
    for level in ("off", "local_care", "routine_referral", "urgent_referral"):
        if level != "off" and URGENCY[Disposition(level)] >= URGENCY[default]:
            assert policy_from_mapping({"rules": {rule: {"level": level}}}).rule_level(rule) is Disposition(
                level
            )
            continue
        with pytest.raises(UserInputError, match=rf"rules\.{rule}\.level"):
            policy_from_mapping({"rules": {rule: {"level": level}}})
