"""`report imbalance`'s `summary.json` and `--json` say what the policy replay's risk column is.

They gave `risk_column` (``risk_cvd10``) and nothing else: the probability of a risk model trained
on a teaching data set, which the report's notes and `report simulate --json` (``risk_column_label``,
since 240b006c) say - a program reading the summary could not. ``risk_column_label`` now, the same
key and the same words (``referral.value_sets.RISK_MODELS_LABEL``); null without a risk column."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from referral.value_sets import RISK_MODELS_LABEL
from tests.analytics.reports.conftest import bare_table, without_risk_columns
from triage.cli import main


def test_the_summary_labels_the_risk_column(imbalance_run: tuple[int, Path, str, str]) -> None:
    code, out, _, _ = imbalance_run
    assert code == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["risk_column"] == "risk_cvd10"
    assert summary["risk_column_label"] == RISK_MODELS_LABEL


def test_a_report_without_a_risk_column_carries_no_label(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """NEWS2 and red flags alone: no model probability, nothing to label - in --json as in the file."""
    bare = bare_table(generated, tmp_path, without_risk_columns)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(bare), "-o", str(out), "--json", "-q"]) == 0
    printed = json.loads(capsys.readouterr().out)
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    for payload in (printed, written):
        assert payload["risk_column"] is None and payload["risk_column_label"] is None, payload
