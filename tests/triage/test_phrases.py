"""The engine's notes and model explanations are written from ``triage.phrases``, and every text it
produces is recognised by those phrases (what the staff pages translate)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from datetime import timedelta
from pathlib import Path
from string import Formatter

import pytest

import models
from tests.triage.conftest import NOW, RECENT, normal_vitals, ob, unusable_readings
from triage import phrases
from triage.assess import ModelSetLike, assess
from triage.errors import ClinicError
from triage.observation import Observation
from triage.patient import PatientContext
from triage.phrases import Phrase
from triage.policy import Policy, policy_from_mapping
from triage.riskmodels import ModelSet, RiskPrediction, load_models


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _sample(phrase: Phrase) -> dict[str, str]:
    # one token per field, as the engine's names and numbers are (lists: tests below)
    return {name: f"{name}_+12.5%" for name in phrase.fields}


@pytest.mark.parametrize("phrase", phrases.PHRASES, ids=lambda p: p.key)
def test_every_phrase_matches_what_it_formats(phrase: Phrase) -> None:
    values = _sample(phrase)
    text = phrase.format(**values)
    assert phrase.match(text) == values
    # the fixed wording decides: the same text with its longest literal part changed is not the phrase
    literal = max((part for part, *_ in Formatter().parse(phrase.template)), key=len)
    assert literal and phrase.match(text.replace(literal, "#")) is None


def test_phrase_keys_are_unique() -> None:
    keys = [p.key for p in phrases.PHRASES]
    assert len(keys) == len(set(keys))


def test_a_repeated_field_must_repeat_the_same_text() -> None:
    text = phrases.STAND_IN.format(feature="glucose_random", alternative="glucose_fasting", value="5.5")
    assert phrases.STAND_IN.match(text) == {
        "feature": "glucose_random",
        "alternative": "glucose_fasting",
        "value": "5.5",
    }
    assert phrases.STAND_IN.match(text.replace("no glucose_random", "no bmi")) is None


def test_printf_is_the_template_with_conversions() -> None:
    head = phrases.SCORED.printf(
        {"probability": "%.1f%%", "band": "%s"}, model="cvd10", version="1.0.0", medium="5%", high="10%"
    )
    shown = head % (17.83, "high")
    assert shown == phrases.SCORED.format(
        model="cvd10", version="1.0.0", probability="17.8%", band="high", medium="5%", high="10%"
    )


def test_clauses_split_outside_parentheses_only() -> None:
    text = "m 1: 2.0% (low; medium from 5%, high from 10%); a (b; c); d"
    assert phrases.clauses(text) == ["m 1: 2.0% (low; medium from 5%, high from 10%)", "a (b; c)", "d"]


def _match_any(text: str, candidates: Sequence[Phrase]) -> tuple[Phrase, dict[str, str]]:
    for phrase in candidates:
        found = phrase.match(text)
        if found is not None:
            return phrase, found
    raise AssertionError(f"no phrase matches {text!r}")


def _check_explanation(text: str) -> None:
    """``text`` is a not-scored explanation with a known reason, or a scored one whose every
    clause is a known phrase."""
    not_scored = phrases.NOT_SCORED.match(text)
    if not_scored is not None:
        _match_any(not_scored["reason"], phrases.NOT_SCORED_REASONS)
        return
    assert text.endswith(".")
    found = [_match_any(clause, phrases.CLAUSES) for clause in phrases.clauses(text[:-1])]
    assert found[0][0] is phrases.SCORED and found[-1][0] is phrases.TEACHING_DATA
    for phrase, values in found:
        if phrase is phrases.OUT_OF_RANGE:
            for item in values["ranges"].split(", "):
                _match_any(item, phrases.RANGE_ITEMS)


def _patients() -> Iterator[tuple[PatientContext, list[Observation]]]:
    """Patients that give every kind of explanation: scored (drivers, imputed, stand-in, out of
    range), not scored (inputs missing, sex unknown or other, excluded)."""
    full = {"age": 58, "sex": "female", "diabetes": False, "current_smoker": True, "hypertension": True}
    full |= {"on_antihypertensives": False, "bmi": 31.0, "pregnant": False, "ckd": False}
    labs = [
        ob("total_cholesterol", 6.2),
        ob("glucose_random", 9.1),
        ob("creatinine", 110.0),
        ob("hemoglobin", 128.0),
        ob("urine_protein", "1+"),
        ob("urine_sg", 1.020),
    ]
    yield PatientContext(**full), [*normal_vitals(), *labs]
    # a size measured today: the explanation says the BMI taken (bmi_measured, bmi_*_measured)
    stated = PatientContext(**{**full, "height_cm": 170.0, "weight_kg": 60.0})
    for sizes in (["bmi"], ["weight"], ["height"], ["weight", "height"]):
        measured = [ob(code, {"bmi": 31.0, "weight": 95.0, "height": 170.0}[code]) for code in sizes]
        yield stated, [*normal_vitals(), *labs, *measured]
    # a measured size whose BMI is implausible: not used, and said (bmi_*_not_used)
    for sizes in (["weight"], ["height"], ["weight", "height"]):
        measured = [ob(code, {"weight": 300.0, "height": 60.0}[code]) for code in sizes]
        yield stated, [*normal_vitals(), *labs, *measured]
    # ... and the diabetes model, which rejects an unknown BMI, says why it is missing (inputs_missing_noted)
    unstated = PatientContext(**{**full, "bmi": None, "height_cm": 100.0})
    yield unstated, [*normal_vitals(), *labs, ob("weight", 300.0)]
    # a stated pair stored before the intake refused it (bmi_stated_not_used)
    yield (
        PatientContext(**{**full, "bmi": None, "height_cm": 100.0, "weight_kg": 300.0}),
        [*normal_vitals(), *labs],
    )
    # no diastolic: the diabetes card has no held-out row with an input imputed (imputed_no_subgroup)
    yield PatientContext(**full), [o for o in [*normal_vitals(), *labs] if o.code != "dbp"]
    yield PatientContext(**{**full, "sex": None}), normal_vitals()
    older = [*normal_vitals(), ob("total_cholesterol", 6.2), ob("glucose_fasting", 6.1)]
    yield PatientContext(**{**full, "sex": "male", "age": 95}), older  # outside the Framingham ages
    extreme = [*normal_vitals(), ob("total_cholesterol", 19.0), ob("glucose_fasting", 6.1)]
    yield PatientContext(**{**full, "sex": "male", "age": 66}), extreme
    excluded = [*normal_vitals(), ob("total_cholesterol", 5.0), ob("hemoglobin", 40.0)]
    yield PatientContext(**{**full, "diabetes": True, "ckd": True}), excluded
    yield PatientContext(**{**full, "pregnant": True}), [ob("heart_rate", 150.0)]
    yield PatientContext(), [ob("spo2", 97.0)]


def test_every_explanation_the_shipped_models_give_is_known(model_set: ModelSet, policy: Policy) -> None:
    kinds: set[str] = set()
    for patient, observations in _patients():
        for result in assess(patient, observations, policy, model_set, now=NOW).models:
            _check_explanation(result.explanation)
            kinds.add(
                result.explanation.split(": ", 1)[0].split(" ", 1)[1]
                if result.probability is None
                else "scored"
            )
            for clause in phrases.clauses(result.explanation[:-1]):
                kinds.update(p.key for p in phrases.CLAUSES if p.match(clause) is not None)
            reason = phrases.NOT_SCORED.match(result.explanation)
            if reason is not None:
                kinds.update(
                    p.key for p in phrases.NOT_SCORED_REASONS if p.match(reason["reason"]) is not None
                )
    wanted = {p.key for p in (*phrases.CLAUSES, *phrases.NOT_SCORED_REASONS)}
    assert wanted <= kinds, f"not exercised: {wanted - kinds}"


def test_every_model_reason_is_the_model_reason_phrase(model_set: ModelSet, policy: Policy) -> None:
    patient = PatientContext(
        age=70, sex="male", diabetes=True, current_smoker=True, on_antihypertensives=False
    )
    observations = [
        *normal_vitals(),
        ob("sbp", 170.0),
        ob("total_cholesterol", 7.5),
        ob("glucose_random", 12.0),
    ]
    reasons = [
        r for r in assess(patient, observations, policy, model_set, now=NOW).reasons if r.source == "model"
    ]
    assert reasons
    for r in reasons:
        found = phrases.MODEL_REASON.match(r.detail)
        assert found is not None, r.detail
        _check_explanation(found["explanation"])


def test_every_shipped_card_label_is_a_known_phrase() -> None:
    registry = json.loads((Path(models.MODELS_DIR) / "registry.json").read_text(encoding="utf-8"))
    for name, entry in registry["models"].items():
        card = json.loads((Path(models.MODELS_DIR) / name / entry["active"] / "card.json").read_text("utf-8"))
        assert phrases.TEACHING_DATA.match(card["label"]) is not None, name


class _Failing:
    def __init__(self, error: Exception, versions: Mapping[str, str] | None = None):
        self.error, self.versions = error, versions or {}

    def predict(self, patient: PatientContext, values: Mapping[str, float | str]) -> Sequence[RiskPrediction]:
        raise self.error


def engine_notes(model_set: ModelSet, policy: Policy) -> list[str]:
    """One of each note the engine writes, from assess()."""
    disabled = policy_from_mapping({"models": {"cvd10": {"enabled": False}}})
    not_used, failed = _Failing(ClinicError("registry unreadable")), _Failing(RuntimeError("boom"))
    cases: list[tuple[list[Observation], Policy, ModelSetLike | None]] = [
        ([], policy, model_set),  # models not run, no usable observations
        ([ob("hemoglobin", 128.0)], policy, None),  # no decisive reading
        ([ob("sbp", 120.0)], disabled, model_set),  # a model disabled
        ([ob("sbp", 120.0)], policy, not_used),  # models not used
        ([ob("sbp", 120.0)], policy, failed),  # models failed
    ]
    return [
        n
        for obs, pol, models in cases
        for n in assess(PatientContext(age=50), obs, pol, models, now=NOW).notes
    ]


def test_every_note_the_engine_writes_is_a_known_phrase(model_set: ModelSet, policy: Policy) -> None:
    notes = engine_notes(model_set, policy)
    matched = {_match_any(note, phrases.NOTES)[0].key for note in notes}
    assert matched == {p.key for p in phrases.NOTES}
    decisive = next(n for n in notes if n.startswith("no decisive"))
    assert phrases.NO_DECISIVE.match(decisive) == {"codes": ", ".join(policy.decisive.codes)}


def ignored_readings(policy: Policy) -> list[dict[str, str]]:
    """One reading ignored for each reason the engine has, from assess(), as the stored JSON has them."""
    superseded = [ob("temperature", 37.0, observed_at=NOW - timedelta(minutes=40)), ob("temperature", 37.4)]
    # one measurement, diastolic above systolic, after an earlier systolic it replaces (listed
    # first, so the temperature is the last "superseded" reading)
    swapped = [ob("sbp", 124, observed_at=NOW - timedelta(minutes=40)), ob("sbp", 80), ob("dbp", 140)]
    readings = [*unusable_readings(), *swapped, *superseded]
    a = assess(PatientContext(age=50), readings, policy, now=NOW)
    return [json.loads(i.model_dump_json()) for i in a.ignored_observations]


def test_every_ignored_readings_detail_is_a_known_phrase(policy: Policy) -> None:
    ignored = ignored_readings(policy)
    matched = {_match_any(i["detail"], phrases.IGNORED)[0].key for i in ignored}
    assert matched == {p.key for p in phrases.IGNORED}
    by_reason = {i["reason"]: i["detail"] for i in ignored}
    assert by_reason["stale"] == f"older than {policy.freshness.max_age_hours('resp_rate'):g} h"
    assert by_reason["superseded"] == f"a later temperature result from {RECENT.isoformat()} is used"
    assert by_reason["in_future"] == f"observed after the assessment time {NOW.isoformat()}"
    assert by_reason["implausible_pair"] == (
        "dbp 140 mmHg is not below sbp 80 mmHg of the same measurement - were they swapped?"
        " Neither is used; measure again"
    )
