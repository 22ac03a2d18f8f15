"""`triage report simulate` prints a policy's missed patients as it prints every count, with
thousands grouped (`16,890`): its table said `16890` under `200,000 pooled encounters`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from triage.cli import main


def test_missed_patients_are_printed_with_thousands_grouped(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    assert (
        main(["report", "simulate", "-i", str(generated[0]), "-t", "7:0.30,3:0.20", "-o", str(out), "-q"])
        == 0
    )
    lines = capsys.readouterr().out.splitlines()
    curve = pd.read_csv(out / "tables" / "policy_curve.csv")
    assert curve["missed"].max() >= 1000  # a count that has thousands to group
    for policy, missed in zip(curve["policy"], curve["missed"], strict=True):
        row = next(line for line in lines if line.startswith(policy))
        assert row.split()[-1] == f"{int(missed):,}", row
