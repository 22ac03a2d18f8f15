"""Immutable ERGM results laid out as R's ``summary(ergm)``."""

from __future__ import annotations

import math
import platform
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import numpy as np
import pandas as pd
from scipy.stats import norm


def stars(p: float) -> str:
    """R's significance codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1."""
    if p < 0.001:
        return "***"
    if p < 0.01:
        return "**"
    if p < 0.05:
        return "*"
    if p < 0.1:
        return "."
    return ""


def json_number(value: float) -> float | None:
    """``value`` as a float, or None (JSON null) when it is NaN or infinite: strict JSON has neither."""
    number = float(value)
    return number if math.isfinite(number) else None


#: The packages whose versions a fit records: this one and the numerical libraries it computes with.
_SOFTWARE = ("clinic-triage", "numpy", "scipy", "pandas")


def software_versions(extra: tuple[str, ...] = ()) -> dict[str, str | None]:
    """The versions of Python and the packages that compute a fit (None: not installed), so a
    result can be traced to what made it."""
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in (*_SOFTWARE, *extra):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


@dataclass(frozen=True)
class ErgmResult:
    formula: str
    terms: tuple[str, ...]
    coef: np.ndarray
    cov: np.ndarray
    loglik: float
    n_nodes: int
    n_dyads: int
    directed: bool
    valued: bool
    method: str
    iterations: int
    null_loglik: float = float("nan")
    #: Monte Carlo standard error of ``loglik`` (0 when it is exact, as in R's summary).
    loglik_mc_se: float = 0.0
    #: How ``loglik`` was obtained: "exact", or the bridge sampling that estimated it.
    loglik_method: str = "exact"
    backend: str = "python"
    #: The R version that fitted the model ("4.2.2") and the version of R's ergm package when it
    #: was R's ergm (None: the Python engine, or R's glm without ergm installed).
    r_version: str | None = None
    ergm_version: str | None = None
    notes: tuple[str, ...] = ()
    probabilities: Any = field(default=None, repr=False, compare=False)
    #: The Monte Carlo covariance of an MCMC estimate (R's ``vcov(fit, sources = "mcmc")``); None for
    #: exact fits. ``cov`` is the model's (the inverse Fisher information, ``sources = "model"``).
    mcmc_cov: Any = field(default=None, repr=False, compare=False)
    diagnostics: dict[str, Any] | None = field(default=None, compare=False)
    #: An MCMC fit's final sample, the one its diagnostics were computed from: one row per draw, the
    #: sampled statistics minus the observed ones (R's ``fit$sample``); None for exact fits.
    mcmc_sample: Any = field(default=None, repr=False, compare=False)
    network: Any = field(default=None, repr=False, compare=False)

    @property
    def total_cov(self) -> np.ndarray:
        """The model's covariance plus an MCMC fit's Monte Carlo covariance (R's ``sources = "all"``)."""
        return self.cov if self.mcmc_cov is None else self.cov + self.mcmc_cov

    @property
    def se(self) -> np.ndarray:
        """The standard errors R's ``summary.ergm`` reports (since ergm 3.10): an MCMC fit's total,
        sqrt(model variance + MCMC variance); an exact fit's model one alone."""
        return np.sqrt(np.diag(self.total_cov))

    @property
    def model_se(self) -> np.ndarray:
        """The standard errors of the model alone (the inverse Fisher information)."""
        return np.sqrt(np.diag(self.cov))

    @property
    def mcmc_se(self) -> np.ndarray | None:
        """An MCMC fit's Monte Carlo standard errors of the estimates; None for exact fits."""
        return None if self.mcmc_cov is None else np.sqrt(np.diag(self.mcmc_cov))

    @property
    def z(self) -> np.ndarray:
        return self.coef / self.se

    @property
    def p(self) -> np.ndarray:
        return 2 * norm.sf(np.abs(self.z))

    @property
    def loglik_estimated(self) -> bool:
        """True when the log-likelihood (so deviance, AIC and BIC) is a Monte Carlo estimate."""
        return self.loglik_mc_se > 0 or self.loglik_method.startswith("bridge")

    @property
    def converged(self) -> bool | None:
        """Whether an MCMC fit passed its convergence test at the estimate; None for exact fits."""
        return None if self.diagnostics is None else bool(self.diagnostics["converged"])

    @property
    def aic(self) -> float:
        return -2 * self.loglik + 2 * len(self.terms)

    @property
    def bic(self) -> float:
        """BIC with the number of dyads as the sample size, as R's ergm computes it."""
        return -2 * self.loglik + len(self.terms) * float(np.log(self.n_dyads))

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(
            {"coef": self.coef, "se": self.se, "z": self.z, "p": self.p},
            index=pd.Index(self.terms, name="term"),
        )
        frame["stars"] = [stars(p) for p in frame["p"]]
        return frame

    def conf_int(self, level: float = 0.95) -> pd.DataFrame:
        q = norm.ppf(0.5 + level / 2)
        lo, hi = self.coef - q * self.se, self.coef + q * self.se
        pct = f"{100 * (1 - level) / 2:g} %", f"{100 * (1 + level) / 2:g} %"
        return pd.DataFrame({pct[0]: lo, pct[1]: hi}, index=pd.Index(self.terms, name="term"))

    def odds_ratios(self, level: float = 0.95) -> pd.DataFrame:
        """exp(coef) with its confidence interval (rate ratios for valued models)."""
        ci = self.conf_int(level)
        label = "rate_ratio" if self.valued else "odds_ratio"
        out = pd.DataFrame({label: np.exp(self.coef)}, index=ci.index)
        for column in ci.columns:
            out[column] = np.exp(ci[column].to_numpy())
        return out

    def gof(self, nsim: int = 100, seed: int | None = None) -> pd.DataFrame:
        """Degree-distribution goodness of fit (in- and out-degree when directed)."""
        from analytics.ergm.degree_gof import degree_gof

        return degree_gof(self.formula, self.coef, self._gof_network(), nsim=nsim, seed=seed)

    def gof_structure(self, nsim: int = 100, seed: int | None = None) -> pd.DataFrame:
        """Edgewise shared partners and geodesic distances against networks simulated from the fit
        (ergm's ``GOF = ~espartners + distance``): what a model of degrees alone may miss."""
        from analytics.ergm.structure_gof import structure_gof

        return structure_gof(self.formula, self.coef, self._gof_network(), nsim=nsim, seed=seed)

    def _gof_network(self) -> Any:
        """The network a goodness of fit simulates on: a binary model's, kept with the fit."""
        if self.network is None or self.valued:
            raise ValueError(
                "goodness of fit needs a binary (not valued) model whose network was kept with the fit"
            )
        return self.network

    def to_json_dict(self) -> dict[str, Any]:
        """The fit as strict JSON values: a missing number (NaN, e.g. no log-likelihood) is None.

        A term's ``se`` (and so ``z`` and ``p``) is the standard error ``summary()`` prints: an MCMC
        fit's total, with its parts ``se_model`` and ``se_mcmc`` beside it (MCMC fits only).

        ``seed`` and ``proposal`` are the seed and the Metropolis-Hastings proposal of an MCMC fit
        (and its bridge sampling) and ``converged`` its convergence test's verdict; all are None
        for exact fits. ``backend`` says which engine fitted it, ``software`` the versions of what
        computed it (this package, Python and its numerical libraries; with rpy2 for R), and
        ``r_version`` / ``ergm_version`` the R and R ergm package versions of a fit in R (None
        otherwise; ``ergm_version`` None when R's glm fitted it, ergm not being installed).
        """
        columns = ("coef", "se", "z", "p")
        rows = zip(self.terms, self.coef, self.se, self.z, self.p, strict=True)
        terms = [
            {"term": term} | {k: json_number(v) for k, v in zip(columns, values, strict=True)}
            for term, *values in rows
        ]
        if self.mcmc_se is not None:  # an MCMC fit's se is the total: its two parts beside it
            for term, model, mcmc in zip(terms, self.model_se, self.mcmc_se, strict=True):
                term |= {"se_model": json_number(model), "se_mcmc": json_number(mcmc)}
        return {
            "terms": terms,
            "loglik": json_number(self.loglik),
            "loglik_mc_se": json_number(self.loglik_mc_se),
            "loglik_method": self.loglik_method,
            "aic": json_number(self.aic),
            "bic": json_number(self.bic),
            "n_nodes": self.n_nodes,
            "n_dyads": self.n_dyads,
            "directed": self.directed,
            "method": self.method,
            # The seed of the MCMC fit and its bridge sampling; None when nothing was sampled.
            "seed": self.diagnostics.get("seed") if self.diagnostics else None,
            # The MCMC proposal ("TNT" or "random"); None when nothing was sampled.
            "proposal": self.diagnostics.get("proposal") if self.diagnostics else None,
            "converged": self.converged,
            "backend": self.backend,
            "r_version": self.r_version,
            "ergm_version": self.ergm_version,
            "software": software_versions(("rpy2",) if self.backend == "r" else ()),
        }

    def summary(self) -> str:
        frame = self.to_frame()
        lines = [
            "Call:",
            f"ergm(formula = {self.formula})",
            "",
            f"{self.method} Results:",
            "",
        ]
        if self.mcmc_cov is not None:
            lines.append(
                "Std. Error is the total, sqrt(model variance + MCMC variance), as R's summary.ergm;"
                " z and Pr(>|z|) use it"
            )
        header = f"{'':<24}{'Estimate':>12}{'Std. Error':>12}{'z value':>9}{'Pr(>|z|)':>10}"
        lines.append(header)
        for term, row in frame.iterrows():
            p = float(row["p"])
            ptext = "< 1e-04" if p < 1e-4 else f"{p:.6f}"
            lines.append(
                f"{term!s:<24}{row['coef']:>12.6g}{row['se']:>12.6g}{row['z']:>9.3f}{ptext:>10} {row['stars']}"
            )
        lines += ["---", "Signif. codes:  0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1", ""]
        df_resid = self.n_dyads - len(self.terms)
        if not self.valued:
            lines.append(
                f"     Null Deviance: {-2 * self.null_loglik:.1f}  on {self.n_dyads} degrees of freedom"
            )
        lines.append(f" Residual Deviance: {-2 * self.loglik:.1f}  on {df_resid} degrees of freedom")
        lines.append("")
        if np.isnan(self.loglik):
            lines.append("AIC: not available  BIC: not available  (no log-likelihood)")
        else:
            lines.append(
                f"AIC: {self.aic:.1f}  BIC: {self.bic:.1f}  "
                f"(Smaller is better. MC Std. Err. = {self.loglik_mc_se:.4g})"
            )
        if self.loglik_estimated:
            lines.append(f"Deviance, AIC and BIC are MCMC estimates: log-likelihood by {self.loglik_method}")
        if self.diagnostics is not None:
            d = self.diagnostics
            mcmc_se = self.mcmc_se if self.mcmc_se is not None else np.full(len(self.terms), np.nan)
            verdict = "converged" if d["converged"] else "NOT converged"
            lines += [
                "",
                f"MCMC: {verdict} after {d['iterations']} of at most {d['max_iterations']} iterations "
                f"(convergence test at the estimate: p = {d['convergence_p']:.2g}, converged below 0.01); "
                f"{d['draws']} draws every {d['interval']} proposals ({d['proposal']}) after {d['burnin']};"
                f" seed {d['seed']}",
                "MCMC standard errors (part of Std. Error): "
                + ", ".join(f"{t} {s:.4g}" for t, s in zip(self.terms, mcmc_se, strict=True)),
                "model standard errors (inverse Fisher information): "
                + ", ".join(f"{t} {s:.4g}" for t, s in zip(self.terms, self.model_se, strict=True)),
                "t-ratios (simulated - observed) / sd: " + ", ".join(f"{t:.3f}" for t in d["t_ratio"]),
                "effective sample sizes: " + ", ".join(f"{e:.0f}" for e in d["effective_size"]),
            ]
        lines += [f"Note: {note}" for note in self.notes]
        return "\n".join(lines)
