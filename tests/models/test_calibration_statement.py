"""A card's calibration statement says what its own held-out slope and intercept say.

Every card.json said "none needed beyond logistic regression's own; checked by held-out
slope/intercept" - also the ckd card, whose held-out calibration slope is 2.52 (its predictions far
too moderate: docs/models.md says so) - and CARD.md did not show the statement at all."""

from __future__ import annotations

import pytest

import models
from models.card_markdown import render_card
from tests.models.conftest import SHIPPED
from triage.riskmodels_cards import read_card


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_statement_gives_the_held_out_slope_and_intercept(name: str, version: str) -> None:
    card = read_card(models.MODELS_DIR / name / version, name, version)
    m = card.metrics
    assert card.calibration.startswith(
        "Not recalibrated: the probabilities are the logistic regression's own. "
    )
    assert f"held-out calibration slope is {m.calibration_slope:.2f} (" in card.calibration
    assert f"calibration intercept {m.calibration_intercept:.2f} (" in card.calibration
    assert f"- Calibration: {card.calibration}" in render_card(card).splitlines()


def test_ckds_slope_and_diabetes_intercept_are_read_as_they_are() -> None:
    ckd = read_card(models.MODELS_DIR / "ckd" / "1.0.0", "ckd", "1.0.0").calibration
    assert (
        "slope is 2.46 (above 1: the predictions are more moderate than the outcomes, closer to the average risk)"
        in ckd
    )
    assert "intercept 0.55 (above 0: the predictions are on average lower than the observed rate)" in ckd
    stroke = read_card(models.MODELS_DIR / "stroke10" / "1.0.0", "stroke10", "1.0.0").calibration
    assert "slope is 0.87 (below 1: the predictions are more extreme than the outcomes)" in stroke
    assert "intercept -0.04 (below 0: the predictions are on average higher than the observed rate)" in stroke
