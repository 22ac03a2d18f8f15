"""The R backend (adapter): the same formula fitted in R through rpy2.

With R's ``ergm`` package installed (``install.packages(c("ergm", "ergm.count"))``), the formula
runs in ``ergm()`` itself, with the seed, the MCMC proposal and the MCMC-MLE iteration bound of the
Python engine passed through ``control.ergm()`` (``ergm_control_args``). Otherwise dyad-independent
models are fitted with R's ``glm`` on a dyad table that R builds from the node attributes and
covariate matrices - independently of the Python term code - so the two backends can be compared;
that fit is exact and samples nothing. rpy2 is imported lazily, and embedded R is used under a lock
(it is single-threaded and not fork-safe).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm.dependent import MAX_ITERATIONS
from analytics.ergm.formula import parse_formula
from analytics.ergm.network import Network
from analytics.ergm.proposal import DEFAULT_PROPOSAL, check_proposal
from analytics.ergm.results import ErgmResult
from analytics.errors import ConvergenceError, DependencyMissingError, FormulaError

_LOCK = threading.Lock()
HOW_TO_ENABLE = (
    "install R (Debian: apt-get install r-base-core r-base-dev; `make test` does this as root) and "
    "`pip install 'clinic-triage[r]'` (rpy2>=3.5,<3.6 for Debian's R 4.2)"
)

_R_GLM = r"""
function(n, directed, y, kinds, names, args, attrs, covs, valued) {
  pairs <- if (directed) which(row(diag(n)) != col(diag(n)), arr.ind = TRUE)
           else which(upper.tri(diag(n)), arr.ind = TRUE)
  i <- pairs[, 1]; j <- pairs[, 2]
  Y <- matrix(y, n, n)
  d <- data.frame(.y = Y[cbind(i, j)])
  for (k in seq_along(kinds)) {
    a <- args[[k]]
    col <- switch(kinds[[k]],
      edges = rep(1, length(i)), sum = rep(1, length(i)),
      nodeicov = attrs[[a]][j], nodeocov = attrs[[a]][i],
      nodecov = attrs[[a]][i] + attrs[[a]][j],
      absdiff = abs(attrs[[a]][i] - attrs[[a]][j]),
      nodematch = as.numeric(attrs[[a]][i] == attrs[[a]][j]),
      edgecov = matrix(covs[[a]], n, n)[cbind(i, j)],
      nodefactor = {
        lev <- strsplit(a, "\u0001", fixed = TRUE)[[1]]
        as.numeric(attrs[[lev[1]]][i] == lev[2]) + as.numeric(attrs[[lev[1]]][j] == lev[2])
      },
      stop(paste("unsupported term", kinds[[k]])))
    d[[names[[k]]]] <- col
  }
  fam <- if (valued) poisson() else binomial()
  warned <- character(0)
  fit <- withCallingHandlers(
    glm(.y ~ 0 + ., data = d, family = fam, control = glm.control(epsilon = 1e-12, maxit = 100)),
    warning = function(w) { warned <<- c(warned, conditionMessage(w)); invokeRestart("muffleWarning") })
  aliased <- is.na(coef(fit))
  # each term's standard error on the scale of its column's standard deviation (1 for a constant
  # column), as the Python engine scales them: astronomically large where an estimate diverges
  scales <- vapply(d[-1], function(x) { s <- sd(x); if (is.na(s) || s == 0) 1 else s }, numeric(1))
  se <- suppressWarnings(sqrt(diag(vcov(fit))))
  list(coef = unname(coef(fit)), vcov = unname(vcov(fit)), loglik = as.numeric(logLik(fit)),
       version = R.version.string, r_version = paste(R.version$major, R.version$minor, sep = "."),
       converged = fit$converged, iterations = fit$iter,
       warnings = warned, aliased = names(d)[-1][aliased],
       scaled_se = unname(ifelse(aliased, 0, se * scales)))
}
"""

#: What glm.fit warns when a fitted value is within 10 machine epsilons of 0 or 1 (of 0 for a rate):
#: an estimate running off to infinity does that, and so does a finite MLE whose covariate takes
#: large values - the bench's network of the study's 88 cities, GeoProx up to 72 with an estimate
#: of 0.60 (standard error 0.047), puts a few dyads' linear predictor past 36. The warning alone
#: is no separation: a diverging estimate's standard error tells it (MAX_SCALED_SE).
_R_SEPARATION = ("fitted probabilities numerically 0 or 1 occurred", "fitted rates numerically 0 occurred")


#: A term's standard error, in standard deviations of its column, above which its estimate is no
#: estimate: the information matrix is numerically singular (a legitimate fit's are a few units).
MAX_SCALED_SE = 1000.0


def glm_problem(
    converged: bool,
    iterations: int,
    warnings: list[str],
    aliased: list[str],
    scaled_se: dict[str, float] | None = None,
) -> str | None:
    """Why a fit by R's glm is no estimate, in the Python engine's words, or None: R returns a
    fit whatever happens - an edges coefficient of -31 when no tie is observed, an estimate of 28
    with a standard error of 300,000 when a term separates the ties, NA for a term collinear with
    others - where the Python fit raises a ConvergenceError, and glm's warnings were written to the
    console (at R's next call, under another fit) or not at all."""
    if aliased:
        return (
            f"{', '.join(aliased)}: not estimable (R's glm gives NA): the information matrix is singular:"
            " two terms are collinear or a term is constant"
        )
    if not converged:
        return f"no convergence after {iterations} iterations of R's glm; the MLE may not exist (separation)"
    unbounded = [name for name, se in (scaled_se or {}).items() if not se <= MAX_SCALED_SE]
    if not unbounded:  # glm's warning of fitted values at 0 or 1 with every estimate bounded: an MLE
        return None
    separation = [warning for warning in warnings if _at_the_edge(warning)]
    if separation:
        return (
            f"{', '.join(unbounded)}: R's glm gives a standard error over {MAX_SCALED_SE:,.0f} standard"
            f" deviations of the term and warned '{separation[0]}': an estimate diverges, the MLE does"
            " not exist (separation)"
        )
    return (
        f"{', '.join(unbounded)}: R's glm gives a standard error over {MAX_SCALED_SE:,.0f} standard"
        " deviations of the term: the information matrix is singular - an estimate diverges, the MLE"
        " may not exist (separation), or terms are collinear"
    )


def _at_the_edge(warning: str) -> bool:
    return any(words in warning for words in _R_SEPARATION)


def glm_note(warning: str) -> str:
    """A warning of R's glm on a fit that is an estimate, for the fit's notes; glm's warning of
    fitted values at 0 or 1 says what it means here (the estimates are bounded: no separation)."""
    if _at_the_edge(warning):
        return (
            f"R's glm warned: {warning} (some dyads' fitted values are within 10 machine epsilons of the"
            " edge; every estimate's standard error is bounded, so the estimates are the MLE)"
        )
    return f"R's glm warned: {warning}"


_R_ERGM = r"""
function(n, directed, src, dst, values, attrs, covs, rhs, response, valued, control_args) {
  suppressMessages(library(ergm))
  if (valued) suppressMessages(library(ergm.count))
  if (!is.null(control_args$seed)) set.seed(control_args$seed)
  ctrl <- do.call(control.ergm, control_args)
  net <- network::network.initialize(n, directed = directed)
  if (length(src) > 0) network::add.edges(net, as.integer(src), as.integer(dst))
  for (a in names(attrs)) network::set.vertex.attribute(net, a, attrs[[a]])
  for (c in names(covs)) network::set.network.attribute(net, c, matrix(covs[[c]], n, n))
  if (valued) network::set.edge.attribute(net, response, as.numeric(values))
  f <- as.formula(paste("net ~", rhs))
  environment(f) <- environment()
  fit <- if (valued) ergm(f, response = response, reference = ~Poisson, control = ctrl)
         else ergm(f, control = ctrl)
  list(coef = unname(coef(fit)), vcov = unname(as.matrix(vcov(fit))),
       loglik = as.numeric(logLik(fit)),
       version = paste(R.version.string, "ergm", as.character(packageVersion("ergm"))),
       r_version = paste(R.version$major, R.version$minor, sep = "."),
       ergm_version = as.character(packageVersion("ergm")))
}
"""


#: The largest seed R takes: set.seed() and control.ergm(seed=) read it as an R integer.
R_MAX_SEED = 2**31 - 1


def ergm_control_args(
    *,
    dependent: bool,
    valued: bool,
    seed: int | None,
    proposal: str = DEFAULT_PROPOSAL,
    max_iterations: int = MAX_ITERATIONS,
    mcmc_interval: int | None = None,
    mcmc_burnin: int | None = None,
) -> dict[str, int | str]:
    """The arguments of R's ``control.ergm()`` that make R's ergm fit as this engine would.

    * ``seed``: ``control.ergm(seed=)``, which ``ergm()`` passes to ``set.seed()`` (the R code
      also calls ``set.seed()`` itself first); None leaves R's generator alone. Values above
      ``R_MAX_SEED`` or below 0 are refused (R reads the seed as a 32-bit integer).
    * ``proposal`` (``"TNT"`` or ``"random"``, any case): ``MCMC.prop.weights``, the name statnet
      documents for choosing the Metropolis-Hastings proposal ("TNT" or "random"; "default" picks
      TNT for an unconstrained binary network). Only for binary models with dyad-dependent terms:
      other fits sample nothing, and a Poisson-reference (ergm.count) model has its own proposals.
    * ``max_iterations``: ``MCMLE.maxit``, the bound on MCMC-MLE iterations (ergm 4's default is
      60, this engine's 20), again only when there is a chain.
    * ``mcmc_interval`` and ``mcmc_burnin`` when given: ``MCMC.interval`` and ``MCMC.burnin`` (R's
      defaults, 1024 and 16 intervals, otherwise), the same.
    * ``MPLE.type = "logitreg"`` for binary models, as before (R's in-house logistic regression).
    """
    if seed is not None and not 0 <= seed <= R_MAX_SEED:
        raise ValueError(f"seed must be between 0 and {R_MAX_SEED} for R's set.seed(), not {seed}")
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be at least 1, not {max_iterations}")
    args: dict[str, int | str] = {}
    if not valued:
        args["MPLE.type"] = "logitreg"
        if dependent:
            args["MCMC.prop.weights"] = check_proposal(proposal)
            args["MCMLE.maxit"] = max_iterations
            if mcmc_interval is not None:
                args["MCMC.interval"] = mcmc_interval
            if mcmc_burnin is not None:
                args["MCMC.burnin"] = mcmc_burnin
    if seed is not None:
        args["seed"] = seed
    return args


def _r_list(ro: Any, args: dict[str, int | str]) -> Any:
    """A named R list of length-1 vectors: integers as R integers, text as character."""
    return ro.ListVector(
        {
            name: ro.IntVector([value]) if isinstance(value, int) else ro.StrVector([value])
            for name, value in args.items()
        }
    )


def r_ties(y: np.ndarray) -> tuple[list[int], list[int], list[float]]:
    """The ties R's ``network`` is given (``add.edges``): 1-based senders and receivers and their
    values, read from the response matrix ``y`` (:meth:`Network.response`), so each tie once and no
    row from a unit to itself - the edge list as given had been passed, and R's ``add.edges`` checks
    neither, so a self-loop was a tie of R's observed statistics (and a pair listed twice two ties),
    where the Python fit leaves them out."""
    senders, receivers = np.nonzero(y)
    return (
        (senders + 1).tolist(),
        (receivers + 1).tolist(),
        y[senders, receivers].astype(float).tolist(),
    )


def _r() -> Any:
    # rpy2 puts R's library folders (including the system's libpython) first on LD_LIBRARY_PATH
    # while it starts R; every later subprocess of ours would inherit it and load the wrong
    # libpython. R is running by the time the import returns, so the variable is put back.
    saved = os.environ.get("LD_LIBRARY_PATH")
    try:
        import rpy2.robjects as ro

        ro.r("invisible(NULL)")
    except Exception as exc:  # ImportError, or R's shared library missing
        raise DependencyMissingError(f"the R backend needs R and rpy2 ({exc}); {HOW_TO_ENABLE}") from None
    finally:
        if saved is None:
            os.environ.pop("LD_LIBRARY_PATH", None)
        else:
            os.environ["LD_LIBRARY_PATH"] = saved
    return ro


def r_available() -> tuple[bool, str]:
    """(True, R version) when R and rpy2 work here, else (False, how to enable)."""
    try:
        ro = _r()
        with _LOCK:
            return True, str(ro.r("R.version.string")[0])
    except DependencyMissingError as exc:
        return False, str(exc)


def r_has_ergm() -> bool:
    ro = _r()
    with _LOCK:
        return bool(ro.r('as.integer(requireNamespace("ergm", quietly = TRUE))')[0])


def fit_in_r(
    formula: str,
    net: Network,
    *,
    response: str | None,
    reference: str,
    seed: int | None = None,
    proposal: str = DEFAULT_PROPOSAL,
    max_iterations: int = MAX_ITERATIONS,
    mcmc_interval: int | None = None,
    mcmc_burnin: int | None = None,
) -> ErgmResult:
    """Fit in R: ``ergm()`` when installed, else ``glm`` on the dyad table (dyad-independent only).

    ``seed``, ``proposal``, ``max_iterations``, ``mcmc_interval`` and ``mcmc_burnin`` reach R's
    ``ergm()`` through ``ergm_control_args``; the glm path samples nothing and does not need them.
    Dyad-dependent terms need R's ergm package: without it a ``DependencyMissingError`` says how to
    install it.
    """
    from analytics.ergm.dependent import dependent_terms
    from analytics.ergm.terms import DEPENDENT_TERMS, build_statistics

    valued = reference == "poisson"
    terms = parse_formula(formula)
    dependent = any(t.name in DEPENDENT_TERMS for t in terms)
    try:
        control = ergm_control_args(
            dependent=dependent,
            valued=valued,
            seed=seed,
            proposal=proposal,
            max_iterations=max_iterations,
            mcmc_interval=mcmc_interval,
            mcmc_burnin=mcmc_burnin,
        )
    except ValueError as exc:
        raise FormulaError(f"R backend: {exc}") from None
    kinds: list[str] = []
    args: list[str] = []
    if dependent:
        if valued:
            raise FormulaError("dyad-dependent terms are supported for binary networks only")
        names = [t.name for t in dependent_terms(terms, net)]  # validates, gives R's names
    else:
        stats = build_statistics(terms, net, valued)  # validates the formula and gives R's names
        names = [s.name for s in stats]
        for spec in terms:
            if spec.name == "nodefactor":
                levels = sorted(set(net.attribute(spec.args[0]).astype(str)))
                for level in levels[1:]:
                    kinds.append("nodefactor")
                    args.append(f"{spec.args[0]}\u0001{level}")
            else:
                kinds.append(spec.name)
                args.append(spec.args[0] if spec.args else "")
        if len(kinds) != len(stats):
            raise FormulaError("internal: R term list does not match the Python statistics")
    ro = _r()
    use_ergm = r_has_ergm()
    if dependent and not use_ergm:
        found = ", ".join(sorted({t.name for t in terms if t.name in DEPENDENT_TERMS}))
        raise DependencyMissingError(
            f"the R backend fits dyad-dependent terms ({found}) only with R's ergm package, which is not"
            " installed here (in R: install.packages('ergm')); without it, use --backend python"
        )
    attrs: dict[str, Any] = {}
    for column in net.nodes.columns:
        if column == "id":
            continue
        values = net.nodes[column]
        numeric = pd.api.types.is_numeric_dtype(values)
        attrs[column] = (
            ro.FloatVector(values.astype(float).tolist())
            if numeric
            else ro.StrVector(values.astype(str).tolist())
        )
    covs = {
        name: ro.FloatVector(np.asarray(m, dtype=float).flatten(order="F").tolist())
        for name, m in (net.edgecov or {}).items()
    }
    y = net.response(response if valued else None)
    with _LOCK:
        if use_ergm:
            senders, receivers, tie_values = r_ties(y)
            fit = ro.r(_R_ERGM)(
                net.n,
                net.directed,
                ro.IntVector(senders),
                ro.IntVector(receivers),
                ro.FloatVector(tie_values),
                ro.ListVector(attrs),
                ro.ListVector(covs),
                formula.split("~", 1)[-1],
                response or "",
                valued,
                _r_list(ro, control),
            )
        else:
            fit = ro.r(_R_GLM)(
                net.n,
                net.directed,
                ro.FloatVector(y.flatten(order="F").tolist()),
                ro.StrVector(kinds),
                ro.StrVector(names),
                ro.StrVector(args),
                ro.ListVector(attrs),
                ro.ListVector(covs),
                valued,
            )
        glm_notes: list[str] = []
        if not use_ergm:
            warnings = [str(w) for w in fit.rx2("warnings")]
            problem = glm_problem(
                bool(fit.rx2("converged")[0]),
                int(fit.rx2("iterations")[0]),
                warnings,
                [str(name) for name in fit.rx2("aliased")],
                dict(zip(names, (float(v) for v in fit.rx2("scaled_se")), strict=True)),
            )
            if problem is not None:
                raise ConvergenceError(problem)
            glm_notes = [glm_note(w) for w in warnings]
        coef = np.array(fit.rx2("coef"), dtype=float)
        cov = np.array(fit.rx2("vcov"), dtype=float).reshape(len(names), len(names), order="F")
        loglik = float(fit.rx2("loglik")[0])
        version = str(fit.rx2("version")[0])
        r_version = str(fit.rx2("r_version")[0])
        ergm_version = str(fit.rx2("ergm_version")[0]) if use_ergm else None
    settings = ", ".join(f"{name} = {value!r}" for name, value in control.items())
    return ErgmResult(
        formula=formula.split("~", 1)[-1].strip(),
        terms=tuple(names),
        coef=coef,
        cov=cov,
        loglik=loglik,
        null_loglik=-(net.n_dyads) * float(np.log(2.0)) if not valued else float("nan"),
        n_nodes=net.n,
        n_dyads=net.n_dyads,
        directed=net.directed,
        valued=valued,
        method="Maximum Likelihood (R ergm)" if use_ergm else "Maximum Likelihood (R glm on the dyad table)",
        iterations=0,
        backend="r",
        r_version=r_version,
        ergm_version=ergm_version,
        network=net,  # kept, as a Python fit keeps it: gof() simulates from R's estimates on it
        notes=(
            (version, f"control.ergm({settings})")
            if use_ergm
            else (
                f"{version}; R's ergm package not installed, fitted with glm (exact for dyad-independent models)",
                *glm_notes,
            )
        ),
    )
