"""NEWS2 outputs at their cut-points on both sides, beyond Chart 1's bands (tests/triage/test_news2.py):
the Chart 3 response thresholds a total reaches (5 urgent, 7 emergency: RCP 2017), the SpO2 scale
the result names, and the adult age the chart starts at (16). Each case here killed a mutant of
triage/scores/news2.py that the other NEWS2 tests let live (a flipped comparison or a constant one
step off)."""

from __future__ import annotations

import pytest

from tests.triage.test_incomplete_scores import NEWS2
from triage.scores.news2 import news2

# no parameter scores 3 (no red score), so the flags below come from the total alone
NORMAL = NEWS2
TOTALS = {
    4: {"resp_rate": 22.0, "heart_rate": 100.0, "temperature": 38.5},  # 2 + 1 + 1
    5: {"resp_rate": 22.0, "heart_rate": 100.0, "temperature": 38.5, "spo2": 95.0},  # + 1
    6: {"resp_rate": 22.0, "heart_rate": 100.0, "temperature": 38.5, "spo2": 95.0, "sbp": 105.0},  # + 1
    7: {"resp_rate": 22.0, "heart_rate": 120.0, "temperature": 38.5, "spo2": 95.0, "sbp": 105.0},  # pulse 2
}


@pytest.mark.parametrize(
    ("total", "band", "threshold_flags"),
    [
        (4, "low_elevated", []),
        (5, "medium", ["urgent_threshold"]),
        (6, "medium", ["urgent_threshold"]),
        (7, "high", ["emergency_threshold"]),
    ],
)
def test_the_response_threshold_flag_starts_at_its_total(
    total: int, band: str, threshold_flags: list[str]
) -> None:
    r = news2(**{**NORMAL, **TOTALS[total]})  # type: ignore[arg-type]
    assert (r.value, r.band, r.complete) == (total, band, True)
    assert "red_score" not in r.flags
    assert [f for f in r.flags if f.endswith("_threshold")] == threshold_flags


@pytest.mark.parametrize(("scale2", "named"), [(False, 1), (True, 2)])
def test_the_result_names_the_spo2_scale_it_used(scale2: bool, named: int) -> None:
    r = news2(**NORMAL, scale2=scale2)  # type: ignore[arg-type]
    assert r.components["spo2_scale"] == named


@pytest.mark.parametrize(("age", "applicable"), [(15.99, False), (16.0, True), (16.5, True)])
def test_the_chart_applies_from_16_completed_years(age: float, applicable: bool) -> None:
    r = news2(**NORMAL, age=age)  # type: ignore[arg-type]
    assert r.applicable is applicable
    assert r.value == (0.0 if applicable else None)
