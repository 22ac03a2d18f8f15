"""A rejection says 'first at line N, value V': V must be the value on line N. The value was any
row's (DuckDB's any_value, read by parallel threads), so a large table said 'first at line 102,
value "mid_bad"' where line 102 holds "first_bad" - the analyst looked for the wrong value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analytics.reports.pooling import pool


def test_the_quoted_value_is_the_one_on_the_first_line(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    one = pd.read_parquet(export / "encounters.parquet")
    frame = pd.concat([one] * (250_000 // len(one) + 1), ignore_index=True)
    frame["record_id"] = [f"{i:032x}" for i in range(len(frame))]
    middle = len(frame) // 2
    frame.loc[middle : middle + 2000, "disposition"] = "mid_bad"
    frame.loc[len(frame) - 1, "disposition"] = "last_bad"
    frame.loc[100, "disposition"] = "first_bad"
    path = tmp_path / "encounters.csv"
    frame.to_csv(path, index=False)
    reasons = [r.reason for r in pool([path], tmp_path / "work").rejections]
    assert reasons == ['disposition outside the allowed values (first at line 102, value "first_bad")']
