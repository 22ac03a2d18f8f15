"""Each card gives its held-out performance by decade of age, computed by the training code.

The cards split the held-out rows at 50 only: cvd10's 60-70-year-olds (196 rows, predicted 18.5%,
observed 15.8%) and the diabetes model's women of 40-49 (19 rows, predicted 41.8%, observed 63.2%,
AUROC 0.536) were inside 'age>=50' and 'age<50'; `triage models evaluate` showed no band either."""

from __future__ import annotations

import pytest

import models
from models.card import ModelCard
from models.card_markdown import render_card
from tests.models.conftest import SHIPPED
from triage.riskmodels_cards import read_card

BANDS = ("age<40", "age 40-49", "age 50-59", "age 60-69", "age>=70")


def _card(name: str, version: str = "1.0.0") -> ModelCard:
    return read_card(models.MODELS_DIR / name / version, name, version)


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_the_decades_of_age_partition_the_held_out_split(name: str, version: str) -> None:
    card = _card(name, version)
    bands = [label for label in card.metrics.subgroups if label in BANDS]
    assert bands and bands == [label for label in BANDS if label in bands]  # in order; empty ones left out
    assert sum(card.metrics.subgroups[b].n for b in bands) == card.metrics.n
    assert sum(card.metrics.subgroups[b].events for b in bands) == card.metrics.events
    table = render_card(card)
    for b in bands:
        assert f"| {b} | {card.metrics.subgroups[b].n} | {card.metrics.subgroups[b].events} | " in table


def test_the_bands_that_differ_from_the_split_at_50_are_on_the_cards() -> None:
    cvd = _card("cvd10").metrics.subgroups["age 60-69"]
    assert (cvd.n, cvd.events, cvd.mean_predicted, cvd.observed_rate) == (196, 31, 0.1854, 0.1582)
    women = _card("diabetes").metrics.subgroups["age 40-49"]
    assert (women.n, women.events, women.auroc, women.too_few_outcomes) == (19, 12, 0.5357, True)
    assert "age>=70" not in _card("diabetes").metrics.subgroups  # no held-out woman of 70 or more
