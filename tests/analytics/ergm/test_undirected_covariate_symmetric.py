"""An undirected network's dyadic covariate is one value per pair. `Network(directed=False,
edgecov=...)` took any matrix and the fit read its upper triangle alone (the row of the unit listed
first), so a matrix whose two directions differ had its lower half dropped without a word, and a
matrix given in the lower half only was fitted as all zeros. It is now refused naming the first
pair that differs by its row and column, and a pair given one way only has it both ways, as the
CSV readers (`triage study fit --undirected --edgecov`) do; those name the file's lines too
(test_cli_fit_edgecov_errors.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, ergm
from analytics.errors import NetworkInputError

NODES = pd.DataFrame({"id": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0]})
EDGES = pd.DataFrame({"source": ["a", "b", "a"], "target": ["b", "c", "d"]})


def test_a_covariate_whose_two_directions_differ_is_refused_naming_the_first_pair() -> None:
    m = np.array([[0, 1, 2, 3], [1, 0, 4, 5], [2, 7, 0, 6], [3, 5, 6, 0]], dtype=float)
    with pytest.raises(NetworkInputError) as refused:
        Network(NODES, EDGES, directed=False, edgecov={"Geo": m})
    assert str(refused.value) == (
        'edgecov "Geo": not symmetric, but the network is undirected: row 2, column 3 ("b" -> "c") is 4'
        ' and row 3, column 2 ("c" -> "b") is 7; an undirected fit reads one value per pair, so the'
        " other would be dropped: give both directions the same value, or the pair once"
    )
    Network(NODES, EDGES, directed=True, edgecov={"Geo": m})  # directed: each direction its own value


def test_a_covariate_given_in_one_triangle_is_the_same_fit_as_the_whole_matrix() -> None:
    upper = np.triu(np.arange(16, dtype=float).reshape(4, 4) % 5 + 1, k=1)
    whole = upper + upper.T
    fits = [
        ergm('edges + edgecov("Geo")', Network(NODES, EDGES, directed=False, edgecov={"Geo": m}))
        for m in (whole, upper, upper.T)
    ]
    for fit in fits[1:]:
        np.testing.assert_allclose(fit.coef, fits[0].coef, rtol=1e-9)
