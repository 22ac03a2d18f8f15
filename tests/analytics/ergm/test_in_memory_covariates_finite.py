"""A dyadic covariate given in memory (not read from a CSV file) with a cell that is not a finite
number is refused naming the covariate, the cell and its two nodes, as the CSV readers name the
file's cell: NaN or an infinity had gone into the fit, which ended 'no convergence after 60 Newton
steps (last step nan); the MLE may not exist (separation)' after numpy's warnings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, ergm
from analytics.errors import NetworkInputError

NODES = pd.DataFrame({"id": ["a", "b", "c", "d"], "x": [1.0, 2.0, 3.0, 4.0]})
EDGES = pd.DataFrame({"source": ["a", "b", "c", "d", "a"], "target": ["b", "c", "d", "a", "c"]})


@pytest.mark.parametrize(
    ("bad", "said"),
    [
        (np.nan, "value NaN is not a number"),
        (np.inf, 'value "inf" is not a finite number'),
        (-np.inf, 'value "-inf" is not a finite number'),
        ("lots", 'value "lots" is not a number'),
    ],
)
@pytest.mark.parametrize("directed", [True, False])
def test_a_covariate_cell_that_is_not_a_finite_number_is_refused_naming_it(
    bad: object, said: str, directed: bool
) -> None:
    matrix = np.ones((4, 4), dtype=object)
    matrix[1, 2] = bad
    with pytest.raises(NetworkInputError) as error:
        Network(NODES, EDGES, directed=directed, edgecov={"GeoProx": matrix})
    assert str(error.value) == (
        f'edgecov "GeoProx": row 2, column 3 ("b" -> "c"): {said}; give a finite number for every pair'
    )


def test_a_finite_covariate_is_taken_and_fitted() -> None:
    matrix = np.arange(16, dtype=float).reshape(4, 4)
    result = ergm('edges + edgecov("GeoProx")', Network(NODES, EDGES, edgecov={"GeoProx": matrix}))
    assert np.isfinite(result.coef).all()


def test_a_node_attribute_missing_in_memory_says_it_has_no_value() -> None:
    nodes = NODES.assign(x=[1.0, np.nan, 3.0, 4.0])
    with pytest.raises(NetworkInputError) as error:
        ergm('edges + nodeicov("x")', Network(nodes, EDGES))
    assert (
        str(error.value)
        == 'nodes: line 3, column "x": node attribute "x": node "b" has no value (NaN); give a number'
    )
