"""A study's covariate matrix (study.json's ``edgecov``) is read as `triage study fit --edgecov` reads
one: a unit the nodes file does not have - another region's city - was left out with its row and
column without a word (the rebuild fitted the rest), and a row given twice failed later without
naming the file; both are refused naming the line (and the nodes file), as `triage study rebuild`
prints them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from triage.cli import main

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "study"


def _with_matrix(tmp_path: Path, rows: list[str], cols: list[str]) -> Path:
    folder = tmp_path / "data"
    shutil.copytree(EXAMPLE, folder)
    spec = json.loads((folder / "study.json").read_text(encoding="utf-8"))
    spec["frames"][0]["edgecov"] = {"GeoProx": "geo.csv"}
    (folder / "study.json").write_text(json.dumps(spec), encoding="utf-8")
    body = "".join(f"{r}," + ",".join("0" if r == c else "1" for c in cols) + "\n" for r in rows)
    (folder / "geo.csv").write_text("id," + ",".join(cols) + "\n" + body, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("extra_row", "extra_col", "said"),
    [
        ("Hangzhou", "Hangzhou", 'line 14, column "id": "Hangzhou" is not an id in the nodes file {nodes}'),
        ("R02", None, 'line 14, column "id": the row of "R02" appears more than once (first at line 3)'),
    ],
)
def test_a_matrix_with_a_unit_the_nodes_do_not_have_is_refused_saying_where(
    extra_row: str, extra_col: str | None, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = pd.read_csv(EXAMPLE / "nodes.csv", dtype={"id": str})["id"].tolist()
    folder = _with_matrix(tmp_path, [*ids, extra_row], [*ids, *([extra_col] if extra_col else [])])
    code = main(["study", "rebuild", "--data", str(folder), "--out", str(tmp_path / "out"), "-q"])
    assert code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: {folder / 'geo.csv'}: {said.format(nodes=folder / 'nodes.csv')}"), err
    assert err.count("\n") == 1
