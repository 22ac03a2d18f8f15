"""The diabetes model was trained on 2-hour OGTT glucose (Pima) and is served a random or a
fasting glucose: its card, CARD.md and docs/models.md say so plainly (the card said only that
"a random glucose is a weaker proxy", and nothing of the fasting value the engine also feeds it)."""

from __future__ import annotations

from pathlib import Path

import models
from models.card_markdown import render_card
from triage.riskmodels import read_card

DOCS = Path(__file__).resolve().parents[2] / "docs" / "models.md"


def _glucose_limitation() -> str:
    card = read_card(models.MODELS_DIR / "diabetes" / "1.0.0", "diabetes", "1.0.0")
    found = [text for text in card.limitations if "2-hour oral glucose tolerance test" in text]
    assert len(found) == 1, card.limitations
    return found[0]


def test_the_card_says_which_glucose_it_was_trained_on_and_which_it_is_given() -> None:
    text = _glucose_limitation()
    assert "random glucose, or a fasting glucose when no random one is recorded" in text
    assert "the probability tends to be too low" in text and "does not rule diabetes out" in text
    card = read_card(models.MODELS_DIR / "diabetes" / "1.0.0", "diabetes", "1.0.0")
    glucose = next(f for f in card.features if f.name == "glucose_random")
    assert "2-hour OGTT" in glucose.description and "fasting glucose" in glucose.description
    shipped = (models.MODELS_DIR / "diabetes" / "1.0.0" / "CARD.md").read_text(encoding="utf-8")
    assert f"- {text}" in shipped.splitlines() and shipped == render_card(card)


def test_docs_say_it_too() -> None:
    doc = " ".join(DOCS.read_text(encoding="utf-8").split())
    assert "**`diabetes` is given a different glucose than it was trained on.**" in doc
    assert (
        "or the fasting glucose (`glucose_fasting`) when no random one is recorded - never a 2-hour value"
        in doc
    )
