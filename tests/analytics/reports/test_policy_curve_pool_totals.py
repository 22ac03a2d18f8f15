"""The policy curve publishes its pool totals, ``encounters`` and ``confirmed``, unsuppressed, as
the key figures publish them (docs/analytics-reports.md: pool totals are never blanked; the
disclosure check counts them as published): a pool of 3 encounters had ``encounters`` blank in
every row of the curve beside `simulate --json`'s ``"encounters": 3``, and with it the referred
share of a policy that refers no one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.analytics.reports.conftest import bare_table
from triage.cli import main


def test_a_pool_of_three_keeps_its_totals_in_the_curve(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def three_kept_local(rows: pd.DataFrame) -> pd.DataFrame:
        local = rows[rows["referral_to"].isna() & (rows["red_flags"].fillna("") == "")]
        return local.head(3).assign(news2=0, risk_cvd10=0.0)

    bare = bare_table(generated, tmp_path, three_kept_local)
    args = ["report", "simulate", "-i", str(bare), "-t", "5:0.20", "-o", str(tmp_path / "s"), "-q"]
    assert main([*args, "--json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    (row,) = payload["curve"]
    assert payload["encounters"] == row["encounters"] == 3
    assert row["referred"] == 0 and row["referred_share"] == 0.0 and row["load_shift"] == 0.0
    assert row["confirmed"] == 0
    curve = pd.read_csv(tmp_path / "s" / "tables" / "policy_curve.csv")
    assert curve["encounters"].tolist() == [3] and curve["referred_share"].tolist() == [0.0]
