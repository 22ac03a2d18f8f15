"""Policy replay: parsing, monotonic trade-off, red flags always refer."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.engines import DuckDBEngine
from analytics.reports.errors import ReportInputError
from analytics.reports.pooling import pool
from analytics.reports.queries import replay_histogram
from analytics.reports.simulate import Thresholds, default_grid, parse_thresholds, replay


def test_parse_thresholds() -> None:
    assert parse_thresholds(["5:0.20,3:0.1", "5:0.2"]) == [Thresholds(3, 0.1), Thresholds(5, 0.2)]
    for bad in ("5", "5:1.5", "x:0.2", "21:0.2", "5:0.125"):
        with pytest.raises(ReportInputError, match="--thresholds"):
            parse_thresholds([bad])


def test_tradeoff_is_monotonic_on_pooled_data(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> None:
    engine = DuckDBEngine(pool([generated[0]], tmp_path).con)
    curve = replay(engine.run(replay_histogram("risk_cvd10")), default_grid())
    for _, rows in curve.groupby("risk_threshold"):
        rows = rows.sort_values("news2_threshold")
        assert rows["referred"].is_monotonic_decreasing
        assert rows["sensitivity"].is_monotonic_decreasing
        assert rows["load_shift"].is_monotonic_decreasing
    for _, rows in curve.groupby("news2_threshold"):
        rows = rows.sort_values("risk_threshold")
        assert rows["sensitivity"].is_monotonic_decreasing
    strict = curve[curve["policy"] == "NEWS2>=2 or risk>=0.15"].iloc[0]
    lax = curve[curve["policy"] == "NEWS2>=9 or risk>=0.30"].iloc[0]
    assert strict["sensitivity"] > lax["sensitivity"] and strict["referred"] > lax["referred"]
    assert (curve["missed"] == curve["confirmed"] - curve["confirmed_referred"]).all()


def test_red_flags_always_refer_and_risk_grid_is_exact() -> None:
    histogram = pd.DataFrame(
        {
            "region_code": ["r"] * 3,
            "news2": [0, 0, None],
            "risk_pct": [0, 29, None],
            "red_flag": [1, 0, 0],
            "referred": [1, 0, 0],
            "feedback": [1, 0, 0],
            "confirmed": [1, 0, 0],
            "encounters": [7, 10, 3],
        }
    )
    curve = replay(histogram, [Thresholds(20, 1.0), Thresholds(20, 0.29), Thresholds(20, 0.30)])
    assert curve["referred"].tolist() == [7, 17, 7]
    assert curve["sensitivity"].tolist() == [1.0, 1.0, 1.0]
    assert curve["load_shift"].tolist() == pytest.approx([0.0, 0.5, 0.0])
