"""One boolean spelling in every CSV the product writes: `true`/`false`, as the analytics export
contract says (docs/analytics-export.md); pandas alone wrote the report tables' `True`/`False`."""

from __future__ import annotations

import csv
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analytics.csvfiles import write_csv
from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]
ROOT = Path(__file__).resolve().parents[3]


def _column(path: Path, name: str) -> set[str]:
    with path.open(newline="", encoding="utf-8") as fh:
        return {row[name] for row in csv.DictReader(fh)}


def test_write_csv_spells_every_kind_of_boolean_as_the_exports_do(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "plain": [True, False],
            "nullable": pd.array([True, None], dtype="boolean"),
            "mixed": [None, np.True_],
            "count": [1, 0],
            "text": ["True", "x"],
        }
    )
    write_csv(frame, tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines() == [
        "plain,nullable,mixed,count,text",
        "true,true,,1,True",  # a string stays as written, an int is no boolean
        "false,,true,0,x",
    ]


def test_report_tables_and_exports_spell_booleans_alike(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "sim"
    args = ["report", "simulate", "-i", str(generated[0]), "-t", "5:0.20", "-o", str(out), "-q"]
    assert main(args) == 0
    capsys.readouterr()
    for name in ("policy_curve", "rejections"):
        assert _column(out / "tables" / f"{name}.csv", "synthetic") <= {"true"}
    assert _column(out / "tables" / "policy_curve.csv", "synthetic") == {"true"}
    exports = tmp_path / "csv-exports"
    generate(GeneratorSpec(clinics=2, rows=200, months=8, seed=1, table_format="csv"), exports)
    table = next(exports.glob("*/encounters.csv"))
    assert _column(table, "digital_triage") <= {"true", "false"}, "the export contract's spelling"
    assert _column(table, "referral_justified") <= {"true", "false", ""}


def test_no_analytics_or_cli_code_writes_a_csv_past_the_shared_writer() -> None:
    """pandas' own ``to_csv`` spells booleans ``True``; every table goes through ``write_csv``."""
    offenders = [
        f"{path.relative_to(ROOT)}:{number}"
        for folder in ("analytics", "triage")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if path.name != "csvfiles.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.to_csv\(", line)
    ]
    assert offenders == []
