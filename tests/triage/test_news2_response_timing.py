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

CHART_4 = {  # band: (monitoring frequency, response), RCP 2017 Chart 4
    "low": ("at least 12-hourly", "routine monitoring"),
    "low_elevated": ("at least 4-6-hourly", "registered nurse to assess"),
    "low_medium": (
        "at least 1-hourly",
        "red score: registered nurse informs medical team; urgent ward-based review",
    ),
    "medium": ("at least 1-hourly", "urgent response: assessment by a clinician competent in acute illness"),
    "high": (
        "continuous",
        "emergency response: assessment by a critical-care team; consider transfer to level 2/3 care",
    ),
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
    assert RESPONSES == CHART_4


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
    monitoring, response = CHART_4[band]
    assert news2.detail.endswith(f": {response}; monitoring {monitoring}"), news2.detail
    assert a.recheck_minutes <= most, (band, a.recheck_minutes)
