"""An MCMC fit's Std. Error is the total, model and Monte Carlo variance, as R's summary.ergm (ergm >= 3.10).

It was the model's part alone (the inverse Fisher information), so an MCMC estimate's z and p-value
left out the error of the estimate itself; R reports sqrt(model variance + MCMC variance) and tests
with it. Exact fits (dyad-independent, edges + mutual) have no MCMC part and are unchanged.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import norm

from analytics.ergm import ErgmResult, ergm
from analytics.network_files import read_network

STUDY = Path(__file__).resolve().parents[3] / "examples" / "study"


@pytest.fixture(scope="module")
def mcmc_fit() -> ErgmResult:
    net = read_network(STUDY / "nodes.csv", STUDY / "edges.csv")
    return ergm('edges + mutual + nodeicov("HTH")', net, seed=1, bridges=0)


def _table(summary: str) -> dict[str, list[str]]:
    rows = {}
    for line in summary.splitlines():
        match = re.match(r"^(edges|mutual|nodeicov\.HTH)\s+(.*)$", line)
        if match:
            rows[match.group(1)] = match.group(2).split()
    return rows


def test_an_mcmc_fits_standard_error_is_model_plus_mcmc_variance(mcmc_fit: ErgmResult) -> None:
    fit = mcmc_fit
    model_var, mcmc_var = np.diag(fit.cov), np.diag(fit.mcmc_cov)
    assert np.all(mcmc_var > 0)
    total = np.sqrt(model_var + mcmc_var)
    np.testing.assert_allclose(fit.se, total, rtol=1e-12)
    np.testing.assert_allclose(fit.model_se, np.sqrt(model_var), rtol=1e-12)
    np.testing.assert_allclose(fit.mcmc_se, np.sqrt(mcmc_var), rtol=1e-12)
    frame = fit.to_frame()
    np.testing.assert_allclose(frame["se"], total, rtol=1e-12)
    np.testing.assert_allclose(frame["p"], 2 * norm.sf(np.abs(fit.coef / total)), rtol=1e-9)
    terms = {t["term"]: t for t in fit.to_json_dict()["terms"]}
    assert [terms[t]["se"] for t in fit.terms] == pytest.approx(total, rel=1e-12)
    assert [terms[t]["se_model"] for t in fit.terms] == pytest.approx(np.sqrt(model_var), rel=1e-12)
    assert [terms[t]["se_mcmc"] for t in fit.terms] == pytest.approx(np.sqrt(mcmc_var), rel=1e-12)
    # the printed table: Std. Error and z from the total, and the header says so
    text = fit.summary()
    assert "Std. Error is the total, sqrt(model variance + MCMC variance)" in text
    rows = _table(text)
    for k, term in enumerate(fit.terms):
        estimate, se, z = (float(v) for v in rows[term][:3])
        assert estimate == pytest.approx(fit.coef[k], rel=1e-5)
        assert se == pytest.approx(total[k], rel=1e-5)
        assert z == pytest.approx(fit.coef[k] / total[k], abs=1e-3)
    # both parts shown apart
    mcmc_line = next(line for line in text.splitlines() if line.startswith("MCMC standard errors"))
    model_line = next(line for line in text.splitlines() if line.startswith("model standard errors"))
    for k, term in enumerate(fit.terms):
        assert f"{term} {np.sqrt(mcmc_var[k]):.4g}" in mcmc_line
        assert f"{term} {np.sqrt(model_var[k]):.4g}" in model_line


def test_exact_fits_have_no_mcmc_part(mcmc_fit: ErgmResult) -> None:
    net = mcmc_fit.network
    for formula in ('edges + nodeicov("HTH")', "edges + mutual"):
        fit = ergm(formula, net)
        assert fit.mcmc_cov is None and fit.mcmc_se is None
        np.testing.assert_array_equal(fit.se, np.sqrt(np.diag(fit.cov)))
        assert all(set(t) == {"term", "coef", "se", "z", "p"} for t in fit.to_json_dict()["terms"])
        text = fit.summary()
        assert "total" not in text and "MCMC" not in text
        assert [float(_table(text)[t][1]) for t in fit.terms] == pytest.approx(fit.se, rel=1e-5)
