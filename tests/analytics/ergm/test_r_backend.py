"""Python and R backends agree (R's glm always when R is here; R's ergm where a user has it)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.ergm import ErgmResult, Network, ergm
from analytics.rbridge import r_available

R_OK, R_INFO = r_available()
needs_r = pytest.mark.skipif(not R_OK, reason=f"R backend unavailable: {R_INFO}")


@pytest.fixture(scope="module")
def net() -> Network:
    rng = np.random.default_rng(5)
    n = 35
    nodes = pd.DataFrame(
        {
            "id": [f"c{k}" for k in range(n)],
            "HTH": rng.poisson(8, n).astype(float),
            "g": rng.choice(["wu", "min", "gan"], n),
        }
    )
    adj = (rng.random((n, n)) < 0.18).astype(int)
    np.fill_diagonal(adj, 0)
    s, t = np.nonzero(adj)
    ids = nodes["id"].to_numpy()
    edges = pd.DataFrame({"source": ids[s], "target": ids[t], "movers": rng.poisson(3, len(s)) + 1})
    return Network(nodes, edges, edgecov={"GeoProx": rng.random((n, n)) * 3})


def _agree(a: ErgmResult, b: ErgmResult) -> None:
    assert a.terms == b.terms
    np.testing.assert_allclose(a.coef, b.coef, rtol=1e-6)
    np.testing.assert_allclose(a.se, b.se, rtol=1e-6)
    assert a.aic == pytest.approx(b.aic, rel=1e-6)
    assert a.bic == pytest.approx(b.bic, rel=1e-6)


@needs_r
@pytest.mark.r
def test_binary_model_agrees_with_r_to_six_significant_digits(net: Network) -> None:
    formula = 'edges + nodeicov("HTH") + nodeocov("HTH") + edgecov("GeoProx") + nodefactor("g") + nodematch("g") + absdiff("HTH")'
    _agree(ergm(formula, net), ergm(formula, net, backend="r"))


@needs_r
@pytest.mark.r
def test_valued_poisson_model_agrees_with_r(net: Network) -> None:
    formula = 'sum + nodeicov("HTH") + edgecov("GeoProx")'
    python = ergm(formula, net, response="movers", reference="poisson")
    r = ergm(formula, net, response="movers", reference="poisson", backend="r")
    _agree(python, r)


@needs_r
@pytest.mark.r
def test_r_result_says_which_r_path_ran(net: Network) -> None:
    from analytics.rbridge import r_has_ergm

    result = ergm('edges + nodeicov("HTH")', net, backend="r")
    assert result.backend == "r"
    assert ("R ergm" in result.method) == r_has_ergm()


@needs_r
@pytest.mark.r
def test_r_ergm_package_path(net: Network) -> None:
    from analytics.rbridge import r_has_ergm

    if not r_has_ergm():
        pytest.skip(
            "R's ergm package is not installed (not in Debian; in R: install.packages(c('ergm', 'ergm.count')))"
        )
    formula = 'edges + nodeicov("HTH") + edgecov("GeoProx")'
    _agree(ergm(formula, net), ergm(formula, net, backend="r"))
