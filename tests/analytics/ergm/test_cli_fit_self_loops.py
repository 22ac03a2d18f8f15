"""`triage study fit` says how many rows from a unit to itself it ignored, and where: the fit left
them out (no dyad of the model) without a word, so an analyst whose edge list held within-unit moves
did not learn that they were not fitted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.analytics.ergm.fit_cli import EXAMPLE, FIT
from triage.cli import main


def _with_rows(tmp_path: Path, rows: list[str]) -> Path:
    """The example's edge list with ``rows`` inserted after its third data row (lines 5 on)."""
    lines = (EXAMPLE / "edges.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    edges = tmp_path / "edges.csv"
    edges.write_text("".join(lines[:4] + [f"{row}\n" for row in rows] + lines[4:]), encoding="utf-8")
    return edges


def _fit(edges: Path, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[str, str]:
    argv = [*FIT, 'edges + nodeicov("HTH")', *extra]
    argv[argv.index("--edges") + 1] = str(edges)
    assert main(argv) == 0
    captured = capsys.readouterr()
    return captured.out, captured.err


def test_self_loops_ignored_are_counted_and_located(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edges = _with_rows(tmp_path, ["R02,R02,4", "R01,R05,2", "R07,R07,9"])
    out, err = _fit(edges, capsys, "--json")
    assert err.splitlines() == [
        f"note: {edges}: 2 rows from a unit to itself ignored (lines 5, 7): a tie from a unit to itself"
        " is no tie of the model"
    ]
    json.loads(out)  # stdout is still the fit alone


def test_many_self_loops_show_the_first_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = _with_rows(tmp_path, [f"R{k:02d},R{k:02d},1" for k in range(1, 8)])
    _, err = _fit(edges, capsys)
    assert f"note: {edges}: 7 rows from a unit to itself ignored (lines 5, 6, 7, 8, 9, ... (2 more))" in err


def test_one_self_loop_and_none(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    edges = _with_rows(tmp_path, ["R03,R03,1"])
    _, err = _fit(edges, capsys)
    assert f"note: {edges}: 1 row from a unit to itself ignored (line 5):" in err
    _, err = _fit(EXAMPLE / "edges.csv", capsys)
    assert "itself" not in err


def test_an_edge_list_of_self_loops_only_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every row from a unit to itself left no tie, and the fit failed with 'no convergence after 60
    Newton steps ... (separation)', exit 1, as if the model were at fault."""
    edges = tmp_path / "loops.csv"
    edges.write_text("source,target\nR01,R01\nR02,R02\n", encoding="utf-8")
    argv = [*FIT, 'edges + nodeicov("HTH")']
    argv[argv.index("--edges") + 1] = str(edges)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [
        f"error: --edges {edges}: every row is from a unit to itself (2 rows), so the network has no tie"
        " between two units to fit; give the moves between units"
    ]
