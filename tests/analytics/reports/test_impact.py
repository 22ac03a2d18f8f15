"""H3 estimates recover the generator's planted effect, and find none when none is planted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports import impact
from analytics.reports.engines import DuckDBEngine
from analytics.reports.generate import GeneratorSpec, generate
from analytics.reports.pooling import pool
from analytics.reports.queries import CLINIC_MONTH, FACILITIES


def _estimates(
    folder: Path, work: Path
) -> tuple[pd.DataFrame, impact.Estimate | None, impact.Estimate | None]:
    engine = DuckDBEngine(pool([folder], work).con)
    clinic_month, facilities = engine.run(CLINIC_MONTH), engine.run(FACILITIES)
    starts = impact.start_months(
        clinic_month, dict(zip(facilities["facility_id"], facilities["digital_triage_start"], strict=True))
    )
    per_clinic = impact.its_per_clinic(clinic_month, starts)
    return per_clinic, impact.pooled_its(per_clinic), impact.stacked_did(clinic_month, starts)


def test_its_and_did_cover_the_planted_effect(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    truth = generated[1]["true_effect_local_share"]
    per_clinic, its, did = _estimates(generated[0], tmp_path)
    assert its is not None and did is not None
    assert its.low <= truth <= its.high
    assert did.low <= truth <= did.high
    assert its.low > 0 and did.low > 0
    never = per_clinic[per_clinic["status"] == "never started"]
    assert len(never) == generated[1]["clinics_never_started"]


def test_no_planted_effect_gives_a_ci_around_zero(tmp_path: Path) -> None:
    spec = GeneratorSpec(clinics=12, rows=36_000, seed=12, over_referral_before=0.2, over_referral_after=0.2)
    generate(spec, tmp_path / "null")
    _, its, did = _estimates(tmp_path / "null", tmp_path / "work")
    assert its is not None and did is not None
    assert its.low <= 0 <= its.high
    assert did.low <= 0 <= did.high


def test_start_month_falls_back_to_the_first_digital_day() -> None:
    frame = pd.DataFrame(
        {
            "clinic_id": ["a", "a", "b"],
            "month": ["2024-01", "2024-02", "2024-01"],
            "first_digital_day": [None, "2024-02-14", None],
        }
    )
    starts = impact.start_months(frame, {"b": "2024-05-01"})
    assert starts == {"a": 2024 * 12 + 1, "b": 2024 * 12 + 4}


def test_clinic_with_too_few_months_is_reported_not_estimated() -> None:
    frame = pd.DataFrame(
        {
            "clinic_id": ["a"] * 4,
            "month": ["2024-01", "2024-02", "2024-03", "2024-04"],
            "encounters": [100] * 4,
            "local_care": [50, 50, 70, 70],
        }
    )
    rows = impact.its_per_clinic(frame, {"a": 2024 * 12 + 2})
    assert rows["status"].iloc[0].startswith("fewer than 3 months")
    assert impact.pooled_its(rows) is None


@pytest.mark.parametrize("window", [3, 6])
def test_did_needs_later_starters(window: int) -> None:
    frame = pd.DataFrame(
        {
            "clinic_id": ["a"] * 6,
            "month": [f"2024-0{m}" for m in range(1, 7)],
            "encounters": [10] * 6,
            "local_care": [5] * 6,
        }
    )
    assert impact.stacked_did(frame, {"a": 2024 * 12 + 2}, window=window) is None


def _months(clinic: str, first: int, last: int) -> list[dict[str, Any]]:
    return [
        {"clinic_id": clinic, "month": f"2024-{m:02d}", "encounters": 100, "local_care": 50 + m}
        for m in range(first, last + 1)
    ]


def test_did_of_a_clinic_first_seen_in_its_start_month_is_not_estimable_not_a_crash() -> None:
    # Clinic "a" exports from April on and triages digitally from its first month: it has no month
    # before its start, so its fixed effect absorbs the treatment (this divided by zero before).
    clinic_month = pd.DataFrame(_months("a", 4, 12) + _months("b", 1, 12))
    starts = {"a": 2024 * 12 + 3, "b": None}
    assert impact.stacked_did(clinic_month, starts) is None


def test_did_ignores_a_start_cohort_seen_on_one_side_only_and_keeps_the_others() -> None:
    rows = _months("a", 4, 12) + _months("c", 1, 12) + _months("b", 1, 12)
    clinic_month = pd.DataFrame(rows)
    for row in clinic_month.itertuples():
        if row.clinic_id == "c" and int(row.month[5:]) >= 6:
            clinic_month.loc[row.Index, "local_care"] += 20  # a +0.20 level change at c's start
    starts = {"a": 2024 * 12 + 3, "c": 2024 * 12 + 5, "b": None}
    did = impact.stacked_did(clinic_month, starts)
    assert did is not None and did.n == 1
    assert did.effect == pytest.approx(0.20)
