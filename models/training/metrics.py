"""Held-out metrics for a probability model: AUROC with a bootstrap 95% CI, Brier score,
calibration slope and intercept (logistic recalibration), and operating points at thresholds.

Pure numpy; deterministic (the bootstrap uses a fixed seed).
"""

from __future__ import annotations

import numpy as np
from scipy.stats import rankdata

BOOTSTRAP_RESAMPLES = 2000
BOOTSTRAP_SEED = 0
_EPS = 1e-12


def auroc(y: np.ndarray, p: np.ndarray) -> float:
    """Mann-Whitney AUROC with average ranks for ties."""
    y = np.asarray(y, dtype=bool)
    ranks = rankdata(p)
    n_pos = int(y.sum())
    n_neg = len(y) - n_pos
    if n_pos == 0 or n_neg == 0:
        raise ValueError("AUROC needs both outcomes in the sample")
    return float((ranks[y].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def auroc_ci95(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """Percentile bootstrap (stratified by outcome, fixed seed) 95% interval."""
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    pos = np.flatnonzero(y == 1)
    neg = np.flatnonzero(y == 0)
    stats = np.empty(BOOTSTRAP_RESAMPLES)
    for b in range(BOOTSTRAP_RESAMPLES):
        idx = np.concatenate([rng.choice(pos, len(pos)), rng.choice(neg, len(neg))])
        stats[b] = auroc(y[idx], p[idx])
    low, high = np.percentile(stats, [2.5, 97.5])
    return float(low), float(high)


def brier(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(p, dtype=np.float64) - y) ** 2))


def _logit(p: np.ndarray) -> np.ndarray:
    q = np.clip(np.asarray(p, dtype=np.float64), _EPS, 1 - _EPS)
    return np.log(q / (1 - q))


def _logistic_fit(design: np.ndarray, y: np.ndarray, offset: np.ndarray) -> np.ndarray:
    """Newton-Raphson maximum likelihood for logit P(y) = offset + design @ beta."""
    beta = np.zeros(design.shape[1])
    for _ in range(100):
        eta = offset + design @ beta
        mu = 1 / (1 + np.exp(-eta))
        w = np.clip(mu * (1 - mu), 1e-10, None)
        grad = design.T @ (y - mu)
        hess = design.T @ (design * w[:, None])
        step = np.linalg.solve(hess + 1e-9 * np.eye(len(beta)), grad)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-10:
            break
    return beta


def calibration(y: np.ndarray, p: np.ndarray) -> tuple[float, float]:
    """``(slope, intercept)``: slope from logit P(y) = a + b*logit(p); intercept (calibration-in-
    the-large) from logit P(y) = a + logit(p), i.e. with the slope fixed at 1 (Van Calster 2019)."""
    lp = _logit(p)
    y = np.asarray(y, dtype=np.float64)
    ones = np.ones((len(y), 1))
    slope = _logistic_fit(np.column_stack([ones, lp]), y, np.zeros(len(y)))[1]
    intercept = _logistic_fit(ones, y, lp)[0]
    return float(slope), float(intercept)


def operating_point(y: np.ndarray, p: np.ndarray, threshold: float) -> dict[str, float | int]:
    flagged = p >= threshold
    pos = y == 1
    tp = int(np.sum(flagged & pos))
    fp = int(np.sum(flagged & ~pos))
    return {
        "min_probability": threshold,
        "flagged": int(flagged.sum()),
        "sensitivity": round(tp / max(int(pos.sum()), 1), 4),
        "specificity": round(int(np.sum(~flagged & ~pos)) / max(int((~pos).sum()), 1), 4),
        "ppv": round(tp / max(tp + fp, 1), 4),
    }


def calibration_bins(y: np.ndarray, p: np.ndarray, groups: int = 5) -> list[dict[str, float | int]]:
    """Mean predicted probability and observed event rate in ``groups`` quantile groups of ``p``."""
    order = np.argsort(p, kind="stable")
    return [
        {
            "n": len(idx),
            "mean_predicted": round(float(p[idx].mean()), 4),
            "observed_rate": round(float(y[idx].mean()), 4),
        }
        for idx in np.array_split(order, groups)
    ]


def subgroup(y: np.ndarray, p: np.ndarray) -> dict[str, float | int | None]:
    both = 0 < int(y.sum()) < len(y)
    return {
        "n": len(y),
        "events": int(y.sum()),
        "auroc": round(auroc(y, p), 4) if both else None,
        "mean_predicted": round(float(p.mean()), 4),
        "observed_rate": round(float(y.mean()), 4),
    }
