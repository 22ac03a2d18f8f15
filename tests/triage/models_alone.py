"""The reference path of ``ModelSet.predict``: every risk model scored on its own - its features,
stand-ins, BMI and BMI note worked out for it alone, nothing shared between models - for the tests
that compare the set's fast path with it."""

from __future__ import annotations

from triage.patient import PatientContext
from triage.riskfeatures import bmi_note, build_features, not_applicable_reason, substitutable, substitute
from triage.riskmodels import ModelSet, RiskPrediction
from triage.riskprediction import _bmi_missing_noted


def each_model_alone(
    model_set: ModelSet, patient: PatientContext, values: dict[str, float | str]
) -> list[RiskPrediction]:
    """What ``model_set.predict(patient, values)`` must give, model by model."""
    out = []
    for model in model_set.models.values():
        reason = not_applicable_reason(model.card, patient)
        if reason is not None:
            out.append(model.not_scored(reason))
            continue
        features = build_features(model.card, patient, values)
        notes = substitute(features, substitutable(model.card), values)
        if "bmi" in model.feature_names and (note := bmi_note(patient, values)) is not None:
            notes.append(note)
        prediction = model.predict(features, notes)
        if prediction.probability is None and notes and "bmi" in prediction.missing:
            prediction = _bmi_missing_noted(model, prediction, notes)
        out.append(prediction)
    return out
