"""How ``ergm()`` fits a formula, and so which of its sampling settings the fit uses.

Only a fit by MCMC samples: a binary model with a dyad-dependent term (``mutual``, ``triangle``,
``gwesp``), except ``edges + mutual`` alone on a directed network, whose MLE is exact in closed
form. Every other model is fitted by exact maximum likelihood - a logistic (binary) or Poisson
(valued) regression on the dyads - and samples nothing, so a seed, a proposal, an iteration bound
or a bridge count would change nothing. ``triage study fit`` asks :func:`fit_plan` which of its
options the fit uses, and refuses the others rather than ignore them.

The R backend (``analytics/rbridge.py``) passes the seed, the proposal and the iteration bound to
R's ``ergm()`` for a binary model with dyad-dependent terms (R fits ``edges + mutual`` by MCMC
too); R's ``ergm.count`` fits a Poisson-reference model by MCMC with a sampler of its own, which
takes the seed only; a dyad-independent binary model (R's ergm or R's glm) and a Poisson model by
R's glm (no ergm installed) sample nothing. The bridge sampling of the log-likelihood is this
engine's own: R estimates the log-likelihood its own way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from analytics.ergm.formula import TermSpec
from analytics.ergm.terms import DEPENDENT_TERMS

#: The sampling settings of ``ergm()``, by the names of its arguments.
SAMPLING_SETTINGS = ("seed", "proposal", "max_iterations", "bridges", "bridge_draws")
_MCMC = frozenset(SAMPLING_SETTINGS)
_R_MCMC = frozenset({"seed", "proposal", "max_iterations"})
_NONE: frozenset[str] = frozenset()
_DEPENDENT = "mutual, triangle or gwesp"


@dataclass(frozen=True)
class FitPlan:
    """How a model is fitted: ``how`` and ``because`` complete 'this model is fitted ... because
    ...'; ``uses`` holds the sampling settings (:data:`SAMPLING_SETTINGS`) the fit uses."""

    how: str
    because: str
    uses: frozenset[str]


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
            return FitPlan("by MCMC in R's ergm", has, _R_MCMC)
        if valued and r_ergm:
            return FitPlan(
                "in R's ergm.count by MCMC, with a sampler of its own that takes the seed alone",
                "it is a Poisson-reference (valued) model",
                frozenset({"seed"}),
            )
        if not valued:  # R's ergm fits it by its MPLE (exact here), R's glm the same regression
            return FitPlan(
                f"by exact maximum likelihood in R ({regression} on the dyads), sampling nothing",
                independent,
                _NONE,
            )
        return FitPlan(
            f"by exact maximum likelihood in R's glm ({regression} on the dyads), sampling nothing",
            f"{independent} and R's ergm package (whose ergm.count would sample) is not installed here",
            _NONE,
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
