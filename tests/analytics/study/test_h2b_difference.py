"""H2b (the HTH effect per SD larger in Zhejiang than nationally) is judged on the difference with
its standard error, checked against statsmodels' logistic regressions of the same dyads; a larger
point estimate within noise is not support."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.stats import norm

from analytics.study.comparison import h2b_difference, hypotheses
from analytics.study.dataset import Frame
from analytics.study.generator import NODE_TERMS
from analytics.study.models import fit_frame


def _frame(key: str, n: int, hth_per_sd: float, seed: int) -> Frame:
    """A directed frame whose ties are drawn from a logistic model with ``hth_per_sd`` log-odds per
    SD of the receiver's HTH (every other attribute and covariate noise, with no effect)."""
    rng = np.random.default_rng(seed)
    nodes = pd.DataFrame({"id": [f"{key}{k:02d}" for k in range(n)]})
    for name in NODE_TERMS:
        nodes[name] = rng.normal(10.0, 3.0, n)
    nodes["HTH"] = rng.poisson(20, n).astype(float)
    hth = nodes["HTH"].to_numpy()
    logit = -2.0 + hth_per_sd * (hth - hth.mean()) / hth.std(ddof=1)
    adj = (rng.random((n, n)) < 1 / (1 + np.exp(-logit[None, :]))).astype(int)
    np.fill_diagonal(adj, 0)
    s, t = np.nonzero(adj)
    edges = pd.DataFrame({"source": nodes["id"].to_numpy()[s], "target": nodes["id"].to_numpy()[t]})
    edgecov = {"GeoProx": rng.random((n, n)), "CulProx": (rng.random((n, n)) < 0.5).astype(float)}
    return Frame(key, key, "Table", nodes, edges, edgecov, min_movers=1, synthetic=True)


def _statsmodels_hth(frame: Frame) -> tuple[float, float]:
    """Model 3's nodeicov.HTH estimate and SE by statsmodels' Logit on the n(n-1) ordered dyads."""
    n = len(frame.nodes)
    index = {v: k for k, v in enumerate(frame.nodes["id"])}
    y = np.zeros((n, n))
    y[frame.edges["source"].map(index), frame.edges["target"].map(index)] = 1
    i, j = (a.ravel() for a in np.meshgrid(np.arange(n), np.arange(n), indexing="ij"))
    keep = i != j
    i, j = i[keep], j[keep]
    columns = {"edges": np.ones(len(i))}
    columns |= {name: frame.nodes[name].to_numpy()[j] for name in NODE_TERMS}
    columns |= {name: frame.edgecov[name][i, j] for name in ("GeoProx", "CulProx")}
    fit = sm.Logit(y[i, j], pd.DataFrame(columns)).fit(disp=0, method="newton", tol=1e-12)
    return float(fit.params["HTH"]), float(fit.bse["HTH"])


def test_the_difference_and_its_standard_error_are_two_independent_logistic_fits() -> None:
    national, zhejiang = _frame("nat", 40, 0.4, 1), _frame("zj", 30, 0.8, 2)
    effect_zj, effect_nat, se, p = h2b_difference(fit_frame(national), fit_frame(zhejiang))
    (b_nat, se_nat), (b_zj, se_zj) = _statsmodels_hth(national), _statsmodels_hth(zhejiang)
    sd_nat, sd_zj = national.nodes["HTH"].std(), zhejiang.nodes["HTH"].std()
    assert math.isclose(effect_nat, b_nat * sd_nat, rel_tol=1e-6)
    assert math.isclose(effect_zj, b_zj * sd_zj, rel_tol=1e-6)
    expected_se = math.sqrt((se_nat * sd_nat) ** 2 + (se_zj * sd_zj) ** 2)
    assert math.isclose(se, expected_se, rel_tol=1e-5)
    assert math.isclose(p, 2 * norm.sf(abs(effect_zj - effect_nat) / expected_se), rel_tol=1e-4)


def _h2b(national: Frame, zhejiang: Frame) -> tuple[bool, str, float, float]:
    fits_nat, fits_zj = fit_frame(national), fit_frame(zhejiang)
    checks = hypotheses(
        fits_nat, fits_zj, {"bed_occupancy_high_tier": 78.2, "bed_occupancy_primary_care": 52.1}
    )
    h2b = next(c for c in checks if c.hypothesis == "H2b")
    effect_zj, effect_nat, _, _ = h2b_difference(fits_nat, fits_zj)
    return h2b.supported, h2b.evidence, effect_zj, effect_nat


def test_a_larger_estimate_within_its_noise_does_not_support_h2b() -> None:
    # the same effect drawn in both frames: Zhejiang's estimate came out larger (as it does half
    # the time), by less than its standard error allows
    supported, evidence, effect_zj, effect_nat = _h2b(_frame("nat", 40, 0.5, 3), _frame("zj", 30, 0.5, 10))
    assert effect_zj > effect_nat  # a comparison of the point estimates alone said "supported"
    assert not supported
    assert "difference +" in evidence and "SE " in evidence and "p = " in evidence


def test_a_clearly_larger_effect_supports_h2b() -> None:
    supported, _, effect_zj, effect_nat = _h2b(_frame("nat", 40, 0.2, 5), _frame("zj", 40, 1.2, 6))
    assert supported and effect_zj > effect_nat


def test_the_evidence_says_the_summed_variance_takes_the_frames_as_independent_and_why_it_errs_safe() -> None:
    """The two estimates are taken as independent; the evidence says so, that a move between
    Zhejiang's prefectures would be a tie of both frames (a positive correlation, the test
    conservative) and by how much at most, where it had said nothing of it."""
    _, evidence, _, _ = _h2b(_frame("nat", 40, 0.5, 3), _frame("zj", 30, 0.5, 10))
    assert "SE of two fits taken as independent" in evidence
    assert "the test conservative" in evidence and "at most 1% of the SE" in evidence
