"""A model's explanation shows its risk to one decimal, cut instead where one decimal would read as
another band (9.96 % in the medium band is "9.9%", not "10.0%"). The check rounds the percent
(``round()``, a quarter of a microsecond) only for a probability within ``NEAR_CUT`` of a cut-point:
one decimal cannot move a probability further. The fast path is compared with the reference path -
the same explanation with every probability checked - over Hypothesis probabilities, uniform and on
and next to every cut-point of the four shipped models."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage.riskmodels import PreparedRow, RiskModel, load_models
from triage.riskprediction import NEAR_CUT

MODELS = load_models()
NAMES = sorted(MODELS.models)


def _prepared(model: RiskModel) -> PreparedRow:
    """A row at the training medians: every input known and in range, no drivers."""
    prepared = model.prepare([spec.median for spec in model.card.features])
    assert isinstance(prepared, PreparedRow)
    return prepared


def _checked_everywhere(model: RiskModel, probability: float) -> str:
    """The reference path: the explanation with the one-decimal check made for every probability."""
    kept = model._near_cuts
    model._near_cuts = (-math.inf, math.inf, -math.inf, math.inf)
    try:
        return model.finish(probability, _prepared(model)).explanation
    finally:
        model._near_cuts = kept


def _near_a_cut(model: RiskModel) -> st.SearchStrategy[float]:
    cuts = st.sampled_from([model.medium_threshold, model.threshold])
    # percents whose second decimal is 5 (x.x5 %: where one decimal rounds up), next to each cut
    steps = st.integers(-3 * round(NEAR_CUT * 1e5), 3 * round(NEAR_CUT * 1e5)).map(lambda k: k * 1e-5)
    nudged = st.builds(lambda cut, step: cut + step, cuts, steps)
    neighbours = st.builds(_next_floats, cuts, st.integers(-4, 4))
    return st.one_of(nudged, neighbours, st.floats(0.0, 1.0), cuts)


def _next_floats(x: float, n: int) -> float:
    """The float ``n`` floats above ``x`` (below for a negative ``n``)."""
    for _ in range(abs(n)):
        x = math.nextafter(x, 2.0 if n > 0 else -1.0)
    return x


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_shown_percent_is_the_one_every_probability_checked_gives(data: st.DataObject) -> None:
    model = MODELS.models[data.draw(st.sampled_from(NAMES))]
    probability = data.draw(_near_a_cut(model))
    assert model.finish(probability, _prepared(model)).explanation == _checked_everywhere(model, probability)


@pytest.mark.parametrize("name", NAMES)
def test_just_below_each_cut_point_the_percent_is_cut_not_rounded_up(name: str) -> None:
    """Both paths meet here: 0.04 percentage points under a cut-point reads below it."""
    model: RiskModel = MODELS.models[name]
    for cut, band in ((model.medium_threshold, "low"), (model.threshold, "medium")):
        probability = cut - 0.0004
        got = model.finish(probability, _prepared(model)).explanation
        assert f"{math.floor(probability * 1000) / 10:.1f}% ({band};" in got, got
        assert f"{cut * 100:.1f}% ({band};" not in got
        assert got == _checked_everywhere(model, probability)
