"""`triage assess --table` showed a model's probability below its threshold without the imputed-input
caution (ae5a0cd): above its threshold the model's reason carries the whole explanation, below it
the model line was all there was. The caution is now said under that line."""

from __future__ import annotations

import json

import pytest

from tests.triage.assess_cli import EXAMPLES, run


def test_a_risk_below_its_threshold_with_an_input_imputed_shows_the_caution(
    capsys: pytest.CaptureFixture[str],
) -> None:
    case = str(EXAMPLES / "routine-referral.json")
    code, out, _ = run(capsys, "assess", case, "--models")
    assert code == 0
    (cvd10,) = [m for m in json.loads(out)["models"] if m["model"] == "cvd10"]
    assert cvd10["imputed"] and not cvd10["above_threshold"]  # the case this test is about
    code, table, _ = run(capsys, "assess", case, "--models", "--table")
    assert code == 0
    lines = table.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  model cvd10 "))
    caution = lines[at + 1]
    assert caution.startswith("    missing, imputed with the training median: glucose_random="), caution
    assert "so this risk is less certain: held-out AUROC 0.603 on the card's 124 rows" in caution
    assert caution.endswith("too few outcomes on those rows for a firm estimate"), caution
    assert "teaching data" not in caution  # said once, on the model line


def test_a_risk_with_every_input_measured_gets_no_caution_line(capsys: pytest.CaptureFixture[str]) -> None:
    code, table, _ = run(capsys, "assess", str(EXAMPLES / "local-care.json"), "--models", "--table")
    assert code == 0
    assert "less certain" not in table and "imputed" not in table
