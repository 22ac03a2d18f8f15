"""The report page's policy table shows each risk threshold as given: three decimals had shown
risk_threshold 0.15 as "0.150", a threshold nobody set, beside its row's "risk>=0.15"."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd

from analytics.reports.render import _table
from tests.analytics.reports.conftest import page_section


def _column(page: str, header: str) -> list[str]:
    headers = [h.replace("_<wbr>", "_") for h in re.findall(r"<th>(.*?)</th>", page)]
    at = headers.index(header)
    rows = [re.findall(r"<td>(.*?)</td>", tr) for tr in re.findall(r"<tr>(.*?)</tr>", page, re.S)]
    return [cells[at] for cells in rows if cells]


def test_a_threshold_reads_as_given_and_a_probability_as_before() -> None:
    page = _table(
        pd.DataFrame(
            {
                "policy": ["NEWS2>=5 or risk>=0.15", "NEWS2>=5 or risk>=0.20"],
                "news2_threshold": [5, 5],
                "risk_threshold": [0.15, 0.20],
                "probability": [0.15, 0.2],
            }
        )
    )
    assert _column(page, "risk_threshold") == ["0.15", "0.20"]
    assert _column(page, "news2_threshold") == ["5", "5"]
    assert _column(page, "probability") == ["0.150", "0.200"]  # as before: three decimals


def test_the_imbalance_reports_policy_table_shows_its_thresholds_as_its_policies_say_them(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    section = page_section(imbalance_run, "Counterfactual policy thresholds</h2>")
    policies = _column(section, "policy")
    thresholds = _column(section, "risk_threshold")
    assert {"0.15", "0.20", "0.30"} <= set(thresholds), thresholds
    for policy, threshold in zip(policies, thresholds, strict=True):
        assert html.unescape(policy).endswith(f"risk>={threshold}"), (policy, threshold)
