"""A risk model's explanation never shows a risk past a band it did not reach: cvd10 at 9.996 %
(medium; high from 10 %) read "cvd10 1.0.0: 10.0% (medium; medium from 5%, high from 10%)" - the
staff pages and the API show that sentence beside the probability. Now one decimal cut where one
rounded would cross a cut-point ("9.9% (medium; ...)"), as the scores' details do (bdc4164); the
band and the probability are unchanged. The shipped cvd10 model, a row it prepares."""

from __future__ import annotations

import pytest

from triage.riskmodels import ModelSet, load_models


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


@pytest.mark.parametrize(
    ("probability", "shown", "band"),
    [
        (0.09996, "9.9%", "medium"),
        (0.1, "10.0%", "high"),
        (0.04996, "4.9%", "low"),
        (0.05, "5.0%", "medium"),
        (0.0994, "9.9%", "medium"),
        (0.1234, "12.3%", "high"),
    ],
)
def test_the_explanation_shows_a_risk_within_its_band(
    models: ModelSet, probability: float, shown: str, band: str
) -> None:
    model = models.models["cvd10"]
    prepared = model.prepare([s.median for s in model.card.features])
    prediction = model.finish(probability, prepared)  # type: ignore[arg-type]
    assert prediction.band == band and prediction.probability == probability
    assert prediction.explanation.startswith(f"cvd10 {model.version}: {shown} ({band};"), (
        prediction.explanation
    )
