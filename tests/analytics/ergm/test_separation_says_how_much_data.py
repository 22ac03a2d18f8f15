"""A fit whose tie probabilities go to 0 or 1 (separation) says so, with how much data it had. A
tiny network - 2 units, so 2 dyads, for `edges + nodeicov("HTH")` - ended 'the information matrix
is singular: two terms are collinear or a term is constant', which neither was: the weights of
the fitted dyads had gone to 0, so an analyst looked for a collinear attribute instead of seeing
that there is not enough data for the model."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analytics.ergm import Network, ergm
from analytics.errors import ConvergenceError
from triage.cli import main


def test_two_units_for_two_terms_is_separation_and_not_enough_data() -> None:
    net = Network(
        pd.DataFrame({"id": ["a", "b"], "HTH": [1.0, 2.0]}), pd.DataFrame({"source": ["a"], "target": ["b"]})
    )
    with pytest.raises(ConvergenceError) as failed:
        ergm('edges + nodeicov("HTH")', net)
    assert str(failed.value) == (
        "the MLE does not exist (separation): fitted tie probabilities reach 0 or 1, so the estimates"
        " diverge; 2 dyads (1 tie) for 2 terms: not enough data for this model; fit fewer terms or a"
        " larger network"
    )


def test_collinear_terms_are_still_said_so() -> None:
    nodes = pd.DataFrame({"id": list("abcd"), "x": [1.0, 2.0, 3.0, 4.0], "y": [2.0, 4.0, 6.0, 8.0]})
    edges = pd.DataFrame({"source": ["a", "b", "c"], "target": ["b", "c", "d"]})
    with pytest.raises(ConvergenceError, match="two terms are collinear or a term is constant"):
        ergm('edges + nodeicov("x") + nodeicov("y")', Network(nodes, edges))


def test_the_cli_says_it_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "nodes.csv").write_text("id,HTH\na,1\nb,2\n", encoding="utf-8")
    (tmp_path / "edges.csv").write_text("source,target\na,b\n", encoding="utf-8")
    argv = ["study", "fit", "--nodes", str(tmp_path / "nodes.csv"), "--edges", str(tmp_path / "edges.csv")]
    assert main([*argv, "--formula", 'edges + nodeicov("HTH")', "-q"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: the MLE does not exist (separation)") and len(err.splitlines()) == 1
    assert "2 dyads (1 tie) for 2 terms: not enough data for this model" in err
