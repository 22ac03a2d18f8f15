"""`triage models list` printed "slope 14.26" for ckd 1.1.0 as if it were an estimate: its held-out
predictions separate the outcomes completely (AUROC 1.000), so the recalibration has no finite
maximum-likelihood slope - the card's calibration statement says "not an estimate", the list did not."""

from __future__ import annotations

import json

import pytest

import models
from triage.cli import main
from triage.riskmodels_cards import read_card

NOTE = (
    "not an estimate: every held-out case is predicted above every non-case, so the slope has no finite "
    "maximum-likelihood value and this is where the fit stopped"
)


def test_list_says_a_perfectly_separated_slope_is_no_estimate(capsys: pytest.CaptureFixture[str]) -> None:
    card = read_card(models.MODELS_DIR / "ckd" / "1.1.0", "ckd", "1.1.0")
    assert card.metrics.auroc == 1 and NOTE in card.calibration, "the card this test reads"
    assert main(["models", "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    (ckd,) = [line for line in lines if line.startswith("* ckd ")]
    assert "slope 14.26 (not an estimate: held-out outcomes separated completely)" in ckd, ckd
    # an estimated slope is printed as before
    (cvd10,) = [line for line in lines if line.startswith("* cvd10 ")]
    assert "slope 1.14  intercept" in cvd10, cvd10
    assert main(["models", "list", "--json"]) == 0
    rows = {(r["name"], r["version"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows["ckd", "1.1.0"]["calibration_slope_note"] == NOTE
    assert rows["ckd", "1.0.0"]["calibration_slope_note"] is None
    assert rows["cvd10", "1.0.0"]["calibration_slope_note"] is None
