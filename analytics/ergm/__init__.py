"""ERGM engine: statnet-style formulas fitted by exact MLE (dyad-independent).

``ergm(formula, network)`` returns an :class:`ErgmResult` whose term names, estimates, standard
errors, log-likelihood, AIC and BIC follow R's ergm (BIC uses the number of dyads).
"""

from __future__ import annotations

from collections.abc import Callable

from analytics.ergm.dependent import dependent_terms, exact_edges_mutual, fit_mcmc
from analytics.ergm.formula import TermSpec, parse_formula
from analytics.ergm.mle import fit_dyad_independent
from analytics.ergm.network import Network
from analytics.ergm.results import ErgmResult, stars
from analytics.ergm.terms import DEPENDENT_TERMS, build_statistics
from analytics.errors import FormulaError

__all__ = ["ErgmResult", "Network", "TermSpec", "ergm", "parse_formula", "stars"]


def ergm(
    formula: str,
    network: Network,
    *,
    response: str | None = None,
    reference: str = "bernoulli",
    backend: str = "python",
    seed: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> ErgmResult:
    """Fit ``formula`` to ``network``; ``reference="poisson"`` with ``response`` for counts."""
    reference = reference.lower()
    if reference not in ("bernoulli", "poisson"):
        raise FormulaError(f"reference must be 'bernoulli' or 'poisson', not {reference!r}")
    valued = reference == "poisson"
    if valued and response is None:
        raise FormulaError("a Poisson-reference (valued) model needs response=<edge column>")
    if backend == "r":
        from analytics.rbridge import fit_in_r

        return fit_in_r(formula, network, response=response, reference=reference)
    if backend != "python":
        raise FormulaError(f"backend must be 'python' or 'r', not {backend!r}")
    terms = parse_formula(formula)
    if any(t.name in DEPENDENT_TERMS for t in terms):
        if valued:
            raise FormulaError("dyad-dependent terms are supported for binary networks only")
        return _fit_dependent(formula, terms, network, seed, progress)
    stats = build_statistics(terms, network, valued)
    y = network.response(response if valued else None)
    fit = fit_dyad_independent(stats, y, network.n, network.directed, valued, progress=progress)
    return ErgmResult(
        formula=formula.split("~", 1)[-1].strip(),
        terms=tuple(s.name for s in stats),
        coef=fit.coef,
        cov=fit.cov,
        loglik=fit.loglik,
        null_loglik=fit.null_loglik,
        n_nodes=network.n,
        n_dyads=fit.n_dyads,
        directed=network.directed,
        valued=valued,
        method="Maximum Likelihood",
        iterations=fit.iterations,
        network=network,
        notes=("Poisson log-likelihood as glm reports it (including -sum(log y!))",) if valued else (),
    )


def _fit_dependent(
    formula: str,
    terms: list[TermSpec],
    network: Network,
    seed: int | None,
    progress: Callable[[str, int, int], None] | None,
) -> ErgmResult:
    rhs = formula.split("~", 1)[-1].strip()
    if [t.name for t in terms] == ["edges", "mutual"] and network.directed:
        coef, cov, loglik = exact_edges_mutual(network)
        return ErgmResult(
            formula=rhs,
            terms=("edges", "mutual"),
            coef=coef,
            cov=cov,
            loglik=loglik,
            n_nodes=network.n,
            n_dyads=network.n_dyads,
            directed=True,
            valued=False,
            method="Maximum Likelihood (exact: edges + mutual as independent dyad states)",
            iterations=0,
            network=network,
        )
    dependent = dependent_terms(terms, network)
    fit = fit_mcmc(dependent, network, seed=seed, progress=progress)
    return ErgmResult(
        formula=rhs,
        terms=tuple(t.name for t in dependent),
        coef=fit.coef,
        cov=fit.cov,
        loglik=float("nan"),
        n_nodes=network.n,
        n_dyads=network.n_dyads,
        directed=network.directed,
        valued=False,
        method="Monte Carlo Maximum Likelihood",
        iterations=fit.iterations,
        mcmc_se=fit.mcmc_se,
        diagnostics=fit.diagnostics,
        network=network,
        notes=(
            "log-likelihood not estimated for MCMC fits (no bridge sampling), so AIC and BIC are not available",
        ),
    )
