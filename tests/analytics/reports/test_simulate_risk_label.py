"""`triage report simulate` says that the risk column it replays is a teaching-data model's.

The policy replay runs on a ``risk_<model>`` column of the pooled exports: the probability of a
risk model trained on a teaching data set. `report imbalance` says so in its notes (5612605e);
`simulate` printed "risk column risk_cvd10", its --json gave the column's name and its plot the
``risk >= r`` curves, none of them what the column is - a threshold replayed on it read as a
clinical finding."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analytics.reports.simulate import risk_column_note
from referral.value_sets import RISK_MODELS_LABEL
from tests.analytics.reports.conftest import bare_table, without_risk_columns
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]

NOTE = (
    f"The policy replay runs on risk_cvd10, the probability of a risk model: {RISK_MODELS_LABEL}"
    " (every risk model is trained on a teaching data set, docs/models.md); thresholds replayed on it"
    " are a teaching exercise, not a clinical finding."
)


def _plot_texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every line of small print the plots written from now on carry under their axes (each
    figure's texts, unwrapped), as ``render._png`` draws them."""
    from analytics.reports import render

    texts: list[str] = []
    real_png = render._png

    def spy(fig: Any, source: str) -> bytes:
        data = real_png(fig, source)
        texts.extend(" ".join(text.get_text().split()) for text in fig.texts)
        return data

    monkeypatch.setattr(render, "_png", spy)
    return texts


def test_simulate_says_the_risk_column_is_a_teaching_data_models(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert risk_column_note("risk_cvd10") == NOTE  # the imbalance report's note, said once
    plotted = _plot_texts(monkeypatch)
    args = ["report", "simulate", "-i", str(generated[0]), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main(args) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[lines.index(next(x for x in lines if x.endswith("; risk column risk_cvd10"))) + 1] == NOTE
    assert NOTE in plotted and plotted[-1].startswith("Source: ")  # the source stays the last line
    plotted.clear()
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["risk_column"] == "risk_cvd10" and payload["risk_column_label"] == RISK_MODELS_LABEL
    assert NOTE in plotted


def test_a_replay_without_a_risk_column_carries_no_label(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """NEWS2 and red flags alone: no model probability, nothing to label."""
    bare = bare_table(generated, tmp_path, without_risk_columns)
    plotted = _plot_texts(monkeypatch)
    args = ["report", "simulate", "-i", str(bare), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "; risk column none" in text and RISK_MODELS_LABEL not in text
    assert not any(RISK_MODELS_LABEL in line for line in plotted) and plotted
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["risk_column"] is None and payload["risk_column_label"] is None
