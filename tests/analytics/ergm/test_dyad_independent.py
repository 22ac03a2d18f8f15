"""Dyad-independent ERGMs: exact MLE checked against an independent logistic/Poisson fit."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from analytics.ergm import Network, ergm, parse_formula
from analytics.errors import FormulaError, NetworkInputError


@pytest.fixture(scope="module")
def toy() -> tuple[Network, dict[str, np.ndarray]]:
    rng = np.random.default_rng(11)
    n = 40
    nodes = pd.DataFrame(
        {"id": [f"v{k}" for k in range(n)], "x": rng.normal(50, 10, n), "g": rng.choice(["a", "b", "c"], n)}
    )
    m = rng.random((n, n))
    adj = (rng.random((n, n)) < 0.15).astype(int)
    np.fill_diagonal(adj, 0)
    s, t = np.nonzero(adj)
    edges = pd.DataFrame(
        {
            "source": nodes["id"].to_numpy()[s],
            "target": nodes["id"].to_numpy()[t],
            "w": rng.poisson(2, len(s)) + 1,
        }
    )
    return Network(nodes, edges, edgecov={"M": m}), {
        "adj": adj,
        "m": m,
        "x": nodes["x"].to_numpy(),
        "g": nodes["g"].to_numpy(),
    }


def _dyads(n: int) -> tuple[np.ndarray, np.ndarray]:
    i, j = np.nonzero(~np.eye(n, dtype=bool))
    return i, j


def test_binary_model_matches_logistic_regression_to_many_digits(toy) -> None:
    net, raw = toy
    result = ergm(
        'edges + nodeicov("x") + nodeocov("x") + edgecov("M") + nodefactor("g") + nodematch("g") + absdiff("x")',
        net,
    )
    i, j = _dyads(net.n)
    x, g, m = raw["x"], raw["g"], raw["m"]
    design = np.column_stack(
        [
            np.ones(len(i)),
            x[j],
            x[i],
            m[i, j],
            (g[i] == "b").astype(float) + (g[j] == "b"),
            (g[i] == "c").astype(float) + (g[j] == "c"),
            (g[i] == g[j]).astype(float),
            np.abs(x[i] - x[j]),
        ]
    )
    ref = sm.Logit(raw["adj"][i, j], design).fit(disp=0, tol=1e-12, maxiter=100)
    np.testing.assert_allclose(result.coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(result.se, ref.bse, rtol=1e-6)
    assert result.loglik == pytest.approx(ref.llf, rel=1e-10)
    assert result.aic == pytest.approx(ref.aic, rel=1e-10)
    # BIC uses the number of dyads, as R's ergm does.
    assert result.bic == pytest.approx(-2 * ref.llf + 8 * np.log(net.n * (net.n - 1)), rel=1e-10)
    assert result.terms == (
        "edges",
        "nodeicov.x",
        "nodeocov.x",
        "edgecov.M",
        "nodefactor.g.b",
        "nodefactor.g.c",
        "nodematch.g",
        "absdiff.x",
    )


def test_valued_poisson_model_matches_poisson_glm(toy) -> None:
    net, raw = toy
    result = ergm('sum + nodeicov("x") + edgecov("M")', net, response="w", reference="Poisson")
    assert result.terms == ("sum", "nodeicov.sum.x", "edgecov.sum.M")
    i, j = _dyads(net.n)
    y = np.zeros((net.n, net.n))
    y[net.src, net.dst] = net.edges["w"].to_numpy()
    ref = sm.GLM(
        y[i, j], np.column_stack([np.ones(len(i)), raw["x"][j], raw["m"][i, j]]), family=sm.families.Poisson()
    ).fit(tol=1e-13)
    np.testing.assert_allclose(result.coef, ref.params, rtol=1e-7)
    np.testing.assert_allclose(result.se, ref.bse, rtol=1e-6)
    assert result.loglik == pytest.approx(ref.llf, rel=1e-10)


def test_undirected_counts_each_pair_once() -> None:
    nodes = pd.DataFrame({"id": list("abcde"), "x": [1.0, 2.0, 3.0, 4.0, 5.0]})
    edges = pd.DataFrame({"source": ["a", "b", "c", "e"], "target": ["b", "c", "d", "a"]})
    result = ergm('edges + nodecov("x")', Network(nodes, edges, directed=False))
    assert result.n_dyads == 10
    assert not result.directed


def test_results_object_views(toy) -> None:
    net, _ = toy
    result = ergm('edges + nodeicov("x")', net)
    frame = result.to_frame()
    assert list(frame.columns) == ["coef", "se", "z", "p", "stars"]
    ci = result.conf_int()
    assert (ci.iloc[:, 0] < result.coef).all() and (ci.iloc[:, 1] > result.coef).all()
    odds = result.odds_ratios()
    assert odds["odds_ratio"].to_numpy() == pytest.approx(np.exp(result.coef))
    text = result.summary()
    assert "Maximum Likelihood Results" in text and "nodeicov.x" in text and "BIC" in text
    payload = result.to_json_dict()
    assert payload["n_dyads"] == net.n * (net.n - 1) and payload["terms"][0]["term"] == "edges"


def test_formula_parsing_and_errors(toy) -> None:
    net, _ = toy
    terms = parse_formula("net ~ edges + nodeicov('x') + nodefactor(\"g\", levels=-1)")
    assert [t.name for t in terms] == ["edges", "nodeicov", "nodefactor"]
    assert terms[2].kwargs == (("levels", "-1"),)
    with pytest.raises(FormulaError, match='unknown term "banana"; the terms of a binary model: edges, '):
        ergm("edges + banana('x')", net)
    with pytest.raises(NetworkInputError, match='no node attribute "nope"'):
        ergm("edges + nodeicov('nope')", net)
    with pytest.raises(NetworkInputError, match='no dyadic covariate "Q"'):
        ergm("edges + edgecov('Q')", net)
    with pytest.raises(FormulaError, match="unbalanced"):
        ergm("edges + nodeicov('x'", net)


@pytest.mark.parametrize(
    ("formula", "options", "message"),
    [
        ("edges + nodeicov('x'", {}, """unbalanced parentheses or quotes in "edges + nodeicov('x'\""""),
        ("edges + nodeicov('x'))", {}, """unbalanced ")" at character 22 of "edges + nodeicov('x'))\""""),
        ("edges + 3x", {}, 'cannot read term "3x" in formula "edges + 3x"'),
        ("edges + nodeicov(x y)", {}, 'term nodeicov: cannot read argument "x y"'),
        ("edges", {"reference": "gauss"}, 'reference must be "bernoulli" or "poisson", not "gauss"'),
        ("edges", {"backend": "julia"}, 'backend must be "python" or "r", not "julia"'),
    ],
)
def test_formula_and_option_errors_quote_what_was_given_as_json(
    toy, formula: str, options: dict[str, str], message: str
) -> None:
    """The values in these messages were Python reprs ('x y', 'gauss'); they are written as JSON
    writes them, as the project's other messages write a value."""
    net, _ = toy
    with pytest.raises(FormulaError) as raised:
        ergm(formula, net, **options)
    assert str(raised.value) == message


