"""The cvd10 and stroke10 cards say what the built-in policy lets them do on their own: refer (a
routine referral) only from 30 % (triage/policy_default.toml, WHO: very high), not from their high
band (10 %), which their threshold table gives with the action "refer routine" - a reviewer reading
the card alone took the 10 % as the referral point. The limitation is written by the training from
the policy's values, so a policy change shows as a card that ``train --check`` no longer reproduces.
The cvd10 card also called its probability "calibrated" where its calibration statement says it is
not recalibrated (held-out slope 1.14, 690e3809)."""

from __future__ import annotations

import pytest

import models
from models.card_markdown import render_card
from models.training.policy_words import policy_limitation
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskmodels import load_models
from triage.riskmodels_cards import read_card


@pytest.mark.parametrize("name", ["cvd10", "stroke10"])
def test_the_card_says_from_which_risk_the_built_in_policy_refers(name: str) -> None:
    card = read_card(models.MODELS_DIR / name / "1.0.0", name, "1.0.0")
    policy = load_policy()
    threshold = policy.models.for_model(name).threshold
    assert threshold == 0.30, "the built-in policy this test reads"
    high = card.thresholds[-1].min_probability
    said = policy_limitation(name, high)
    assert said in card.limitations, card.limitations
    assert said.startswith(
        "The built-in policy lets this model refer on its own - a routine referral - from a probability of 30%"
    ), said
    assert "not from its high band: from 10% to under 30% it is scored and shown" in said, said
    assert f"- {said}" in render_card(card), "CARD.md shows it"


def test_what_the_card_says_is_what_the_engine_does() -> None:
    """Between 10 % and 30 % the model is in its high band and refers nobody; the card's words hold."""
    man = PatientContext(age=54, sex="male", current_smoker=True, diabetes=False, on_antihypertensives=True)
    readings = [ob("sbp", 150), ob("dbp", 90), ob("total_cholesterol", 6.0), ob("heart_rate", 70)]
    a = assess(man, readings, load_policy(), models=load_models(), now=NOW)
    cvd10 = next(m for m in a.models if m.model == "cvd10")
    assert cvd10.probability is not None and 0.10 <= cvd10.probability < 0.30, cvd10
    assert cvd10.band == "high" and not cvd10.above_threshold and cvd10.level is None, cvd10
    assert not [r for r in a.reasons if r.rule == "model:cvd10"], a.reasons


def test_the_cvd10_card_does_not_call_its_probability_calibrated() -> None:
    card = read_card(models.MODELS_DIR / "cvd10" / "1.0.0", "cvd10", "1.0.0")
    assert card.calibration.startswith("Not recalibrated"), card.calibration
    assert "calibrated probability" not in card.intended_use, card.intended_use


def test_the_diabetes_card_says_the_built_in_policy_keeps_it_at_local_care() -> None:
    """Its card gave the high band (50 %) with an action and nothing about the policy, which keeps it at
    local care ([models.diabetes] level = "local_care"): a reader took it as routing patients."""
    card = read_card(models.MODELS_DIR / "diabetes" / "1.0.0", "diabetes", "1.0.0")
    assert load_policy().models.level_for("diabetes") == "local_care", "the built-in policy this test reads"
    said = policy_limitation(
        "diabetes", card.thresholds[-1].min_probability, "the published glucose and HbA1c rules decide"
    )
    assert said in card.limitations and f"- {said}" in render_card(card), card.limitations
    assert said.startswith("The built-in policy keeps this model at local care ([models.diabetes] in "), said


@pytest.mark.parametrize("version", ["1.0.0", "1.1.0"])
def test_the_ckd_cards_policy_sentence_is_written_from_the_policy(version: str) -> None:
    """Its local-care sentence was handwritten ('[models.ckd] level = "local_care" ...') while the other
    three cards' are written by the training from the policy's values: a policy change would not have
    shown as a card ``train --check`` no longer reproduces."""
    card = read_card(models.MODELS_DIR / "ckd" / version, "ckd", version)
    assert load_policy().models.level_for("ckd") == "local_care", "the built-in policy this test reads"
    said = policy_limitation(
        "ckd",
        card.thresholds[-1].min_probability,
        "the published kidney stage (KDIGO: eGFR and ACR, the engine's rules) decides a kidney referral",
    )
    (limitation,) = [text for text in card.limitations if "built-in policy" in text]
    # 1.0.0 notes the earlier default; 1.1.0 gives the reviewer's decision that it still may not refer
    follows = " Under the earlier default " if version == "1.0.0" else " Reviewer's decision on referral "
    assert limitation.startswith(said + follows), limitation
    assert f"- {limitation}" in render_card(card), "CARD.md shows it"
