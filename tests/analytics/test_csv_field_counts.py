"""A CSV row with more or fewer fields than its header row, as a person fixing the file in a
spreadsheet needs it said: the line, how many fields were found and expected, and which columns -
by name and by the spreadsheet's letters - the row lacks or runs past. The messages had named the
line and the two counts alone ("line 5: 22 fields where the header row has 21"), a row of twenty
fields left to search, and a row of one field read "1 fields"."""

from __future__ import annotations

from pathlib import Path

from analytics.csvfiles import csv_problem
from analytics.reports.generate import GeneratorSpec, generate
from tests.cli.running import run


def _export_lines(tmp_path: Path) -> list[str]:
    generate(GeneratorSpec(clinics=1, rows=200, months=8, seed=3, table_format="csv"), tmp_path / "exports")
    (export,) = (p for p in (tmp_path / "exports").iterdir() if p.is_dir())
    return (export / "encounters.csv").read_text(encoding="utf-8").splitlines(keepends=True)


def _refused(command: list[str], folder: Path) -> str:
    """The stderr of ``triage COMMAND`` run in ``folder``, which must exit 2 (what was given is wrong)."""
    done = run(command, folder, timeout=600)
    assert done.returncode == 2, done.stderr
    return done.stderr


def test_a_pooled_csv_with_a_field_too_many_names_the_columns_past_the_header(tmp_path: Path) -> None:
    lines = _export_lines(tmp_path)
    header = lines[0].rstrip("\n").split(",")
    assert len(header) == 21 and header[-1] == '"risk_cvd10"'
    extra = tmp_path / "encounters-from-excel.csv"
    extra.write_text("".join(lines[:4]) + lines[4].rstrip("\n") + ",surplus\n" + "".join(lines[5:]), "utf-8")
    command = ["report", "imbalance", "-i", str(extra), "-o", str(tmp_path / "report"), "-q"]
    assert _refused(command, tmp_path) == (
        f"error: no usable encounters table among the inputs ({extra}: cannot read as csv: line 5: 22 fields"
        ' where the header row has 21 (its last, "risk_cvd10", is spreadsheet column U): field 22 (column V)'
        " has no column name; quote a value that holds a comma (the fields after it moved right))\n"
    )


def test_a_short_row_in_a_study_file_names_the_columns_it_lacks(tmp_path: Path) -> None:
    nodes = tmp_path / "nodes.csv"
    nodes.write_text("id,HTH,EDU\nu0,1,9.5\nu1\nu2,3,10.1\n", encoding="utf-8")
    edges = tmp_path / "edges.csv"
    edges.write_text("source,target\nu0,u1\nu1,u2\n", encoding="utf-8")
    command = ["study", "fit", "--nodes", str(nodes), "--edges", str(edges), "--formula", "edges"]
    assert _refused(command, tmp_path) == (
        f'error: {nodes}: not a valid CSV file: line 3: 1 field where the header row has 3: the row ends at column "id"'
        ' (spreadsheet column A), with no field for "HTH" and "EDU" (columns B-C); give every row a field for each'
        " column of the header (an empty field for a missing value)\n"
    )


def test_columns_past_z_are_named_as_a_spreadsheet_names_them(tmp_path: Path) -> None:
    """Beyond 26 columns a spreadsheet's letters run AA, AB, ...; more than three columns missing
    are named by the first three and counted."""
    names = [f"c{n}" for n in range(1, 31)]
    wide = tmp_path / "wide.csv"
    row = ",".join(str(n) for n in range(30))
    wide.write_text(",".join(names) + f"\n{row}\n{row},x,y\n", encoding="utf-8")
    assert csv_problem(wide) == (
        'line 3: 32 fields where the header row has 30 (its last, "c30", is spreadsheet column AD): fields'
        " 31-32 (columns AE-AF) have no column name; quote a value that holds a comma (the fields after it"
        " moved right)"
    )
    short = tmp_path / "short.csv"
    short.write_text(",".join(names) + f"\n{row}\n" + ",".join(str(n) for n in range(25)) + "\n", "utf-8")
    assert csv_problem(short) == (
        'line 3: 25 fields where the header row has 30: the row ends at column "c25" (spreadsheet column Y),'
        ' with no field for "c26", "c27", "c28" and 2 more (columns Z-AD); give every row a field for each'
        " column of the header (an empty field for a missing value)"
    )
