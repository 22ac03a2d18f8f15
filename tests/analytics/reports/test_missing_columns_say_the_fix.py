"""A table whose header spells a column in other case or spacing (a spreadsheet's "Beds", "Facility
ID", "Disposition") is refused naming the column the file has and to rename it: "missing column(s)
beds" beside a "Beds" column did not say what to fix."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from analytics.reports.generate import GeneratorSpec, generate
from tests.cli.running import run
from triage.cli import main


@pytest.fixture(scope="module")
def csv_exports(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("csv") / "exports"
    generate(GeneratorSpec(clinics=2, rows=400, months=12, seed=3, table_format="csv"), out)
    return out


def _renamed(source: Path, target: Path, names: dict[str, str]) -> Path:
    with source.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    rows[0] = [names.get(name, name) for name in rows[0]]
    with target.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return target


def test_a_facilities_file_with_spreadsheet_headers_names_them(
    csv_exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    clinic = sorted(p for p in csv_exports.iterdir() if p.is_dir())[0]
    facilities = _renamed(
        clinic / "facilities.csv", tmp_path / "region.csv", {"beds": "Beds", "facility_id": "Facility ID"}
    )
    argv = [
        "report",
        "imbalance",
        "-i",
        str(csv_exports),
        "--facilities",
        str(facilities),
        "-o",
        str(tmp_path / "r"),
    ]
    assert main([*argv, "-q"]) == 2
    assert capsys.readouterr().err == (
        f'error: --facilities {facilities}: missing column(s) facility_id (the file has "Facility ID":'
        ' rename it), beds (the file has "Beds": rename it)\n'
    )


def test_an_encounters_table_with_a_column_in_capitals_names_it(
    csv_exports: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folders = sorted(p for p in csv_exports.iterdir() if p.is_dir())
    good = tmp_path / "good"
    shutil.copytree(folders[0], good)
    bad = _renamed(folders[1] / "encounters.csv", tmp_path / "clinic2.csv", {"disposition": "Disposition"})
    assert (
        main(["report", "imbalance", "-i", str(good), "-i", str(bad), "-o", str(tmp_path / "r"), "-q"]) == 0
    )
    assert (
        f'  {bad}: missing column(s): disposition (the file has "Disposition": rename it)'
        in capsys.readouterr().out.splitlines()
    )


def test_a_misspelt_or_renamed_column_is_named_with_the_fix(csv_exports: Path, tmp_path: Path) -> None:
    """A header with a typo ("dispositon", "hours_to_arival") or another name ("gender") was refused
    as "missing column(s): sex, disposition, hours_to_arrival", the file's own names unsaid: the
    analyst had 21 columns to compare letter by letter. A column no export has that is a typo of a
    missing one is named with the fix, and the others are listed."""
    clinic = sorted(p for p in csv_exports.iterdir() if p.is_dir())[0]
    names = {"sex": "gender", "disposition": "dispositon", "hours_to_arrival": "hours_to_arival"}
    bad = _renamed(clinic / "encounters.csv", tmp_path / "clinic1.csv", names)
    done = run(
        ["report", "imbalance", "-i", str(bad), "-o", str(tmp_path / "r"), "-q"], tmp_path, timeout=600
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr == (
        f"error: no usable encounters table among the inputs ({bad}: missing column(s): sex, disposition (the"
        ' file has "dispositon": rename it), hours_to_arrival (the file has "hours_to_arival": rename it); the'
        ' file\'s columns no export has: "gender")\n'
    )
