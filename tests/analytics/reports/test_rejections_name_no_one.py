"""A regional analyst sees where a pooled row broke the contract, not who wrote it: a rejection
quoted the offending cell as it was, so a referral status typed as free text by a clinic's other
system ("declined by Dr Wang Fang", "王芳 sent") reached the terminal, report.html,
summary.json and tables/rejections.csv with the staff member's name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.pooling import pool
from analytics.reports.withheld import shown_value
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


def test_a_lone_lowercase_word_is_withheld_unless_it_is_a_code_a_typo_of_one_or_a_placeholder(
    generated: tuple[Path, dict[str, Any]], tmp_path: Path
) -> None:
    # A pinyin surname typed alone reads like a code ("wang", "zhangwei"): it was quoted.
    export = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    frame = pd.read_parquet(export / "encounters.parquet").head(40).astype({"hours_to_arrival": object})
    frame.loc[3, "referral_status"] = "wang"
    frame.loc[4, "referral_urgency"] = "zhangwei"
    frame.loc[5, "sex"] = "femal"  # a typo of a code: shown, the analyst can tell the clinic what to fix
    frame.loc[6, "disposition"] = "send_home"  # a code of another system: shown, as before
    frame.loc[7, "hours_to_arrival"] = "unknown"  # a placeholder: shown
    frame.loc[8, "age_band"] = "li"
    path = tmp_path / "encounters.csv"
    frame.to_csv(path, index=False)
    reasons = sorted(r.reason for r in pool([path], tmp_path / "work").rejections)
    assert reasons == [
        "age_band outside the allowed values (first at line 10, value withheld: one word of 2 lowercase"
        " letters, not one of its column's codes (it may be a name))",
        'disposition outside the allowed values (first at line 8, value "send_home")',
        'hours_to_arrival is not a valid double (first at line 9, value "unknown")',
        "referral_status outside the allowed values (first at line 5, value withheld: one word of 4 lowercase"
        " letters, not one of its column's codes (it may be a name))",
        "referral_urgency outside the allowed values (first at line 6, value withheld: one word of 8"
        " lowercase letters, not one of its column's codes (it may be a name))",
        'sex outside the allowed values (first at line 7, value "femal")',
    ]


@pytest.mark.parametrize(
    ("value", "codes", "shown"),
    [
        (
            "wang",
            (),
            "withheld: one word of 4 lowercase letters, not a code or a placeholder (it may be a name)",
        ),
        (
            "lots",
            (),
            "withheld: one word of 4 lowercase letters, not a code or a placeholder (it may be a name)",
        ),
        ("arived", ("arrived", "sent"), '"arived"'),
        ("sendhome", ("send_home",), '"sendhome"'),
        (
            "ma",
            ("male", "female"),
            "withheld: one word of 2 lowercase letters, not one of its column's codes (it may be a name)",
        ),
        ("emergency", ("primary",), '"emergency"'),  # a code of another column names no one
        ("null", (), '"null"'),
        # a code in other case or spacing: where the problem is a capital or a space, the analyst sees it
        ("Tertiary", ("primary", "secondary", "tertiary"), '"Tertiary"'),
        ("tertiary ", ("primary", "secondary", "tertiary"), '"tertiary "'),
        ("Urgent referral", ("urgent_referral", "local_care"), '"Urgent referral"'),
        (
            "Wang",
            ("urgent_referral", "local_care"),
            "withheld: free text of 4 characters, not a code (it may name a person)",
        ),
        ("2024-13-45", (), '"2024-13-45"'),
        ("ZJ-C01", (), '"ZJ-C01"'),
        (None, (), "null"),
    ],
)
def test_shown_value(value: str | None, codes: tuple[str, ...], shown: str) -> None:
    assert shown_value(value, codes) == shown
