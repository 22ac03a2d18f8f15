"""`triage models list` printed "slope 14.26" for ckd 1.1.0 as if it were an estimate: its held-out
predictions separate the outcomes completely (AUROC 1.000), so the recalibration has no finite
maximum-likelihood slope - the card's calibration statement says "not an estimate", the list did not."""

from __future__ import annotations

import json

import pytest

import models
from tests.models.conftest import listed_versions
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
    listed = listed_versions(capsys.readouterr().out)
    ckd = listed["ckd", "1.1.0"]
    assert "slope 14.26 (not an estimate: held-out outcomes separated completely)" in ckd, ckd
    # an estimated slope is printed as before
    assert "slope 1.14 intercept" in listed["cvd10", "1.0.0"], listed["cvd10", "1.0.0"]
    assert main(["models", "list", "--json"]) == 0
    rows = {(r["name"], r["version"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows["ckd", "1.1.0"]["calibration_slope_note"] == NOTE
    assert rows["ckd", "1.0.0"]["calibration_slope_note"] is None
    assert rows["cvd10", "1.0.0"]["calibration_slope_note"] is None


CI_NOTE = (
    "no measure of uncertainty: every held-out case is predicted above every non-case, so every bootstrap "
    "resample separates them too and the interval is 1.000-1.000"
)


def test_list_says_a_perfectly_separated_auroc_interval_is_no_measure_of_uncertainty(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """ckd 1.1.0's AUROC 95% CI was listed "(1.000-1.000)" as any other interval, beside a slope
    marked "not an estimate" for the same reason: the card's limitation says the interval is no
    measure of uncertainty, the list did not (text or --json)."""
    card = read_card(models.MODELS_DIR / "ckd" / "1.1.0", "ckd", "1.1.0")
    assert card.metrics.auroc_ci95 == (1.0, 1.0), "the card this test reads"
    assert main(["models", "list"]) == 0
    listed = listed_versions(capsys.readouterr().out)
    ckd = listed["ckd", "1.1.0"]
    assert ckd.startswith("* ckd 1.1.0 active"), ckd
    assert "AUROC 1.000 (1.000-1.000: no measure of uncertainty) Brier" in ckd, ckd
    retired = listed["ckd", "1.0.0"]
    assert retired.startswith("ckd 1.0.0 retired"), retired
    assert "AUROC 0.996 (0.988-1.000) Brier" in retired, retired  # an interval that measures something
    assert main(["models", "list", "--json"]) == 0
    rows = {(r["name"], r["version"]): r for r in json.loads(capsys.readouterr().out)}
    assert rows["ckd", "1.1.0"]["auroc_ci95"] == [1.0, 1.0]
    assert rows["ckd", "1.1.0"]["auroc_ci95_note"] == CI_NOTE
    for key in (("ckd", "1.0.0"), ("cvd10", "1.0.0"), ("stroke10", "1.0.0"), ("diabetes", "1.0.0")):
        assert rows[key]["auroc_ci95_note"] is None, key


def test_card_md_says_the_separated_auroc_interval_is_no_measure_of_uncertainty() -> None:
    """CARD.md, which `triage models show` prints, gave ckd 1.1.0's "AUROC: 1.000 (95% CI 1.000 - 1.000;
    percentile bootstrap, ...)" as any interval; only a limitation further down said otherwise."""
    from models.card_markdown import render_card

    for name, version in (("ckd", "1.1.0"), ("ckd", "1.0.0"), ("cvd10", "1.0.0")):
        folder = models.MODELS_DIR / name / version
        card = read_card(folder, name, version)
        text = render_card(card)
        (line,) = [row for row in text.splitlines() if row.startswith("- AUROC: ")]
        method = f"; {card.metrics.auroc_ci_method})"
        if version == "1.1.0":
            assert line == f"- AUROC: 1.000 (95% CI 1.000 - 1.000{method} - {CI_NOTE}"
        else:
            assert line.endswith(method), line
        assert (folder / "CARD.md").read_text(encoding="utf-8") == text
