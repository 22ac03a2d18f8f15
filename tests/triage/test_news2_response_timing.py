"""NEWS2's response table holds what RCP 2017 Chart 4 gives per Chart 3 band - the minimum monitoring
frequency and the clinical response - and nothing else: a third column of minutes (720, 240, 60, 60,
15) was read by nothing, and for the high band it disagreed with the chart's "continuous". The
timing a clinician reads is the detail's monitoring; how soon the engine re-assesses is the
assessment's re-check, never later than the chart's monitoring for an urgent band."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import Policy
from triage.scores.news2 import RESPONSES

CHART_4_MONITORING = {  # band: the minimum monitoring frequency, RCP 2017 Chart 4
    "low": "at least 12-hourly",
    "low_elevated": "at least 4-6-hourly",
    "low_medium": "at least 1-hourly",
    "medium": "at least 1-hourly",
    "high": "continuous",
}
# a complete NEWS2 set (7 parameters) in each band, and the most the re-check may be (minutes):
# hourly monitoring at least hourly, continuous at the emergency transfer's 15
SETS = {
    "low_elevated": ({"heart_rate": 91.0}, 240),
    "low_medium": ({"heart_rate": 131.0}, 60),
    "medium": ({"resp_rate": 21.0, "heart_rate": 111.0, "temperature": 39.1}, 60),
    "high": ({"resp_rate": 25.0, "spo2": 91.0, "heart_rate": 111.0}, 15),
}


def test_the_table_is_chart_4_and_nothing_else() -> None:
    assert all(len(entry) == 2 for entry in RESPONSES.values()), "monitoring and response, no minutes"
    assert {band: monitoring for band, (monitoring, _) in RESPONSES.items()} == CHART_4_MONITORING


@pytest.mark.parametrize("band", sorted(SETS))
def test_the_detail_says_the_charts_monitoring_and_the_recheck_is_no_later(policy: Policy, band: str) -> None:
    changed, most = SETS[band]
    values = {
        "resp_rate": 16.0,
        "spo2": 97.0,
        "sbp": 124.0,
        "heart_rate": 72.0,
        "temperature": 36.8,
    } | changed
    observations = [ob(code, value) for code, value in values.items()]
    observations += [ob("dbp", 76.0), ob("consciousness", "A"), ob("supplemental_o2", "air")]
    a = assess(PatientContext(age=50), observations, policy, now=NOW)
    news2 = a.scores["news2"]
    assert news2.complete and news2.band == band, news2
    monitoring, response = CHART_4_MONITORING[band], RESPONSES[band][1]
    assert news2.detail.endswith(f": {response}; monitoring {monitoring}"), news2.detail
    assert a.recheck_minutes <= most, (band, a.recheck_minutes)
