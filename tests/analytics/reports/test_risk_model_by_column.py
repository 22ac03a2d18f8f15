"""`--risk-model` takes the risk column as every output names it (``risk column risk_cvd10``), as
well as the model's name: the column, copied from the output, was refused as 'not in the pooled
exports (found: cvd10)'."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from triage.cli import main


@pytest.mark.parametrize("given", ["cvd10", "risk_cvd10"])
def test_the_risk_model_is_taken_by_name_or_by_column(
    given: str, generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["report", "simulate", "-i", str(generated[0]), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main([*args, "--risk-model", given]) == 0
    assert "pooled encounters; risk column risk_cvd10" in capsys.readouterr().out