@pytest.mark.parametrize(
    ("formula", "message"),
    [
        ("edges + nodematch('g', diff=TRUE)", 'term nodematch: argument diff="TRUE" is not supported here'),
        ("edges + absdiff('x', pow=2)", 'term absdiff: argument pow="2" is not supported here'),
        ("edges + nodeicov('x', 'y')", "term nodeicov needs exactly one attribute name"),
        ("edges(1) + nodeicov('x')", 'term edges: takes no arguments here; got "1"'),
    ],
)
def test_arguments_a_term_does_not_take_are_refused_not_dropped(toy, formula: str, message: str) -> None:
    # R would use them (nodematch(diff=TRUE) is one statistic per level): dropping one would fit
    # another model under the formula's name
    net, _ = toy
    with pytest.raises(FormulaError, match=re.escape(message)):
        ergm(formula, net)


def test_bad_network_input_names_the_place() -> None:
    nodes = pd.DataFrame({"id": ["a", "b"], "x": ["1", "zwei"]})
    with pytest.raises(
        NetworkInputError, match=r'^edges: line 2, column "target": target "z" is not a node id$'
    ):
        Network(nodes, pd.DataFrame({"source": ["a"], "target": ["z"]}))
    net = Network(nodes, pd.DataFrame({"source": ["a"], "target": ["b"]}))
    with pytest.raises(NetworkInputError, match='node "b" has non-numeric value "zwei"'):
        ergm("edges + nodeicov('x')", net)
    with pytest.raises(
        NetworkInputError,
        match=r'^nodes: line 3, column "id": node id "a" appears more than once \(first on line 2\)$',
    ):
        Network(pd.DataFrame({"id": ["a", "a"]}), pd.DataFrame({"source": ["a"], "target": ["a"]}))
    with pytest.raises(NetworkInputError, match=re.escape('edgecov "M": shape (1, 1) is not 2 x 2')):
        Network(nodes, pd.DataFrame({"source": ["a"], "target": ["b"]}), edgecov={"M": np.zeros((1, 1))})
    with pytest.raises(
        NetworkInputError,
        match=r'^edges: line 1 \(the header row\): no response column "movers" \(value columns: none\)$',
    ):
        ergm("sum", net, reference="poisson", response="movers")
    counts = Network(nodes, pd.DataFrame({"source": ["a"], "target": ["b"], "movers": [-1]}))
    with pytest.raises(
        NetworkInputError, match=r'^edges: line 2, column "movers": -1 is not a count \(a number 0 or more\)$'
    ):
        ergm("sum", counts, reference="poisson", response="movers")


def test_a_term_that_is_the_same_for_every_dyad_is_named(toy) -> None:
    """A constant node attribute (or a covariate matrix of zeros) is indistinguishable from edges:
    the fit ended in 'no convergence after 60 Newton steps ... the MLE may not exist (separation)'
    or 'the information matrix is singular', naming no term."""
    from analytics.errors import ConvergenceError

    net, raw = toy
    nodes = net.nodes.assign(flat=10.0)
    constant = Network(nodes, net.edges, edgecov={"M": raw["m"], "Z": np.zeros_like(raw["m"])})
    with pytest.raises(
        ConvergenceError,
        match=re.escape(
            "nodeicov.flat (always 10): the same for every dyad, so not distinguishable from edges"
        ),
    ):
        ergm('edges + nodeicov("x") + nodeicov("flat")', constant)
    with pytest.raises(ConvergenceError, match=re.escape("edgecov.Z (always 0): the same for every dyad")):
        ergm('edges + edgecov("M") + edgecov("Z")', constant)
    # alone, a constant term is the intercept: the same fit as edges
    alone = ergm('nodeicov("flat")', constant)
    assert alone.coef[0] * 10 == pytest.approx(ergm("edges", constant).coef[0], rel=1e-9)
