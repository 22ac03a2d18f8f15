"""Each card's band actions say what the built-in policy (triage/policy_default.toml) does with the
band: the cvd10 and stroke10 cards gave their high band (10 %) the action "refer routine ..." while
the policy refers from 30 % ([models.cvd10] / [models.stroke10] threshold = 0.30), so a reader of
the threshold table took 10 % as the referral point. The actions are written by the training from
the policy's values (``models.training.policy_words.band_action``); this test reads the TOML file
itself, not the code that writes them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

import models
import triage
from tests.models.conftest import SHIPPED
from triage.riskmodels_cards import read_card

POLICY = tomllib.loads((Path(triage.__file__).parent / "policy_default.toml").read_text("utf-8"))["models"]


@pytest.mark.parametrize(("name", "version"), SHIPPED)
def test_every_band_action_agrees_with_the_built_in_policy(name: str, version: str) -> None:
    folder = models.MODELS_DIR / name / version
    card = read_card(folder, name, version)
    setting = POLICY.get(name, {})
    threshold = setting.get("threshold", card.threshold("high"))  # the engine: the policy's, else the card's
    level = setting.get("level", POLICY["default_level"])
    page = (folder / "CARD.md").read_text("utf-8")
    for band in card.thresholds:
        refers = level != "local_care" and band.min_probability >= threshold
        says_refer = bool(re.match(r"refer\b", band.action)) or "refer routine" in band.action
        assert says_refer == refers, (name, version, band.band, band.action, threshold, level)
        if not refers and level != "local_care" and band.band == "high":
            assert f"only from {threshold:.0%} ([models.{name}] threshold = {threshold:g})" in band.action
        assert f"| {band.band} | {band.min_probability * 100:.1f}% | {band.action} |" in page, (
            "CARD.md shows it"
        )


def test_the_policy_this_test_reads_refers_cvd10_and_stroke10_above_their_high_band() -> None:
    """Without it the test above would pass on cards that say "refer" where the policy refers."""
    for name in ("cvd10", "stroke10"):
        card = read_card(models.MODELS_DIR / name / "1.0.0", name, "1.0.0")
        assert POLICY[name]["threshold"] > card.threshold("high")
        assert POLICY[name].get("level", POLICY["default_level"]) == "routine_referral"


@pytest.mark.parametrize("name", ["cvd10", "stroke10"])
def test_the_corrected_band_action_has_its_re_review(name: str) -> None:
    """The card was corrected in place after its approval: the registry records a re-review (as for
    every correction since the approval), not a new approval."""
    from triage.riskmodels_cards import read_registry

    version = read_registry(models.MODELS_DIR).models[name].versions["1.0.0"]
    review = version.reviews[-1]
    assert review.date == "2026-12-06" and review.reviewer == (
        "clinic-triage model reviewer (teaching demonstration only)"
    )
    assert 'its high band (10%) said "refer routine for' in review.note
    assert f"the built-in policy refers only from 30% ([models.{name}] threshold = 0.3)" in review.note
