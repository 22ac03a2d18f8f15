"""The network the ERGM terms see finds an edge table's sender and receiver by name, as the CSV
readers do, and every error names the file, the line and the column: a table without
``source``/``target`` had been read by position (``source,movers``: ``movers`` as the receiver),
and `triage study fit --response` on a bad count said 'edges: row 1: movers -1 is not a count'
without the file."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.ergm import Network
from analytics.errors import NetworkInputError
from tests.analytics.ergm.fit_cli import _files
from triage.cli import main

NODES = pd.DataFrame({"id": ["1", "2", "3"], "x": [1.0, 2.0, 3.0]})


def test_an_edge_table_without_a_receiver_column_is_refused_not_read_by_position() -> None:
    with pytest.raises(NetworkInputError) as error:
        Network(NODES, pd.DataFrame({"source": ["1"], "movers": ["2"]}))
    assert str(error.value) == (
        'edges: the header row is "source,movers"; the sender and receiver columns must be named'
        ' "source" and "target" (or "from" and "to")'
    )


def test_sender_and_receiver_are_taken_by_name_in_any_place_and_case() -> None:
    net = Network(NODES, pd.DataFrame({"movers": ["5"], "Target": ["3"], "Source": ["1"]}))
    assert (net.src.tolist(), net.dst.tolist()) == ([0], [2])


def _fit(tmp_path: Path, edges_text: str, response: str, capsys: pytest.CaptureFixture[str]) -> str:
    f = _files(tmp_path)
    f["edges"].write_text(edges_text, encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(f["nodes"]), "--edges", str(f["edges"])]
    assert main([*argv, "--formula", "sum", "--response", response]) == 2
    return capsys.readouterr().err.strip()


def test_a_negative_count_names_file_line_and_column(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fit(tmp_path, "from,to,movers\nu1,u2,3\nu2,u1,-1\n", "movers", capsys)
    assert (
        err
        == f'error: {tmp_path / "edges.csv"}: line 3, column "movers": -1 is not a count (a number 0 or more)'
    )


def test_a_response_column_not_in_the_file_names_the_file_and_its_columns(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    err = _fit(tmp_path, "from,to,movers\nu1,u2,3\n", "count", capsys)
    assert err == (
        f'error: {tmp_path / "edges.csv"}: line 1 (the header row): no response column "count"'
        " (value columns: movers)"
    )
