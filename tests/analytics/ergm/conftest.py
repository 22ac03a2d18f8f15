"""Networks shared by the ERGM tests."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from analytics.ergm import Network


def reciprocal_network(seed: int = 4, n: int = 25) -> Network:
    """A directed random network (density about 0.12) with 40% of its ties reciprocated."""
    rng = np.random.default_rng(seed)
    adj = (rng.random((n, n)) < 0.12).astype(int)
    np.fill_diagonal(adj, 0)
    for i, j in zip(*np.nonzero(adj), strict=True):
        if rng.random() < 0.4:
            adj[j, i] = 1
    s, t = np.nonzero(adj)
    return Network(
        pd.DataFrame({"id": [str(k) for k in range(n)]}),
        pd.DataFrame({"source": s.astype(str), "target": t.astype(str)}),
    )


def strict_json_loads(text: str) -> Any:
    """``json.loads`` that rejects NaN and Infinity, as strict JSON parsers (RFC 8259) do."""

    def reject(constant: str) -> None:
        raise ValueError(f"not strict JSON: {constant}")

    return json.loads(text, parse_constant=reject)


def exact_mutual_model_mle(formula: str, net: Network) -> tuple[np.ndarray, np.ndarray]:
    """Exact MLE and covariance of a directed model whose only dyad-dependent term is ``mutual``.

    Such a model makes the n(n-1)/2 dyad pairs independent, each in one of four states (none,
    i -> j, j -> i, both), so its likelihood is a product of four-state multinomials: Newton's
    method on it gives the MLE to machine precision, an oracle for the MCMC fit.
    """
    from analytics.ergm import parse_formula
    from analytics.ergm.dependent import Chain, dependent_terms

    terms = dependent_terms(parse_formula(formula), net)
    mutual = [t.kind for t in terms].index("mutual")
    empty = Chain(terms, np.zeros((net.n, net.n), dtype=int), directed=True)
    y = net.response(None)
    states, seen = [], []
    for i in range(net.n):
        for j in range(i + 1, net.n):
            forth, back = empty.change(i, j), empty.change(j, i)
            both = forth + back
            both[mutual] = 1.0
            states.append([np.zeros_like(forth), forth, back, both])
            seen.append(int(y[i, j]) + 2 * int(y[j, i]))
    stats = np.array(states)  # pairs x 4 states x terms
    observed = stats[np.arange(len(seen)), seen].sum(axis=0)
    theta = np.zeros(stats.shape[2])
    for _ in range(100):
        eta = stats @ theta
        prob = np.exp(eta - eta.max(axis=1, keepdims=True))
        prob /= prob.sum(axis=1, keepdims=True)
        mean = np.einsum("ks,ksp->kp", prob, stats)
        centred = stats - mean[:, None, :]
        info = np.einsum("ks,ksp,ksq->pq", prob, centred, centred)
        step = np.linalg.solve(info, observed - mean.sum(axis=0))
        theta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    return theta, np.linalg.inv(info)
