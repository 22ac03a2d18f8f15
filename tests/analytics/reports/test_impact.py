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
