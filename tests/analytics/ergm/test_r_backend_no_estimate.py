"""A model R's glm cannot estimate is refused on the R backend as on the Python one: R's glm
returned a fit whatever happened - an estimate of 28 with a standard error of 300,000 where a term
separates the ties, NA for a term collinear with others - and its warnings went to the console at
R's next call, or nowhere, where the Python fit raises a ConvergenceError. Against the real embedded
R (its glm path: R's ergm package is not installable here, and has its own existence check)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import Network, ergm
from analytics.errors import ConvergenceError
from analytics.rbridge import r_available

R_OK, R_INFO = r_available()


def _separated() -> Network:
    """Every tie goes to a unit with x = 1: nodeicov("x") separates the ties, so no MLE exists."""
    nodes = pd.DataFrame({"id": [f"u{k}" for k in range(8)], "x": [0.0, 0, 0, 0, 1, 1, 1, 1]})
    edges = pd.DataFrame(
        {
            "source": ["u0", "u1", "u2", "u3", "u5", "u6", "u4", "u0"],
            "target": ["u4", "u5", "u6", "u7", "u4", "u7", "u6", "u7"],
        }
    )
    return Network(nodes, edges)


def _collinear() -> Network:
    rng = np.random.default_rng(1)
    nodes = pd.DataFrame({"id": [f"u{k}" for k in range(10)], "x": rng.random(10)})
    nodes["x2"] = 2 * nodes["x"]
    adj = rng.random((10, 10)) < 0.3
    np.fill_diagonal(adj, False)
    senders, receivers = np.nonzero(adj)
    ids = nodes["id"].to_numpy()
    return Network(nodes, pd.DataFrame({"source": ids[senders], "target": ids[receivers]}))


@pytest.mark.r
@pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")
@pytest.mark.parametrize(
    ("network", "formula", "python_says", "words"),
    [
        (
            _separated,
            'edges + nodeicov("x")',
            r"the MLE does not exist \(separation\)",
            "R's glm gives a standard error over 1,000 standard deviations of the term: the information"
            " matrix is singular",
        ),
        (
            _collinear,
            'edges + nodeicov("x") + nodeicov("x2")',
            "the information matrix is singular",
            "nodeicov.x2: not estimable (R's glm gives NA): the information matrix is singular",
        ),
    ],
)
def test_a_model_without_an_estimate_is_refused_by_r_as_by_python(
    network, formula: str, python_says: str, words: str
) -> None:
    """R's glm returned a fit whatever happened - an estimate of 28 with a standard error of 300,000
    where a term separates the ties, NA for a collinear term - where the Python fit raises."""
    net = network()
    with pytest.raises(ConvergenceError, match=python_says):
        ergm(formula, net)
    with pytest.raises(ConvergenceError) as refused:
        ergm(formula, net, backend="r")
    assert words in str(refused.value)


def test_glm_warnings_of_separation_or_no_convergence_are_refused() -> None:
    from analytics.rbridge import glm_problem

    assert glm_problem(True, 8, [], []) is None
    assert "the MLE may not exist (separation)" in str(glm_problem(False, 100, [], []))
    edge = "glm.fit: fitted probabilities numerically 0 or 1 occurred"
    warned = glm_problem(True, 25, [edge], [], {"edges": 0.2, "nodeicov.x": 3.5e5})
    assert warned == (
        "nodeicov.x: R's glm gives a standard error over 1,000 standard deviations of the term and warned"
        " 'glm.fit: fitted probabilities numerically 0 or 1 occurred': an estimate diverges, the MLE does"
        " not exist (separation)"
    )
    assert glm_problem(True, 8, [], [], {"edges": 0.2, "nodeicov.x": 3.0}) is None


def test_glm_warning_of_fitted_values_at_0_or_1_with_bounded_estimates_is_an_estimate() -> None:
    """glm.fit warns of a fitted value within 10 machine epsilons of 0 or 1 whenever a dyad's linear
    predictor passes about 36 - a strong covariate with large values does it with a finite MLE (the
    bench's 88 cities: tests/unit/test_bench_ergm_data.py). It was refused as separation."""
    from analytics.rbridge import glm_note, glm_problem

    edge = "glm.fit: fitted probabilities numerically 0 or 1 occurred"
    assert glm_problem(True, 9, [edge], [], {"edges": 1.3, "edgecov.GeoProx": 0.08}) is None
    assert glm_note(edge) == (
        "R's glm warned: glm.fit: fitted probabilities numerically 0 or 1 occurred (some dyads' fitted"
        " values are within 10 machine epsilons of the edge; every estimate's standard error is bounded,"
        " so the estimates are the MLE)"
    )
    assert glm_note("glm.fit: algorithm did not converge") == (
        "R's glm warned: glm.fit: algorithm did not converge"
    )
