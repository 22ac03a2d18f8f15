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


# --- seed, proposal and iteration bound reach R's ergm (control.ergm arguments) ---------------


def test_control_args_of_a_dependent_binary_model_carry_seed_proposal_and_iterations() -> None:
    from analytics.rbridge import ergm_control_args

    args = ergm_control_args(dependent=True, valued=False, seed=7, proposal="random", max_iterations=40)
    assert args == {"MPLE.type": "logitreg", "MCMC.prop.weights": "random", "MCMLE.maxit": 40, "seed": 7}
    # statnet spells its default proposal "TNT"; any case is accepted, as --proposal does
    assert (
        ergm_control_args(dependent=True, valued=False, seed=None, proposal="tnt")["MCMC.prop.weights"]
        == "TNT"
    )


def test_control_args_of_fits_that_sample_nothing_carry_only_the_seed() -> None:
    from analytics.rbridge import ergm_control_args

    # a dyad-independent model is fitted exactly (MPLE = MLE): no chain, so no proposal or bound
    assert ergm_control_args(dependent=False, valued=False, seed=3, proposal="random") == {
        "MPLE.type": "logitreg",
        "seed": 3,
    }
    # ergm.count (Poisson reference) has its own proposals: TNT / random are binary-network names
    assert ergm_control_args(dependent=False, valued=True, seed=3) == {"seed": 3}
    assert ergm_control_args(dependent=False, valued=False, seed=None) == {"MPLE.type": "logitreg"}


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"seed": 2**31}, "seed must be between 0 and 2147483647"),
        ({"seed": -1}, "seed must be between 0"),
        ({"seed": 1, "proposal": "gibbs"}, 'proposal must be one of "TNT", "random"'),
        ({"seed": 1, "max_iterations": 0}, "max_iterations must be at least 1"),
    ],
)
def test_control_args_refuse_what_r_cannot_take(kwargs: dict[str, object], message: str) -> None:
    from analytics.rbridge import ergm_control_args

    with pytest.raises(ValueError, match=message):
        ergm_control_args(dependent=True, valued=False, **kwargs)  # type: ignore[arg-type]


def test_the_seed_reaches_the_r_backend(net: Network) -> None:
    # ergm() hands its seed to the R backend, which checks it before R is even started; before
    # the seed was passed on, an R fit silently ignored it (an MCMC fit: an exact one refuses a seed)
    from analytics.errors import FormulaError

    with pytest.raises(FormulaError, match="R backend: seed must be between 0 and 2147483647"):
        ergm("edges + mutual", net, backend="r", seed=2**31)


@needs_r
@pytest.mark.r
def test_control_args_arrive_in_r_as_integer_seed_and_character_proposal() -> None:
    from analytics.rbridge import _r, _r_list, ergm_control_args

    ro = _r()
    args = ergm_control_args(
        dependent=True, valued=False, seed=20231101, proposal="random", max_iterations=20
    )
    check = ro.r(
        "function(a) c(is.integer(a$seed), a$seed == 20231101L, is.character(a$MCMC.prop.weights),"
        " a$MCMC.prop.weights == 'random', is.integer(a$MCMLE.maxit), a$MPLE.type == 'logitreg')"
    )
    assert list(check(_r_list(ro, args))) == [True] * 6


@needs_r
@pytest.mark.r
def test_dependent_terms_without_r_ergm_say_how_to_get_it(net: Network) -> None:
    from analytics.errors import DependencyMissingError
    from analytics.rbridge import r_has_ergm

    if r_has_ergm():
        pytest.skip("R's ergm package is installed here: the dependent fit runs (next test)")
    with pytest.raises(DependencyMissingError, match=r"dyad-dependent terms \(mutual\) only with R's ergm"):
        ergm("edges + mutual", net, backend="r", seed=1)


@needs_r
@pytest.mark.r
def test_r_ergm_honours_seed_and_proposal(net: Network) -> None:
    from analytics.rbridge import r_has_ergm

    if not r_has_ergm():
        pytest.skip(
            "R's ergm package is not installed (not in Debian; in R: install.packages(c('ergm', 'ergm.count')))"
        )
    formula = "edges + mutual + triangle"
    first = ergm(formula, net, backend="r", seed=11, proposal="random")
    again = ergm(formula, net, backend="r", seed=11, proposal="random")
    np.testing.assert_array_equal(first.coef, again.coef)  # same seed, same chain, same fit
    assert "control.ergm(MPLE.type = 'logitreg', MCMC.prop.weights = 'random'" in " ".join(first.notes)
