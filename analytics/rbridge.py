"""The R backend (adapter): the same formula fitted in R through rpy2.

With R's ``ergm`` package installed (``install.packages(c("ergm", "ergm.count"))``), the formula
runs in ``ergm()`` itself. Otherwise dyad-independent models are fitted with R's ``glm`` on a dyad
table that R builds from the node attributes and covariate matrices - independently of the Python
term code - so the two backends can be compared. rpy2 is imported lazily, and embedded R is used
under a lock (it is single-threaded and not fork-safe).
"""

from __future__ import annotations

import os
import threading
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm.formula import parse_formula
from analytics.ergm.network import Network
from analytics.ergm.results import ErgmResult
from analytics.errors import DependencyMissingError, FormulaError

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
  fit <- glm(.y ~ 0 + ., data = d, family = fam, control = glm.control(epsilon = 1e-12, maxit = 100))
  list(coef = unname(coef(fit)), vcov = unname(vcov(fit)), loglik = as.numeric(logLik(fit)),
       version = R.version.string)
}
"""


_R_ERGM = r"""
function(n, directed, src, dst, values, attrs, covs, rhs, response, valued) {
  suppressMessages(library(ergm))
  if (valued) suppressMessages(library(ergm.count))
  net <- network::network.initialize(n, directed = directed)
  if (length(src) > 0) network::add.edges(net, as.integer(src), as.integer(dst))
  for (a in names(attrs)) network::set.vertex.attribute(net, a, attrs[[a]])
  for (c in names(covs)) network::set.network.attribute(net, c, matrix(covs[[c]], n, n))
  if (valued) network::set.edge.attribute(net, response, as.numeric(values))
  f <- as.formula(paste("net ~", rhs))
  environment(f) <- environment()
  fit <- if (valued) ergm(f, response = response, reference = ~Poisson)
         else ergm(f, control = control.ergm(MPLE.type = "logitreg"))
  list(coef = unname(coef(fit)), vcov = unname(as.matrix(vcov(fit))),
       loglik = as.numeric(logLik(fit)),
       version = paste(R.version.string, "ergm", as.character(packageVersion("ergm"))))
}
"""


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


def fit_in_r(formula: str, net: Network, *, response: str | None, reference: str) -> ErgmResult:
    """Fit in R: ``ergm()`` when installed, else ``glm`` on the dyad table (dyad-independent only)."""
    from analytics.ergm.terms import build_statistics

    ro = _r()
    valued = reference == "poisson"
    terms = parse_formula(formula)
    stats = build_statistics(terms, net, valued)  # validates the formula and gives R's names
    kinds: list[str] = []
    args: list[str] = []
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
    use_ergm = r_has_ergm()
    with _LOCK:
        if use_ergm:
            values = y[net.src, net.dst]
            fit = ro.r(_R_ERGM)(
                net.n,
                net.directed,
                ro.IntVector((net.src + 1).tolist()),
                ro.IntVector((net.dst + 1).tolist()),
                ro.FloatVector(values.tolist()),
                ro.ListVector(attrs),
                ro.ListVector(covs),
                formula.split("~", 1)[-1],
                response or "",
                valued,
            )
        else:
            fit = ro.r(_R_GLM)(
                net.n,
                net.directed,
                ro.FloatVector(y.flatten(order="F").tolist()),
                ro.StrVector(kinds),
                ro.StrVector([s.name for s in stats]),
                ro.StrVector(args),
                ro.ListVector(attrs),
                ro.ListVector(covs),
                valued,
            )
        coef = np.array(fit.rx2("coef"), dtype=float)
        cov = np.array(fit.rx2("vcov"), dtype=float).reshape(len(stats), len(stats), order="F")
        loglik = float(fit.rx2("loglik")[0])
        version = str(fit.rx2("version")[0])
    return ErgmResult(
        formula=formula.split("~", 1)[-1].strip(),
        terms=tuple(s.name for s in stats),
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
        network=net,  # kept, as a Python fit keeps it: gof() simulates from R's estimates on it
        notes=(
            (version,)
            if use_ergm
            else (
                f"{version}; R's ergm package not installed, fitted with glm (exact for dyad-independent models)",
            )
        ),
    )
