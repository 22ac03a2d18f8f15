"""`triage study fit --edgecov NAME=FILE.csv`: a bad covariate file is one line naming the option as
given (which covariate), the line and column, and for an id the nodes file does not have, the nodes
file. It named the file alone, and a matrix with another unit's row and column (an unknown city) was
fitted without them, without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.analytics.ergm.fit_cli import EXAMPLE, _files
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


def test_an_undirected_covariate_is_one_value_per_pair_in_either_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An undirected fit reads one value per pair (the first unit's row): a pair listed later unit
    first was read as 0 without a word, and two directions that differ had one dropped."""
    pairs = [("R01", "R02", 5), ("R03", "R04", 2), ("R01", "R05", 3)]
    argv = ["study", "fit", "--nodes", str(EXAMPLE / "nodes.csv"), "--edges", str(EXAMPLE / "edges.csv")]
    argv += ["--undirected", "--formula", 'edges + edgecov("C")']
    fits = []
    for name, rows in (("first", pairs), ("later", [(b, a, v) for a, b, v in pairs])):
        covariate = tmp_path / f"{name}.csv"
        covariate.write_text(
            "source,target,value\n" + "".join(f"{a},{b},{v}\n" for a, b, v in rows), encoding="utf-8"
        )
        assert main([*argv, "--edgecov", f"C={covariate}", "--json"]) == 0
        fits.append(json.loads(capsys.readouterr().out)["terms"])
    assert fits[0] == fits[1]
    # two directions that differ: where each value is, in a long table and in a matrix
    ids = [f"R{k:02d}" for k in range(1, 13)]
    square = (
        "id,"
        + ",".join(ids)
        + "\n"
        + "".join(
            f"{a}," + ",".join("5" if (a, b) == ("R02", "R01") else "1" for b in ids) + "\n" for a in ids
        )
    )
    for text, first, second in (
        ("source,target,value\nR01,R02,1\nR02,R01,5\n", 'line 2, column "value"', 'line 3, column "value"'),
        (square, 'line 2, column "R02"', 'line 3, column "R01"'),
    ):
        both = tmp_path / "both.csv"
        both.write_text(text, encoding="utf-8")
        assert main([*argv, "--edgecov", f"C={both}"]) == 2
        assert capsys.readouterr().err == (
            f"error: --edgecov C={both}: {first}: not symmetric, but the network is undirected:"
            f' "R01" -> "R02" is 1 and "R02" -> "R01" is 5 ({second}); an undirected fit reads one value per'
            " pair, so the other would be dropped: give both directions the same value, or the pair once\n"
        )
