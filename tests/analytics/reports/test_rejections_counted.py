"""The rejections a report prints count their rows in words: '[1 row]', '[2 rows]' - not '[1 row(s)]'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.analytics.reports.conftest import bare_table
from triage.cli import main


def test_each_rejection_says_its_rows_in_words(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def spoil(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame.loc[3, "disposition"] = "send_home"  # one row
        frame.loc[[5, 8], "sex"] = "X"  # two rows
        return frame

    table = bare_table(generated, tmp_path, spoil)
    code = main(["report", "simulate", "-i", str(table), "-t", "5:0.20", "-o", str(tmp_path / "sim"), "-q"])
    assert code == 0
    printed = capsys.readouterr().out
    lines = [line for line in printed.splitlines() if line.startswith(f"  {table}: ")]
    assert len(lines) == 2, printed
    assert any("disposition" in line and line.endswith(" [1 row]") for line in lines), lines
    assert any("sex" in line and line.endswith(" [2 rows]") for line in lines), lines
    assert "row(s)" not in printed
