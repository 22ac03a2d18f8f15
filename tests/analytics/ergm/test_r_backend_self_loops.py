"""Rows from a unit to itself on the R backend, as on the Python one: an edge list of nothing else is
refused by either (R's glm had returned an edges coefficient of -31 with no word, where the Python
fit failed 'no convergence'), and R's ergm is given each tie once and no self-loop (the edge list
as given had been passed to R's add.edges, which checks neither).

R is installed here but R's ergm package is not (not in Debian, CRAN unreachable): the refusal runs
against the real embedded R (its glm path); what reaches R's ergm is checked on the ties built for
it (``r_ties``), as no R ergm fit can run here."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, ergm
from analytics.errors import NetworkInputError
from analytics.rbridge import r_available, r_ties

R_OK, R_INFO = r_available()
NODES = pd.DataFrame({"id": [f"u{k}" for k in range(6)], "HTH": [1.0, 3, 2, 5, 4, 7]})
REFUSED = (
    "loops.csv: every row is from a unit to itself (2 rows), so the network has no tie between two"
    " units to fit; give the moves between units"
)


@pytest.mark.parametrize(
    "backend",
    [
        "python",
        pytest.param(
            "r",
            marks=[pytest.mark.r, pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")],
        ),
    ],
)
def test_an_edge_list_of_self_loops_only_is_refused_by_either_backend(backend: str) -> None:
    loops = pd.DataFrame({"source": ["u1", "u2"], "target": ["u1", "u2"], "movers": [3, 4]})
    net = Network(NODES, loops, edges_file="loops.csv")
    with pytest.raises(NetworkInputError) as refused:
        ergm('edges + nodeicov("HTH")', net, backend=backend)
    assert str(refused.value) == REFUSED
    with pytest.raises(NetworkInputError) as refused:
        ergm('sum + nodeicov("HTH")', net, response="movers", reference="poisson", backend=backend)
    assert str(refused.value) == REFUSED


@pytest.mark.parametrize("directed", [True, False])
def test_r_is_given_each_tie_once_and_no_self_loop(directed: bool) -> None:
    edges = pd.DataFrame(
        {
            "source": ["u0", "u2", "u2", "u3", "u0"],
            "target": ["u1", "u2", "u4", "u5", "u1"],  # u2 -> u2 a self-loop, u0 -> u1 listed twice
            "movers": [3, 9, 2, 5, 3],
        }
    )
    ties = r_ties(Network(NODES, edges, directed=directed).response(None))
    assert ties == ([1, 3, 4], [2, 5, 6], [1.0, 1.0, 1.0])  # 1-based, as R counts
    valued = Network(NODES, edges.drop(index=4), directed=directed).response("movers")
    assert r_ties(valued) == ([1, 3, 4], [2, 5, 6], [3.0, 2.0, 5.0])
    reversed_pair = pd.DataFrame({"source": ["u4"], "target": ["u2"]})
    senders, receivers, _ = r_ties(Network(NODES, reversed_pair, directed=directed).response(None))
    # an undirected tie is given once, lower id first, as Network stores it
    assert (senders, receivers) == (([5], [3]) if directed else ([3], [5]))
    assert r_ties(np.zeros((3, 3))) == ([], [], [])
