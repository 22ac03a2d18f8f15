"""CARD.md says whom the engine does not score beside the ages: the patients a card's
``population.exclude_if`` flags leave out, and the one sex a model is scored for.

CARD.md gave the population's description and its ages only: a reviewer reading the page that
cvd10 is not run on a patient with established ASCVD or in pregnancy, diabetes not on a woman with
diagnosed diabetes (nor on a man), ckd not on a patient with known CKD, had to open card.json."""

from __future__ import annotations

import pytest

import models
from models.card_markdown import EXCLUDE_WORDS, render_card
from tests.models.conftest import SHIPPED
from triage.patient import PatientContext
from triage.riskfeatures import not_applicable_reason
from triage.riskmodels_cards import read_card


def _line(text: str, start: str) -> str:
    (line,) = [row for row in text.splitlines() if row.startswith(start)]
    return line


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_card_md_names_every_exclusion_flag_of_the_card_in_words(name: str, version: str) -> None:
    folder = models.MODELS_DIR / name / version
    card = read_card(folder, name, version)
    text = render_card(card)
    assert card.population.exclude_if  # every shipped card leaves some patients out
    line = _line(text, "**Not scored for these patients:** one whose record has ")
    for flag in card.population.exclude_if:
        assert f"`patient.{flag}` true ({EXCLUDE_WORDS[flag]})" in line, flag
    assert line.endswith(
        "is outside the population (`population.exclude_if`) and the model is not scored; a flag recorded "
        "false, or not recorded, does not exclude the patient."
    )
    # the page a reviewer reads is the rendering (`triage models verify` checks it too)
    assert (folder / "CARD.md").read_text(encoding="utf-8") == text


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_what_card_md_says_is_excluded_the_engine_does_not_score(name: str, version: str) -> None:
    """Each flag the page names is a yes/no field of the patient record, and a patient with it true
    (and inside the ages and sex) is not scored, as the page says."""
    card = read_card(models.MODELS_DIR / name / version, name, version)
    low, high = card.population.ages or (0, 130)
    for flag in card.population.exclude_if:
        assert PatientContext.model_fields[flag].annotation == (bool | None), flag
        patient = PatientContext(age=(low + high) // 2, sex=card.population.sex or "female", **{flag: True})
        assert not_applicable_reason(card, patient) == f"outside the model population: patient.{flag} is true"


def test_the_diabetes_card_md_says_it_is_scored_for_women_only() -> None:
    card = read_card(models.MODELS_DIR / "diabetes" / "1.0.0", "diabetes", "1.0.0")
    text = render_card(card)
    assert _line(text, "**Scored only for female patients:**") == (
        "**Scored only for female patients:** a male patient, or one whose sex is not recorded, is outside "
        "the population and the model is not scored."
    )
    line = _line(text, "**Not scored for these patients:**")
    assert (
        "`patient.diabetes` true (diagnosed diabetes) or `patient.pregnant` true (currently pregnant)" in line
    )
    for sex in ("male", None):
        assert not_applicable_reason(card, PatientContext(age=40, sex=sex)) is not None
    # the others are scored for both sexes and say no such line
    cvd10 = render_card(read_card(models.MODELS_DIR / "cvd10" / "1.0.0", "cvd10", "1.0.0"))
    assert "**Scored only for" not in cvd10.replace("**Scored only for ages", "")
