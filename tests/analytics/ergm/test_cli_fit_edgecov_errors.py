"""`triage study fit --edgecov NAME=FILE.csv`: a bad covariate file is one line naming the option as
given (which covariate), the line and column, and for an id the nodes file does not have, the nodes
file. It named the file alone, and a matrix with another unit's row and column (an unknown city) was
fitted without them, without a word."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.analytics.ergm.fit_cli import _files
from triage.cli import main

IDS = [f"u{k}" for k in range(15)]


def _matrix(rows: list[str], cols: list[str]) -> str:
    body = "".join(",".join([r, *("1" if r < c else "0" for c in cols)]) + "\n" for r in rows)
    return "id," + ",".join(cols) + "\n" + body


@pytest.mark.parametrize(
    ("text", "said"),
    [
        # an unknown city, long and matrix (the matrix's extra row and column were dropped silently)
        (
            "source,target,value\nu1,u2,1\nu1,Hangzhou,2\n",
            'line 3, column "target": "Hangzhou" is not an id in the nodes file {nodes}',
        ),
        (
            _matrix([*IDS, "Hangzhou"], [*IDS, "Hangzhou"]),
            'line 17, column "id": "Hangzhou" is not an id in the nodes file {nodes} (a matrix\'s first column'
            " and header row are node ids)",
        ),
        # the wrong shape: a node without its row, a row given twice (said 'edgecov "G": shape (16, 15)
        # is not 15 x 15'), a long table without its value column (said 'node "u0" has no row or column')
        (
            _matrix(IDS[:-1], IDS),
            'node "u14" has no row (first column) in the matrix (14 rows, 15 columns); a matrix has a row (first'
            " column) and a column (header row) for each of the 15 nodes in the nodes file {nodes}, or give a"
            " long table source,target,value",
        ),
        (
            _matrix([*IDS, "u3"], IDS),
            'line 17, column "id": the row of "u3" appears more than once (first at line 5); give each node one row',
        ),
        (
            "source,target\nu1,u2\n",
            'line 1: columns "source" and "target" but no third column "value": a long covariate table is'
            " source,target,value (one row per pair), a matrix has the node ids in its first column and its"
            " header row",
        ),
        # a bad file
        (
            "source;target;value\nu1;u2;1\n",
            'not a valid CSV file: line 1: the header row is separated by ";", not by commas (it has no'
            " comma); save the file as comma-separated CSV",
        ),
    ],
)
def test_a_bad_covariate_file_names_the_option_the_line_and_the_nodes_file(
    text: str, said: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    f = _files(tmp_path)
    covariate = tmp_path / "geo.csv"
    covariate.write_text(text, encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    argv += ["--formula", 'edges + edgecov("GeoProx")', "--edgecov", f"GeoProx={covariate}"]
    assert main(argv) == 2
    assert (
        capsys.readouterr().err == f"error: --edgecov GeoProx={covariate}: {said.format(nodes=f['nodes'])}\n"
    )
