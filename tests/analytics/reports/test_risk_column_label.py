"""The imbalance report says that its policy replay's risk column is a teaching-data model's.

The replay of alternative policy thresholds runs on a ``risk_<model>`` column of the pooled
exports: the probability of a risk model trained on a teaching data set, which every model card,
`triage models show` and the staff's explanation label as such - the report did not, so a
regional analyst read thresholds replayed on it as clinical figures."""

from __future__ import annotations

import html
from pathlib import Path

from referral.value_sets import RISK_MODELS_LABEL


def test_the_report_labels_the_risk_column_of_its_policy_replay(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    code, out, _, _ = imbalance_run
    assert code == 0
    page = html.unescape((out / "report.html").read_text(encoding="utf-8"))
    assert (
        f"The policy replay runs on risk_cvd10, the probability of a risk model: {RISK_MODELS_LABEL} "
        "(every risk model is trained on a teaching data set, docs/models.md); thresholds replayed on it "
        "are a teaching exercise, not a clinical finding." in " ".join(page.split())
    )
