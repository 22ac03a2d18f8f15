"""ERGM engine: statnet-style formulas fitted by exact MLE (dyad-independent) or MCMC-MLE.

``ergm(formula, network)`` returns an :class:`ErgmResult` whose term names, estimates, standard
errors, log-likelihood, AIC and BIC follow R's ergm (BIC uses the number of dyads). The
log-likelihood of an MCMC fit is estimated by bridge sampling (``analytics/ergm/bridge.py``), as
R's ``logLik.ergm`` does, with its Monte Carlo standard error on the result.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from analytics.ergm.bridge import DEFAULT_BRIDGE_DRAWS, DEFAULT_BRIDGES, bridge_loglik
from analytics.ergm.dependent import MAX_ITERATIONS, dependent_terms, exact_edges_mutual, fit_mcmc
from analytics.ergm.formula import TermSpec, parse_formula
from analytics.ergm.mle import fit_dyad_independent
from analytics.ergm.network import Network
from analytics.ergm.plan import closed_form_edges_mutual, fit_plan, refuse_unused_settings
from analytics.ergm.proposal import DEFAULT_PROPOSAL, check_proposal
from analytics.ergm.results import ErgmResult, stars
from analytics.ergm.terms import DEPENDENT_TERMS, build_statistics
from analytics.errors import ConvergenceError, FormulaError, NetworkInputError
from referral.errors import json_text
from referral.plurals import counted

__all__ = ["NOT_CONVERGED", "ErgmResult", "Network", "TermSpec", "ergm", "parse_formula", "stars"]

#: The note on an MCMC fit that did not pass its convergence test (``triage study fit`` prints its own
#: warning, which names its options: --max-iterations, --seed).
NOT_CONVERGED = (
    "MCMC-MLE did not converge in {iterations}: the estimates may be inaccurate;"
    " try more iterations, another seed or a simpler model"
)


def ergm(
    formula: str,
    network: Network,
    *,
    response: str | None = None,
    reference: str = "bernoulli",
    backend: str = "python",
    seed: int | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    bridges: int | None = None,
    bridge_draws: int | None = None,
    max_iterations: int | None = None,
    proposal: str | None = None,
    mcmc_interval: int | None = None,
    mcmc_burnin: int | None = None,
) -> ErgmResult:
    """Fit ``formula`` to ``network``; ``reference="poisson"`` with ``response`` for counts.

    ``bridges`` and ``bridge_draws`` set the bridge sampling that estimates the log-likelihood
    (hence AIC and BIC) of an MCMC fit; ``bridges=0`` skips it (log-likelihood, AIC, BIC NaN).
    ``max_iterations`` bounds the MCMC-MLE iterations; a fit that has not passed its convergence
    test by then is returned with ``converged`` False and a note. ``proposal`` is the MCMC
    sampler's Metropolis-Hastings proposal: ``"TNT"`` (statnet's default, tie / no tie) or
    ``"random"`` (uniform random toggles), for the fit and its bridge sampling. ``mcmc_interval``
    is the number of proposals between the fit's recorded draws (default: a twentieth of the dyads,
    at least 10) and ``mcmc_burnin`` the proposals before each iteration's first draw (default: 20
    intervals), R's ``MCMC.interval`` and ``MCMC.burnin``; the bridge sampling keeps the interval
    and burns in by ergm's own rule. With ``backend="r"``, ``seed``, ``proposal``,
    ``max_iterations``, ``mcmc_interval`` and ``mcmc_burnin`` go to R's ``ergm()`` as
    ``control.ergm()`` arguments (``analytics.rbridge.ergm_control_args``); the bridge settings do not.

    These sampling settings (None: not given; the defaults are ``DEFAULT_BRIDGES``,
    ``DEFAULT_BRIDGE_DRAWS``, ``MAX_ITERATIONS``, ``DEFAULT_PROPOSAL`` and a fresh seed) are refused
    with an ``AnalyticsInputError`` naming them when the fit would not use them
    (``analytics/ergm/plan.py``, the check ``triage study fit`` makes): a model fitted by exact
    maximum likelihood samples nothing, and R takes no bridge settings.
    """
    if max_iterations is not None and max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, not {max_iterations}")
    if mcmc_interval is not None and mcmc_interval < 1:
        raise ValueError(f"mcmc_interval must be at least 1 proposal, not {mcmc_interval}")
    if mcmc_burnin is not None and mcmc_burnin < 0:
        raise ValueError(f"mcmc_burnin must be 0 proposals or more, not {mcmc_burnin}")
    if proposal is not None:
        proposal = check_proposal(proposal)
    reference = reference.lower()
    if reference not in ("bernoulli", "poisson"):
        raise FormulaError(f'reference must be "bernoulli" or "poisson", not {json_text(reference)}')
    valued = reference == "poisson"
    if valued and response is None:
        raise FormulaError("a Poisson-reference (valued) model needs response=<edge column>")
    if backend not in ("python", "r"):
        raise FormulaError(f'backend must be "python" or "r", not {json_text(backend)}')
    settings = {"seed": seed, "proposal": proposal, "max_iterations": max_iterations}
    settings |= {"mcmc_interval": mcmc_interval, "mcmc_burnin": mcmc_burnin}
    settings |= {"bridges": bridges, "bridge_draws": bridge_draws}
    given = {name: f"{name}={value!r}" for name, value in settings.items() if value is not None}
    terms = parse_formula(formula)
    only_loops = network.only_self_loops_problem()
    if only_loops:  # no tie to fit: Python's fit failed 'no convergence', R's glm returned edges -31
        raise NetworkInputError(f"{network.edges_file or 'edges'}: {only_loops}")
    if given:
        r_ergm = False
        if backend == "r" and valued:
            from analytics.rbridge import r_has_ergm

            r_ergm = r_has_ergm()  # R's ergm.count samples, its glm fallback does not
        plan = fit_plan(terms, directed=network.directed, valued=valued, backend=backend, r_ergm=r_ergm)
        refuse_unused_settings(plan, given, python_backend='backend="python"')
    proposal = proposal or DEFAULT_PROPOSAL
    max_iterations = MAX_ITERATIONS if max_iterations is None else max_iterations
    if backend == "r":
        from analytics.rbridge import fit_in_r

        return fit_in_r(
            formula,
            network,
            response=response,
            reference=reference,
            seed=seed,
            proposal=proposal,
            max_iterations=max_iterations,
            mcmc_interval=mcmc_interval,
            mcmc_burnin=mcmc_burnin,
        )
    if any(t.name in DEPENDENT_TERMS for t in terms):
        if valued:
            raise FormulaError("dyad-dependent terms are supported for binary networks only")
        return _fit_dependent(
            formula,
            terms,
            network,
            seed,
            progress,
            DEFAULT_BRIDGES if bridges is None else bridges,
            DEFAULT_BRIDGE_DRAWS if bridge_draws is None else bridge_draws,
            max_iterations,
            proposal,
            (mcmc_interval, mcmc_burnin),
        )
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
    bridges: int,
    bridge_draws: int,
    max_iterations: int,
    proposal: str,
    chain: tuple[int | None, int | None],
) -> ErgmResult:
    """``chain``: the fit's sampling interval and burn-in in proposals (None: the defaults)."""
    rhs = formula.split("~", 1)[-1].strip()
    names = [t.name for t in terms]
    null_loglik = -network.n_dyads * float(np.log(2.0))  # every dyad a fair coin (R's null model)
    if closed_form_edges_mutual(names, network.directed):
        # Either order: the closed form is (edges, mutual); report the terms as the formula has them.
        coef, cov, loglik = exact_edges_mutual(network)
        order = [("edges", "mutual").index(name) for name in names]
        return ErgmResult(
            formula=rhs,
            terms=tuple(names),
            coef=coef[order],
            cov=cov[np.ix_(order, order)],
            loglik=loglik,
            null_loglik=null_loglik,
            n_nodes=network.n,
            n_dyads=network.n_dyads,
            directed=True,
            valued=False,
            method="Maximum Likelihood (exact: edges + mutual as independent dyad states)",
            iterations=0,
            network=network,
        )
    dependent = dependent_terms(terms, network)
    fit = fit_mcmc(
        dependent,
        network,
        seed=seed,
        interval=chain[0],
        max_iter=max_iterations,
        progress=progress,
        proposal=proposal,
        burnin=chain[1],
    )
    loglik, loglik_se, loglik_method = float("nan"), float("nan"), "not estimated"
    notes: tuple[str, ...] = ()
    if not fit.converged:
        notes += (NOT_CONVERGED.format(iterations=counted(fit.iterations, "iterations")),)
    if bridges == 0:
        notes += ("log-likelihood not estimated (bridges=0), so AIC and BIC are not available",)
    else:
        try:
            bridge = bridge_loglik(
                dependent,
                network,
                fit.coef,
                seed=seed,
                bridges=bridges,
                draws=bridge_draws,
                interval=fit.interval,
                progress=progress,
                proposal=proposal,
            )
        except ConvergenceError as exc:
            notes += (f"log-likelihood not estimated: the dyad-independent start has no MLE ({exc})",)
        else:
            loglik, loglik_se, loglik_method = bridge.loglik, bridge.mc_se, bridge.method
    return ErgmResult(
        formula=rhs,
        terms=tuple(t.name for t in dependent),
        coef=fit.coef,
        cov=fit.cov,
        loglik=loglik,
        loglik_mc_se=loglik_se,
        loglik_method=loglik_method,
        null_loglik=null_loglik,
        n_nodes=network.n,
        n_dyads=network.n_dyads,
        directed=network.directed,
        valued=False,
        method="Monte Carlo Maximum Likelihood",
        iterations=fit.iterations,
        mcmc_cov=fit.mcmc_cov,
        diagnostics=fit.diagnostics,
        mcmc_sample=fit.sample,
        network=network,
        notes=notes,
    )
