"""A regional analyst sees where a pooled row broke the contract, not who wrote it: a rejection
quoted the offending cell as it was, so a referral status typed as free text by a clinic's other
system ("declined by Dr Wang Fang", "王芳 sent") reached the terminal, report.html,
summary.json and tables/rejections.csv with the staff member's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from triage.cli import main

NAMES = ("Wang Fang", "王芳", "Zhang")


def _export_with_free_text(generated: tuple[Path, dict[str, Any]], tmp_path: Path) -> Path:
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    frame = pd.read_parquet(export / "encounters.parquet").head(40).astype({"hours_to_arrival": object})
    frame.loc[3, "referral_status"] = "declined by Dr Wang Fang"
    frame.loc[5, "referral_status"] = "王芳 sent"
    frame.loc[7, "disposition"] = "send_home"
    frame.loc[9, "hours_to_arrival"] = "Zhang"
    path = tmp_path / "encounters.csv"
    frame.to_csv(path, index=False)
    return path


def test_rejected_free_text_is_withheld_everywhere_the_analyst_looks(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    table = _export_with_free_text(generated, tmp_path)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "--input", str(table), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert (
        "referral_status outside the allowed values (first at line 5, value withheld: free text of 24"
        " characters, not a code (it may name a person))"
    ) in printed
    assert 'disposition outside the allowed values (first at line 9, value "send_home")' in printed
    shown = [printed, *(p.read_text(encoding="utf-8") for p in (out / "report.html", out / "summary.json"))]
    shown.append((out / "tables" / "rejections.csv").read_text(encoding="utf-8"))
    for text in shown:
        for name in NAMES:
            assert name not in text
