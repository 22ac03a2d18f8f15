"""The explanation of a value outside a model's training range never reads it inside the range."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from triage.riskmodels import RiskModel, load_models

CVD10_INSIDE = {
    "age": 50.0,
    "sex_male": 1.0,
    "sbp": 130.0,
    "dbp": 80.0,
    "total_cholesterol": 5.0,
    "bmi": 25.0,
    "heart_rate": 70.0,
    "glucose_random": 5.0,
    "current_smoker": 0.0,
    "diabetes": 0.0,
    "on_antihypertensives": 0.0,
}
# with the unit, when the feature has one a clinician reads (sbp=262 mmHg (trained on 83.5-244 mmHg))
ITEM = re.compile(r"(\w+)=(\S+)(?: \S+)? \(trained on (\S+?)-(\S+?)(?: \S+)?\)")


@pytest.fixture(scope="module")
def cvd10() -> RiskModel:
    return load_models(names=["cvd10"]).models["cvd10"]


def _shown(model: RiskModel, values: dict[str, float]) -> dict[str, tuple[float, float, float]]:
    p = model.predict(values)
    clause = p.explanation.split("outside the training range: ", 1)[1]
    shown = {m[1]: (float(m[2]), float(m[3]), float(m[4])) for m in ITEM.finditer(clause)}
    assert list(shown) == list(p.out_of_range)
    return shown


def test_a_value_just_past_a_bound_is_not_shown_on_it(cvd10: RiskModel) -> None:
    """Four significant digits rounded the bound onto the value: a total cholesterol of 18 mmol/L
    (trained up to 17.9984) read 'total_cholesterol=18 (trained on 2.922-18)', and a random glucose
    of 2.22 (trained from 2.22025) 'glucose_random=2.22 (trained on 2.22-21.87)': flagged as outside
    a range the same sentence put it in."""
    text = cvd10.predict({**CVD10_INSIDE, "total_cholesterol": 18.0, "glucose_random": 2.22}).explanation
    assert "total_cholesterol=18 mmol/L (trained on 2.9222-17.998 mmol/L)" in text
    assert "glucose_random=2.22 mmol/L (trained on 2.2202-21.869 mmol/L)" in text
    # far from the bound, four digits as before
    assert (
        "sbp=262 mmHg (trained on 83.5-244 mmHg)" in cvd10.predict({**CVD10_INSIDE, "sbp": 262.0}).explanation
    )


@settings(max_examples=200, deadline=None)
@given(
    feature=st.sampled_from(sorted(CVD10_INSIDE)), side=st.sampled_from([0, 1]), step=st.integers(1, 10**6)
)
def test_every_value_outside_is_shown_outside_the_range_shown(
    cvd10: RiskModel, feature: str, side: int, step: int
) -> None:
    spec = next(f for f in cvd10.card.features if f.name == feature)
    bound = spec.range[side]
    value = bound + (1 if side else -1) * step * 1e-7 * max(1.0, abs(bound))
    if feature == "age" and not 32 <= value <= 70:
        return  # outside the population: not scored, no range clause
    shown = _shown(cvd10, {**CVD10_INSIDE, feature: value})
    shown_value, low, high = shown[feature]
    assert not low <= shown_value <= high, (feature, value, shown[feature])
