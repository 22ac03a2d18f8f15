"""How ``ergm()`` fits a formula, and so which of its sampling settings the fit uses.

Only a fit by MCMC samples: a binary model with a dyad-dependent term (``mutual``, ``triangle``,
``gwesp``), except ``edges + mutual`` alone on a directed network, whose MLE is exact in closed
form. Every other model is fitted by exact maximum likelihood - a logistic (binary) or Poisson
(valued) regression on the dyads - and samples nothing, so a seed, a proposal, an iteration bound
or a bridge count would change nothing. ``ergm()`` and ``triage study fit`` both ask
:func:`fit_plan` which settings the fit uses, and :func:`refuse_unused_settings` refuses the others
given (the arguments ``seed=7``, the options ``--seed``) rather than ignore them.

The R backend (``analytics/rbridge.py``) passes the seed, the proposal, the iteration bound, the
interval and the burn-in to R's ``ergm()`` for a binary model with dyad-dependent terms (R fits
``edges + mutual`` by MCMC too); R's ``ergm.count`` fits a Poisson-reference model by MCMC with a sampler of its own, which
takes the seed only; a dyad-independent binary model (R's ergm or R's glm) and a Poisson model by
R's glm (no ergm installed) sample nothing. The bridge sampling of the log-likelihood is this
engine's own: R estimates the log-likelihood its own way.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from analytics.ergm.formula import TermSpec
from analytics.ergm.terms import DEPENDENT_TERMS
from analytics.errors import AnalyticsInputError
from referral.plurals import listed

#: The sampling settings of ``ergm()``, by the names of its arguments.
SAMPLING_SETTINGS = (
    "seed",
    "proposal",
    "max_iterations",
    "mcmc_interval",
    "mcmc_burnin",
    "bridges",
    "bridge_draws",
)
_MCMC = frozenset(SAMPLING_SETTINGS)
_R_MCMC = frozenset({"seed", "proposal", "max_iterations", "mcmc_interval", "mcmc_burnin"})
_NONE: frozenset[str] = frozenset()
_DEPENDENT = "mutual, triangle or gwesp"


@dataclass(frozen=True)
class FitPlan:
    """How a model is fitted: ``how`` and ``because`` complete 'this model is fitted ... because
    ...'; ``uses`` holds the sampling settings (:data:`SAMPLING_SETTINGS`) the fit uses."""

    how: str
    because: str
    uses: frozenset[str]
    in_r: bool = False


def closed_form_edges_mutual(names: Sequence[str], directed: bool) -> bool:
    """``edges + mutual`` alone (either order) on a directed network: each dyad's state (none, one
    way, both ways) is independent of the others, so the MLE is exact in closed form."""
    return directed and sorted(names) == ["edges", "mutual"]


def fit_plan(
    terms: Sequence[TermSpec], *, directed: bool, valued: bool, backend: str, r_ergm: bool = False
) -> FitPlan | None:
    """How ``ergm()`` fits ``terms``; ``r_ergm`` says whether R's ergm package is installed (the
    R backend falls back to R's glm without it; only a Poisson-reference model's fit depends on
    it). None for a model ``ergm()`` refuses (a valued model with dyad-dependent terms): its own
    error says why."""
    dependent = sorted({t.name for t in terms if t.name in DEPENDENT_TERMS})
    if dependent and valued:
        return None
    has = f"the formula has the dyad-dependent term(s) {', '.join(dependent)}"
    independent = f"every term of the formula is dyad-independent (none of {_DEPENDENT})"
    regression = "a Poisson regression" if valued else "a logistic regression"
    if backend == "r":
        if dependent:
            return FitPlan("by MCMC in R's ergm", has, _R_MCMC, in_r=True)
        if valued and r_ergm:
            return FitPlan(
                "in R's ergm.count by MCMC, with a sampler of its own that takes the seed alone",
                "it is a Poisson-reference (valued) model",
                frozenset({"seed"}),
                in_r=True,
            )
        if not valued:  # R's ergm fits it by its MPLE (exact here), R's glm the same regression
            return FitPlan(
                f"by exact maximum likelihood in R ({regression} on the dyads), sampling nothing",
                independent,
                _NONE,
                in_r=True,
            )
        return FitPlan(
            f"by exact maximum likelihood in R's glm ({regression} on the dyads), sampling nothing",
            f"{independent} and R's ergm package (whose ergm.count would sample) is not installed here",
            _NONE,
            in_r=True,
        )
    if not dependent:
        return FitPlan(
            f"by exact maximum likelihood ({regression} on the dyads), sampling nothing", independent, _NONE
        )
    if closed_form_edges_mutual([t.name for t in terms], directed):
        return FitPlan(
            "by exact maximum likelihood in closed form, sampling nothing",
            "edges and mutual alone on a directed network make each dyad's state independent of the others",
            _NONE,
        )
    return FitPlan("by MCMC", has, _MCMC)


def refuse_unused_settings(plan: FitPlan | None, given: Mapping[str, str], *, python_backend: str) -> None:
    """Refuse the sampling settings given that the fit ``plan`` would not use, where they were
    ignored without a word, naming them all and how the model is fitted: one
    :class:`AnalyticsInputError` line. ``given`` maps each setting given (names of
    :data:`SAMPLING_SETTINGS`) to how the caller spelt it (``--seed`` on the command line,
    ``seed=7`` in Python); ``python_backend`` is how the caller asks for this engine
    (``--backend python``, ``backend="python"``). ``plan`` None: the engine refuses the model and
    says why."""
    if plan is None:
        return
    unused = [spelt for name, spelt in given.items() if name not in plan.uses]
    if not unused:
        return
    applies, them = ("applies", unused[0]) if len(unused) == 1 else ("apply", "them")
    bridges = [given[name] for name in ("bridges", "bridge_draws") if name in given]
    if plan.in_r and bridges:  # only this engine bridge-samples
        applies, them = ("applies", bridges[0]) if len(bridges) == 1 else ("apply", "them")
        raise AnalyticsInputError(
            f"{listed(bridges)} {applies} to {python_backend} only: R's ergm estimates an MCMC fit's"
            f" log-likelihood its own way; drop {them}, or use {python_backend}"
        )
    # a fit that samples with a sampler of its own (R's ergm.count) takes the seed alone
    scope = "a binary model's fit by MCMC" if plan.uses else "a fit by MCMC"
    raise AnalyticsInputError(
        f"{listed(unused)} {applies} only to {scope}; this model is fitted {plan.how}, because"
        f" {plan.because}; drop {them}"
    )


def refuse_plot_without_draws(plan: FitPlan | None, spelt: str, *, python_backend: str) -> None:
    """Refuse a plot of an MCMC fit's draws (``spelt``: ``--mcmc-plot``) for a fit that
    will have none here, naming how the model is fitted, rather than draw an empty plot or none
    without a word: an exact fit samples nothing, and R's fit keeps its draws in R."""
    if plan is None or "bridges" in plan.uses:  # None: the engine refuses the model and says why
        return
    if plan.in_r and plan.uses:
        raise AnalyticsInputError(
            f"{spelt} applies to {python_backend} only: this model is fitted {plan.how}, whose draws"
            f" stay in R (mcmc.diagnostics(fit) draws them there); drop {spelt}, or use {python_backend}"
        )
    raise AnalyticsInputError(
        f"{spelt} applies only to a fit by MCMC; this model is fitted {plan.how}, because"
        f" {plan.because}, so it has no draws to plot; drop {spelt}"
    )
