"""`triage report simulate`'s small-count suppression: a blanked count is not given back by a share,
a load shift or its complement (moved from test_cli.py, which had passed 600 lines)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main


def _one_clinic(tmp_path: Path, **columns: Any) -> pd.DataFrame:
    """One generated clinic's 100-odd encounters, no red flag or risk, with ``columns`` set."""
    small = tmp_path / "small"
    generate(GeneratorSpec(clinics=2, rows=100, months=8, seed=7), small)
    table = pd.read_parquet(sorted(p for p in small.iterdir() if p.is_dir())[0] / "encounters.parquet")
    return table.assign(red_flags="", risk_cvd10=0.0, **columns)


def _simulate(tmp_path: Path, table: pd.DataFrame) -> Path:
    """``report simulate`` of ``table`` with the policies NEWS2>=5 and NEWS2>=0 (risk >= 0.99)."""
    table.to_parquet(tmp_path / "encounters.parquet", index=False)
    out = tmp_path / "sim"
    args = ["report", "simulate", "-i", str(tmp_path / "encounters.parquet"), "-o", str(out), "-q"]
    assert main([*args, "-t", "5:0.99,0:0.99"]) == 0
    return out


def test_simulate_blanks_the_shares_of_a_suppressed_count_and_says_when_nothing_was_confirmed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A policy that refers 3 patients: its referred share and load shift gave back the blanked
    count (share x published encounters). With no referral confirmed justified the sensitivity
    is not there to measure - it was printed as 'suppressed'."""
    table = _one_clinic(tmp_path, news2=0, referral_justified=False)
    table.loc[table.index[:3], "news2"] = 9
    out = _simulate(tmp_path, table)
    printed = capsys.readouterr().out
    curve = pd.read_csv(out / "tables" / "policy_curve.csv").set_index("policy")
    three = curve.loc["NEWS2>=5 or risk>=0.99"]
    assert three[["referred", "referred_share", "load_shift"]].isna().all()
    assert curve.loc["NEWS2>=0 or risk>=0.99", "referred"] == len(table)
    lines = {line.split("  ")[0]: line.split() for line in printed.splitlines() if line.startswith("NEWS2")}
    assert lines["NEWS2>=5 or risk>=0.99"][-4:] == ["suppressed", "suppressed", "-", "0"]
    everyone = lines["NEWS2>=0 or risk>=0.99"]
    # policy (3 words), referred, load shift in points (2 words since b1f9ff22), sensitivity, missed
    assert everyone[3] == "100.0%" and everyone[-3:] == ["points", "-", "0"]
    assert "sensitivity -: no completed referral was confirmed as justified" in printed
    # what "suppressed" means, said under the table as its other marks are (it was not)
    assert (
        "suppressed: a count from 1 to 4 is not published (small cells), nor a share or shift that"
        " would give it back"
    ) in printed.splitlines()


def test_simulate_a_missed_count_under_5_is_not_given_back_by_its_complement(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """missed = confirmed - confirmed_referred: blanking a missed of 3 while publishing both of
    those (confirmed is the same in every row) published the 3."""
    table = _one_clinic(tmp_path, news2=9, referral_status="completed", referral_justified=True)
    table.loc[table.index[:3], "news2"] = 0
    out = _simulate(tmp_path, table)
    printed = capsys.readouterr().out
    curve = pd.read_csv(out / "tables" / "policy_curve.csv").set_index("policy")
    three = curve.loc["NEWS2>=5 or risk>=0.99"]
    assert three["confirmed"] == len(table)
    assert three[["missed", "confirmed_referred", "sensitivity"]].isna().all()
    assert three["suppressed_cells"] == 3
    everyone = curve.loc["NEWS2>=0 or risk>=0.99"]
    assert everyone["missed"] == 0 and everyone["confirmed_referred"] == len(table)
    line = next(x for x in printed.splitlines() if x.startswith("NEWS2>=5 or risk>=0.99"))
    assert line.split()[-2:] == ["suppressed", "suppressed"]
