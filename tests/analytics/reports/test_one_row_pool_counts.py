"""A pool of one encounter says its counts in the singular: `triage report imbalance` printed
"pooled 1 encounter from 1 clinic(s) in 1 region(s), 1 month(s)", its page "1 input table(s) came
without a manifest" and "1 clinic(s) (...) are not in it, so their tier", and every plot's source
line "from 1 clinic(s) ... 1 clinic-triage-analytics/1 input(s)"."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

from tests.analytics.reports.conftest import bare_table
from triage.cli import main


def test_a_one_encounter_pool_says_one_of_each(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    one = bare_table(generated, tmp_path, lambda rows: rows[rows["referral_to"].isna()].head(1))  # kept local
    assert main(["report", "imbalance", "-i", str(one), "-o", str(tmp_path / "r")]) == 0
    captured = capsys.readouterr()
    assert (
        "pooled 1 encounter from 1 clinic in 1 region, 1 month [engine: duckdb]" in captured.out.splitlines()
    )
    gap = (
        f"facility directory: 1 clinic ({clinic.name}) is not in it (a registration missing), so its capacity,"
        " beds and location are missing (tier, load and network tables)"
    )
    assert f"warning: {gap}" in captured.err
    page = " ".join(html.unescape((tmp_path / "r" / "report.html").read_text(encoding="utf-8")).split())
    assert gap in page
    assert (
        "Provenance unknown: 1 input table came without a manifest, so nothing says whether it is real"
        in page
    )
    assert (
        "Source: 1 encounter from 1 clinic, " in page
        and " pooled from 1 clinic-triage-analytics/1 input," in page
    )
    assert "(s)" not in captured.out + captured.err
