"""The study's Models 1-3, fitted per frame and laid out side by side like its Tables 3 and 4."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from analytics.ergm import ErgmResult, Network, ergm
from analytics.errors import ConvergenceError
from analytics.study.dataset import Frame
from analytics.study.generator import NODE_TERMS
from referral.errors import json_text

NODE_ATTRIBUTES = list(NODE_TERMS)
_MODEL1 = "edges + " + " + ".join(f'nodeicov("{a}")' for a in NODE_ATTRIBUTES)
FORMULAS = {
    "Model 1": _MODEL1,
    "Model 2": _MODEL1 + ' + edgecov("GeoProx")',
    "Model 3": _MODEL1 + ' + edgecov("GeoProx") + edgecov("CulProx")',
}


@dataclass(frozen=True)
class FrameFits:
    frame: Frame
    fits: dict[str, ErgmResult]

    @property
    def best(self) -> str | None:
        """The model with the lowest AIC (the study picks Model 3 by AIC and BIC).

        Models without an AIC (NaN: log-likelihood not estimated) are left out rather than
        compared - ``min`` over NaN would return an arbitrary model; ``best_note`` says which.
        None when no model has an AIC.
        """
        ranked = [name for name in self.fits if not math.isnan(self.fits[name].aic)]
        return min(ranked, key=lambda name: self.fits[name].aic) if ranked else None

    def best_note(self) -> str:
        """'Lowest AIC: <model>.', saying which models were not compared and when the lead is
        within Monte Carlo error (MCMC fits estimate their log-likelihood, so their AIC)."""
        best = self.best
        missing = [name for name in self.fits if math.isnan(self.fits[name].aic)]
        if best is None:
            return "No model has an AIC (log-likelihood not estimated)."
        text = f"Lowest AIC: {best}."
        if missing:
            text += f" Not compared (no AIC): {', '.join(missing)}."
        others = sorted(
            (name for name in self.fits if name != best and name not in missing),
            key=lambda name: self.fits[name].aic,
        )
        if others:
            a, b = self.fits[best], self.fits[others[0]]
            # The AIC's Monte Carlo standard error is twice the log-likelihood's.
            se = 2 * math.hypot(a.loglik_mc_se, b.loglik_mc_se)
            if se > 0 and b.aic - a.aic < 2 * se:
                text += (
                    f" Its lead over {others[0]} ({b.aic - a.aic:.2f}) is within two Monte Carlo"
                    f" standard errors ({se:.2f}) of the MCMC-estimated AICs."
                )
        return text

    def fitted_by(self) -> str:
        """Which engine fitted the models, in one sentence: for ``--backend r`` the R path (R's ergm,
        or glm when ergm is not installed) and R's version, as `triage study fit` prints them. The
        rebuild had said it nowhere - report, tables, CLI or JSON -, so a report fitted in R (or by
        R's glm fallback) could not be told from one fitted here."""
        said: list[str] = []
        for result in self.fits.values():
            if result.backend == "r":
                text = f"in R: {result.method}" + "".join(f"; {note}" for note in result.notes)
            else:
                text = f"by this engine (analytics/ergm, Python): {result.method}"
            if text not in said:
                said.append(text)
        return f"Models 1-3 fitted {' / '.join(said)}."

    def versions(self) -> dict[str, Any]:
        """What fitted the models, in the keys of `triage study fit --json` (``backend``,
        ``r_version``, ``ergm_version``, ``software``): the sentence of :meth:`fitted_by` alone
        gave R's version as words to parse."""
        first = next(iter(self.fits.values())).to_json_dict()
        return {key: first[key] for key in ("backend", "r_version", "ergm_version", "software")}


def network_of(frame: Frame) -> Network:
    return Network(
        nodes=frame.nodes[["id", *NODE_ATTRIBUTES]],
        edges=frame.edges[["source", "target"]],
        directed=True,
        edgecov=frame.edgecov,
    )


def fit_frame(frame: Frame, backend: str = "python") -> FrameFits:
    net = network_of(frame)
    fits: dict[str, ErgmResult] = {}
    for name, formula in FORMULAS.items():
        try:
            fits[name] = ergm(formula, net, backend=backend)
        except ConvergenceError as exc:  # say which of the study's frames and models
            raise ConvergenceError(f"frame {json_text(frame.key)}, {name}: {exc}") from None
    return FrameFits(frame, fits)


def _reads_zero(value: float) -> bool:
    """Whether four decimals would print ``value`` as 0.0000 though it is not 0."""
    return value != 0 and abs(value) < 0.00005


def coefficient_text(value: float) -> str:
    """A coefficient as the paper-layout tables print it (four decimals, or three significant
    digits where four decimals would read 0.0000), for text that quotes those tables."""
    return f"{value:.3g}" if _reads_zero(value) else f"{value:.4f}"


def _cell(coef: float, se: float, stars: str) -> str:
    """'coef*** (se)' with four decimals as the paper prints them, except where four decimals
    would show 0.0000 (a coefficient per person or per CNY): three significant digits instead,
    so the estimate and its standard error can still be read ('-1.54e-05 (1.65e-05)')."""
    if any(_reads_zero(value) for value in (coef, se)):
        return f"{coef:.3g}{stars} ({se:.3g})"
    return f"{coef:.4f}{stars} ({se:.4f})"


def _criterion(value: float, result: ErgmResult) -> str:
    """AIC or BIC as printed: NA when missing, marked with its Monte Carlo SE for MCMC fits."""
    if math.isnan(value):
        return "NA"
    if result.loglik_estimated:
        return f"{value:.4f} (MCMC estimate, MC s.e. {2 * result.loglik_mc_se:.2g})"
    return f"{value:.4f}"


def side_by_side(fits: FrameFits) -> pd.DataFrame:
    """Models as columns, terms as rows: 'coef*** (se)', then AIC, BIC and N (nodes) rows.

    An MCMC fit's AIC and BIC carry "(MCMC estimate, MC s.e. ...)"; a missing one reads NA.
    """
    columns: dict[str, dict[str, str]] = {}
    order: list[str] = []
    for name, result in fits.fits.items():
        table = result.to_frame()
        column: dict[str, str] = {}
        for term, row in table.iterrows():
            column[str(term)] = _cell(float(row["coef"]), float(row["se"]), str(row["stars"]))
            if term not in order:
                order.append(str(term))
        column["AIC"] = _criterion(result.aic, result)
        column["BIC"] = _criterion(result.bic, result)
        column["N"] = str(result.n_nodes)
        column["dyads"] = str(result.n_dyads)
        columns[name] = column
    rows = [*order, "AIC", "BIC", "N", "dyads"]
    return pd.DataFrame(
        {name: [col.get(r, "") for r in rows] for name, col in columns.items()},
        index=pd.Index(rows, name="term"),
    )


def long_table(fits: FrameFits) -> pd.DataFrame:
    """One row per (model, term): numeric coef, se, z, p and stars, for CSV/Parquet output."""
    parts = []
    for name, result in fits.fits.items():
        table = result.to_frame().reset_index().rename(columns={"index": "term"})
        if "term" not in table.columns:
            table = table.rename(columns={table.columns[0]: "term"})
        table.insert(0, "model", name)
        table.insert(0, "frame", fits.frame.key)
        table["aic"] = result.aic
        table["bic"] = result.bic
        table["loglik_mc_se"] = result.loglik_mc_se  # 0 when exact; AIC/BIC s.e. is twice it
        table["n_nodes"] = result.n_nodes
        table["n_dyads"] = result.n_dyads
        parts.append(table)
    return pd.concat(parts, ignore_index=True)
