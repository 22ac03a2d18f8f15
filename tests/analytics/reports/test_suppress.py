"""Small cells (1-4) are blanked in every published table, with the rates built from them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from analytics.reports.report import build
from analytics.reports.suppress import add_rates, suppress


def test_suppress_blanks_counts_and_their_rates() -> None:
    frame = pd.DataFrame({"n": [100, 3, 0, 10], "k": [50, 1, 0, 4]}).astype("Int64")
    rates = {"share": ("k", "n")}
    out = suppress(add_rates(frame, rates), ["n", "k"], rates)
    assert out["n"].tolist()[0] == 100 and pd.isna(out["n"].iloc[1])
    assert out["n"].iloc[2] == 0
    assert pd.isna(out["k"].iloc[3]) and pd.isna(out["share"].iloc[3]) and pd.isna(out["share"].iloc[1])
    assert out["share"].iloc[0] == 0.5
    assert out["suppressed_cells"].tolist() == [0, 3, 0, 2]


def test_no_published_count_is_between_1_and_4(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    report = build([generated[0]], tmp_path)
    checked = 0
    for name, table in report.tables.items():
        if name in ("rejections", "sources", "h3_its_by_clinic", "h3_summary"):
            continue
        for col in table.columns:
            if pd.api.types.is_integer_dtype(table[col]) and col not in (
                "suppressed_cells",
                "news2_threshold",
                "in_degree",
            ):
                values = table[col].dropna()
                assert not ((values > 0) & (values < 5)).any(), (name, col)
                checked += 1
    assert checked > 10
    suppressed = sum(
        int(t["suppressed_cells"].sum()) for t in report.tables.values() if "suppressed_cells" in t
    )
    assert suppressed > 0  # the small data set does have small cells, and they were blanked
