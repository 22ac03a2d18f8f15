"""The staff pages' names of the risk models follow their cards.

The diabetes card's title was corrected in place (de3cf6c: its label is diabetes found at another
survey examination or in routine care, not "undiagnosed diabetes"), while the pages' catalogues
kept the old wording in the model's hover, its short name and the age/sex note.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import models
from triage.riskmodels import read_card

MESSAGES = Path(__file__).resolve().parents[2] / "triage" / "service" / "messages"
SHIPPED = sorted(
    (folder.parent.name, folder.name)
    for folder in models.MODELS_DIR.glob("*/*")
    if (folder / "card.json").is_file()
)


def catalogue(language: str) -> dict[str, str]:
    entries: dict[str, str] = json.loads((MESSAGES / f"{language}.json").read_text(encoding="utf-8"))
    return entries


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_english_hover_of_each_model_is_its_card_title(name: str, version: str) -> None:
    card = read_card(models.MODELS_DIR / name / version, name, version)
    assert catalogue("en")[f"model_card.{name}"] == card.title


@pytest.mark.parametrize("language", ["en", "zh"])
def test_no_page_text_calls_the_diabetes_model_undiagnosed(language: str) -> None:
    said = {
        key: text
        for key, text in catalogue(language).items()
        if "undiagnosed" in text.lower() or "未诊断" in text
    }
    assert said == {}
